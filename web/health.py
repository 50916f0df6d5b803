"""``GET /healthz`` (JSON: ok / degraded / down with its reasons; HTTP 503 when down, so a load
balancer or a container healthcheck can act on it) and ``GET /metrics`` (Prometheus' text
format), both from ``adapters.services.health``. Open to read, like the pages."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
from litestar import Request, Response, get

from adapters.services.health import engine_health
from projections.health import Health
from web.page_cache import NO_CACHE

PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"
_LEVEL = {"ok": 0, "degraded": 1, "down": 2}


@get("/healthz", sync_to_thread=False, opt={NO_CACHE: True})  # the clock and locks change it
def healthz(request: Request) -> Response:
    health = _health(request)
    body = {"status": health.status, "reasons": health.reasons,
            "figures": msgspec.to_builtins(health.figures)}  # fmt: skip
    return Response(body, status_code=503 if health.status == "down" else 200)


@get("/metrics", sync_to_thread=False, opt={NO_CACHE: True})
def metrics(request: Request) -> Response:
    return Response("".join(prometheus(_health(request))), media_type=PROMETHEUS)


def _health(request: Request) -> Health:
    return engine_health(request.app.state.engine, request.app.state.read.db())


def prometheus(health: Health) -> Iterator[str]:
    """The figures as Prometheus metrics, one family at a time with its HELP and TYPE."""
    f = health.figures
    yield from _family("health", "0 ok, 1 degraded, 2 down", [({}, _LEVEL[health.status])])
    running = set(f.processes.running)
    yield from _family(
        "writer_online",
        "1 while a trading process writes the portfolio",
        [({"portfolio": p.portfolio}, int(p.portfolio in running)) for p in f.heartbeat.paper],
    )
    yield from _family(
        "candles_processed",
        "candle times the portfolio processed",
        [({"portfolio": p.portfolio}, p.candles) for p in f.portfolios],
    )
    yield from _family(
        "projector_lag_events",
        "events the read model trails the store by",
        [({"projector": k}, v) for k, v in sorted(f.processes.projector_lag.items())],
    )
    yield from _family(
        "orders",
        "live orders open or unanswered, by state",
        [({"account": a, "state": s}, n) for a, by in sorted(f.orders.items())
         for s, n in sorted(by.items())],
    )  # fmt: skip
    yield from _family(
        "equity_usdt",
        "paper portfolio equity (cash + unrealised)",
        [({"portfolio": p.portfolio}, p.equity) for p in f.heartbeat.paper],
    )
    yield from _family(
        "margin_in_use_usdt",
        "margin locked by open positions",
        [({"portfolio": p.portfolio}, p.margin_in_use) for p in f.portfolios],
    )
    yield from _family(
        "kill_switch_tripped",
        "kill switches tripped now (global and per runner)",
        [({"portfolio": p.portfolio}, len(p.trips)) for p in f.heartbeat.paper],
    )
    yield from _family(
        "market_age_seconds",
        "seconds since the newest candle of the market closed (the feed's lag)",
        [({"portfolio": p.portfolio, "market": s.market}, s.age_ms / 1000)
         for p in f.heartbeat.paper for s in p.freshness if s.age_ms is not None],
    )  # fmt: skip
    yield from _family(
        "market_stale",
        "1 when the newest candle closed more than two periods ago",
        [({"portfolio": p.portfolio, "market": s.market}, int(s.stale))
         for p in f.heartbeat.paper for s in p.freshness],
    )  # fmt: skip
    yield from _family(
        "live_unprotected_positions",
        "live positions without an exchange-side stop",
        [({"account": a.account}, len(a.unprotected)) for a in f.heartbeat.live],
    )
    yield from _family(
        "live_balance_usdt",
        "live account balance at its last refresh",
        [({"account": a.account}, a.balance) for a in f.heartbeat.live],
    )


def _family(
    name: str, help_text: str, samples: list[tuple[dict[str, str], float]]
) -> Iterator[str]:
    metric = f"scalp_radar_{name}"
    yield f"# HELP {metric} {help_text}\n# TYPE {metric} gauge\n"
    for labels, value in samples:
        text = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
        yield f"{metric}{{{text}}} {value:g}\n" if text else f"{metric} {value:g}\n"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


HANDLERS = [healthz, metrics]
