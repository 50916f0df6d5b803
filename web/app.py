"""The dashboard's litestar application: ``create_app(engine, api_key)``.

Pages are server-rendered Jinja templates; htmx (vendored into the package from npm by
``web.vendor_assets``, never a CDN) swaps fragments and follows jobs and the paper journal over
SSE. Handlers read the read DB through ``ReadModels``; commands go to the ``JobRunner``
application service or to ``adapters.services.portfolio_commands``. Rendered pages are cached
until the read model, the engine status or the jobs change (``web.page_cache``). Every response
carries the security headers of ``web.security``; served by ``scalp-radar serve`` (``served``),
requests whose Host is not the served address are refused (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
from litestar import Litestar
from litestar.exceptions import HTTPException
from litestar.file_system import BaseLocalFileSystem
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from adapters.services.engine import Engine
from adapters.services.engine_status import EngineStatusProbe
from adapters.services.jobs import JobRunner
from config.loader import DEFAULT_CONFIG_DIR, load_settings
from config.settings import Settings
from web import explorer, health, live, live_page, pages, paper, paper_data, portfolio, research
from web.error_pages import http_error, server_error
from web.page_cache import PageCache, PageCacheMiddleware
from web.plan_view import PlanCache
from web.readmodel import ReadModels
from web.security import HostGuard, ServedHosts, add_security_headers
from web.templating import configure_environment
from web.vendor_assets import ASSETS, missing, vendored

WEB = Path(__file__).resolve().parent


class VendorMissingError(RuntimeError):
    """htmx is not installed: the pages would load without their scripts."""


def create_app(
    engine: Engine,
    api_key: str | None,
    *,
    settings: Settings | None = None,
    jobs: JobRunner | None = None,
    catch_up_every: float | None = None,
    config_dir: Path | None = None,
    served: tuple[str, int] | None = None,
) -> Litestar:
    """The app over ``engine``; ``catch_up_every`` seconds, project events that other
    processes stored (None: never, as in tests that drive projection themselves).
    ``config_dir`` is where the settings came from: "apply parameters" writes there.
    ``served`` is the (host, port) the server listens on: other Host headers get 400
    (None: no check, as under the in-process test client)."""
    _check_vendor()
    settings = settings or load_settings(config_dir)
    runner = jobs or JobRunner(engine, settings)
    app = Litestar(
        route_handlers=[
            *pages.HANDLERS,
            *paper.HANDLERS,
            *live_page.HANDLERS,
            *health.HANDLERS,
            research.ResearchController,
            live.LiveController,
            explorer.ExplorerController,
            portfolio.PortfolioController,
            create_static_files_router(
                path="/static/app", directories=[WEB / "static"], file_system=StaticFiles()
            ),
            *(
                create_static_files_router(path=p, directories=[d], file_system=StaticFiles())
                for p, d in _vendor_routes().items()
            ),
        ],
        template_config=TemplateConfig(
            directory=WEB / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=configure_environment,
        ),
        plugins=[HTMXPlugin()],
        middleware=[PageCacheMiddleware()],
        exception_handlers={
            HTTPException: http_error,
            Exception: server_error,
        },
        before_send=[add_security_headers],
        openapi_config=None,  # no API docs: their pages load scripts from a CDN
        lifespan=[_lifespan(runner, catch_up_every)],
    )
    if served is not None:
        # around litestar's whole handler, so a bad Host is refused before any route (or 404)
        app.asgi_handler = HostGuard(app.asgi_handler, ServedHosts.for_bind(*served))
    read = ReadModels(engine.read_db)
    app.state.engine = engine
    app.state.read = read
    app.state.jobs = runner
    app.state.settings = settings
    app.state.config_dir = config_dir or DEFAULT_CONFIG_DIR
    app.state.markets = paper_data.Markets(
        PlanCache(), settings.exchanges.history_exchange, settings
    )
    app.state.api_key = api_key or None
    app.state.engine_probe = EngineStatusProbe(engine.home.locks, read.db)
    app.state.catch_up = live.CatchUp(runner, enabled=catch_up_every is not None)
    app.state.page_cache = PageCache(lambda path: _version(app, path))
    return app


# what each family of pages reads (the projectors' names); the paper pages show research
# grades and the candles' plans too. Anything else (the status badge, errors) reads them all.
PAGE_FAMILIES = (
    ("/research", ("research",)),
    ("/explorer", ("research",)),
    ("/portfolio", ("portfolio_runs",)),
    ("/scanner", ("paper", "research", "market_data")),
    ("/positions", ("paper", "research", "market_data")),
    ("/equity", ("paper",)),
    ("/live", ("live", "paper", "market_data")),
)


def _version(app: Litestar, path: str) -> tuple[str, tuple]:
    """(the page's family, the version of what it reads): see ``web.page_cache``."""
    state = app.state
    family, reads = next(((p, r) for p, r in PAGE_FAMILIES if path.startswith(p)), ("", None))
    read = tuple(row for row in live.tracking(state.read.db()) if reads is None or row[0] in reads)
    return family, (read, state.engine_probe.status(), state.jobs.version)


class StaticFiles(BaseLocalFileSystem):
    """The local file system for static files, where a name no file can have (a NUL byte,
    a name too long for the file system) is simply not found: 404, not 500."""

    async def info(self, path, **kwargs):  # litestar's FileSystemProtocol
        try:
            return await super().info(path, **kwargs)
        except PermissionError:
            raise
        except (ValueError, OSError) as exc:
            raise FileNotFoundError(str(path)[:200]) from exc


def _vendor_routes() -> dict[str, Path]:
    """URL prefix -> the package folder holding that vendored asset."""
    return {f"/static/vendor/{folder}": vendored(folder).parent for folder in ASSETS}


def _check_vendor() -> None:
    absent = missing()
    if absent:
        raise VendorMissingError(
            f"htmx is not in the package ({', '.join(map(str, absent))} missing): run "
            "`python3 tasks.py test` (or any task) in the clone, which vendors it from npm"
        )


def _lifespan(runner: JobRunner, every: float | None):
    @contextlib.asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        task = asyncio.create_task(_catch_up_loop(runner, every)) if every else None
        try:
            yield
        finally:
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await anyio.to_thread.run_sync(runner.close)

    return lifespan


async def _catch_up_loop(runner: JobRunner, every: float) -> None:
    while True:
        await anyio.to_thread.run_sync(runner.catch_up)
        await asyncio.sleep(every)
