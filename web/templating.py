"""Jinja set-up shared by every page: filters (numbers, dates, glossary terms) and the base
context (navigation, engine online/offline, whether commands are enabled)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template

from adapters.services.engine_status import EngineStatus
from projections import words
from projections.notifier import duration
from web import prices
from web.glossary import term
from web.live import read_model_version

NAV = (
    ("scanner", "Scanner", "/scanner"),
    ("positions", "Positions", "/positions"),
    ("equity", "Equity", "/equity"),
    ("live", "Live", "/live"),
    ("research", "Research", "/research"),
    ("explorer", "Explorer", "/explorer"),
    ("portfolio", "Portfolio", "/portfolio"),
)


def num(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:.{digits}f}"


def pct(value: Any, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value * 100:.{digits}f} %"


def date(ts_ms: Any) -> str:
    if ts_ms is None:
        return "never"
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def day(ts_ms: Any) -> str:
    return (
        "" if ts_ms is None else datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%d")
    )


def configure_environment(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.filters.update(
        term=term,
        num=num,
        pct=pct,
        date=date,
        day=day,
        price=prices.price,
        price_change=prices.price_change,
        money=words.money,
        signed=words.signed,
        duration=duration,
        funding=words.paid_or_received,
        exit=words.trade_exit,
        outcome=words.outcome,
        trip=words.trip_sentence,
    )
    env.globals.update(term=term, NAV=NAV)
    env.trim_blocks = True
    env.lstrip_blocks = True


def page(
    request: Request, name: str, active: str, live: tuple[str, ...] = (), **context: Any
) -> Template:
    """A full page: the template plus what the base layout shows on every page. ``live``
    names the regions (element ids) that follow the read model (``web.live``)."""
    state = request.app.state
    engine, query = selected_portfolio(request)
    return Template(
        template_name=name,
        context={
            "active": active,
            "engine": engine,
            "portfolio_query": query,
            "commands_enabled": bool(state.api_key),
            "live_regions": live,
            "live_version": read_model_version(state.read.db()) if live else "",
            "ticks": prices.ticks(state.read.db(), state.settings),
            "live_url": str(request.url.path)
            + (f"?{request.url.query}" if request.url.query else ""),
            **context,
        },
    )


def fragment(name: str, **context: Any) -> Template:
    return Template(template_name=name, context=context)


def selected_portfolio(request: Request) -> tuple[EngineStatus, str]:
    """The engine status of the portfolio the paper pages show, and ``?portfolio=...`` when
    the request chose one (else ""), for the navigation's links to carry it on. In the links,
    not a cookie: the page cache keys a page by its URL, so a cookie would serve one
    portfolio's cached page to a browser that selected another; a link also says what it
    shows when shared or bookmarked."""
    engine = request.app.state.engine_probe.status()
    asked = request.query_params.get("portfolio")
    shown = engine.shown(asked)
    query = f"?{urlencode({'portfolio': shown})}" if asked and asked == shown else ""
    return (engine.of(shown) if shown else engine), query
