# Scalp Radar's image: one image, three services (compose.yaml): trading, dashboard, notifier.
# Stage 1 builds the wheel with htmx vendored from npm exactly as package-lock.json pins it;
# stage 2 installs only that wheel (with the PostgreSQL extra) and runs as a non-root user.

FROM python:3.11.11-slim-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# npm ci checks every tarball against the lock's sha512
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN python -c "from pathlib import Path; from web.vendor_assets import vendor; vendor(Path('node_modules'))" \
    && pip install --no-cache-dir build \
    && python -m build --wheel --outdir /dist .

FROM python:3.11.11-slim-bookworm
# no compiler, no npm: the wheel and its dependencies' wheels (psycopg's bundles libpq)
RUN useradd --create-home --uid 10001 scalp \
    && mkdir -p /data/home /data/locks \
    && chown -R scalp:scalp /data
COPY --from=build /dist/ /tmp/dist/
RUN wheel="$(ls /tmp/dist/*.whl)" \
    && pip install --no-cache-dir "${wheel}[postgres]" \
    && rm -rf /tmp/dist
USER scalp
# each service's home (its read DB) is its own volume; the writer locks a shared one
ENV SCALP_RADAR_HOME=/data/home \
    SCALP_RADAR_LOCK_DIR=/data/locks \
    PYTHONUNBUFFERED=1
WORKDIR /data
ENTRYPOINT ["scalp-radar"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
