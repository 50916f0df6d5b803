"""Paper-trading screens: Scanner, Positions (with the kill switch and its reset), Equity (with
its trades as CSV) and the live journal. GETs read the paper read model; the reset is the one
command, sent through ``adapters.services.portfolio_commands`` like the CLI's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
import numpy as np
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage, Template

from adapters.services.engine_status import default_portfolio
from adapters.services.jobs import JobRunner
from adapters.services.portfolio_commands import (
    RequestOutcome,
    UnknownPortfolioError,
    request_kill_switch_reset,
)
from adapters.text.trade_csv import trades_csv
from projections.paper.reader import PaperReader
from web import inputs, journal, paper_data, price_chart, prices, svg
from web.auth import require_api_key
from web.live import POLL_S, CatchUp
from web.page_cache import NO_CACHE
from web.paper_data import DEFAULT_PORTFOLIO
from web.templating import date, day, fragment, page

JOURNAL_BATCH = 200
MAX_CUMULATIVE = 120  # drawn days of the cumulative P&L
# the Equity page stays under 60 KB for a year of ten runners: its curves drawn with at most
# EQUITY_POINTS points (min and max per bucket keep the shape), HOVERS titled strips each
EQUITY_POINTS = 200
HOVERS = 40


def _db(request: Request):
    return request.app.state.read.db()


def _portfolio(request: Request, value: str | None) -> str:
    names = paper_data.portfolio_names(_db(request)) or [DEFAULT_PORTFOLIO]
    return inputs.choice("portfolio", value, names, default_portfolio(names))


def _is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _common(request: Request, portfolio: str) -> dict[str, Any]:
    """What every paper page shows: the portfolio chosen, the others, its summary row."""
    db = _db(request)
    return {
        "portfolio": portfolio,
        "portfolios": paper_data.portfolio_names(db),
        "pf": PaperReader(db).portfolio(portfolio),
    }


class ScannerController(Controller):
    path = "/scanner"

    @get("/", sync_to_thread=False)
    def list_runners(self, request: Request, portfolio: FromQuery[str | None] = None) -> Template:
        name = _portfolio(request, portfolio)
        rows = paper_data.scanner_rows(_db(request), name, request.app.state.markets)
        common = _common(request, name)
        live = ("summary", "scanner") if common["pf"] else ()
        return page(request, "scanner.html", "scanner", live, rows=rows, **common)


class PositionsController(Controller):
    path = "/positions"

    @get("/", sync_to_thread=False)
    def list_positions(self, request: Request, portfolio: FromQuery[str | None] = None) -> Template:
        name = _portfolio(request, portfolio)
        db = _db(request)
        context = _common(request, name) | _kill_context(db, name)
        live = ("summary", "kill-status", "positions") if context["pf"] else ()
        return page(
            request,
            "positions.html",
            "positions",
            live,
            positions=paper_data.positions(db, name, request.app.state.markets),
            **context,
        )

    @get("/detail", sync_to_thread=False)
    def show_runner(
        self,
        request: Request,
        key: FromQuery[str | None] = None,
        portfolio: FromQuery[str | None] = None,
    ) -> Template:
        name = _portfolio(request, portfolio)
        runner_key = inputs.required("key", key)
        detail = paper_data.runner_detail(_db(request), name, runner_key, request.app.state.markets)
        if detail is None:
            raise NotFoundException(detail=f"no runner {runner_key!r} in portfolio {name!r}")
        if _is_htmx(request):
            ticks = prices.ticks(_db(request), request.app.state.settings)
            return fragment("partials/runner_detail.html", d=detail, portfolio=name, ticks=ticks)
        common = _common(request, name)
        state = request.app.state
        ticks = prices.ticks(_db(request), state.settings)
        chart = price_chart.runner_chart(
            _db(request), common["pf"], detail["runner"], state.settings, ticks
        )
        return page(request, "runner.html", "positions", d=detail, price_chart=chart, **common)

    @post(
        "/kill-switch/reset",
        guards=[require_api_key],
        status_code=200,
        request_max_body_size=inputs.MAX_FORM_BYTES,
    )
    async def reset_kill_switch(self, request: Request) -> Template:
        """Reset the switch of ``runner`` of ``portfolio``, or everything tripped when
        ``runner`` is given empty (the form's first choice). Both fields are required: a body
        that does not say what to reset resets nothing (400)."""
        form = await inputs.command_form(request, ("portfolio", "runner"))
        db = _db(request)
        names = paper_data.portfolio_names(db)
        if not names:
            raise NotFoundException(detail="no paper portfolio yet: nothing to reset")
        name = inputs.choice("portfolio", inputs.present(form, "portfolio"), names, "")
        if not name:
            raise inputs.bad_request("portfolio", "is required")
        keys = {r["key"] for r in PaperReader(db).runners(name)}
        runner = inputs.choice("runner", inputs.present(form, "runner"), keys | {""}, "")
        app = request.app
        try:
            outcome = await anyio.to_thread.run_sync(
                _reset, app.state.jobs, app.state, name, runner
            )
        except UnknownPortfolioError as exc:
            raise NotFoundException(detail=str(exc)) from exc
        context = _common(request, name) | _kill_context(_db(request), name)
        context["outcome"] = outcome.text
        return fragment("partials/kill_switch.html", **context)


def _reset(jobs: JobRunner, state: Any, portfolio: str, runner: str) -> RequestOutcome:
    # the engine (store, read-DB writer) is shared with jobs and the catch-up loop: one at a time
    with jobs.engine_lock:
        return request_kill_switch_reset(state.engine, state.settings, portfolio, runner, "web")


def _kill_context(db, portfolio: str) -> dict[str, Any]:
    runners = PaperReader(db).runners(portfolio)
    return {
        "kill": paper_data.kill_switch(db, portfolio),
        "runner_keys": [r["key"] for r in runners],
        "outcome": None,
    }


class EquityController(Controller):
    path = "/equity"

    @get("/", sync_to_thread=False)
    def show_equity(
        self,
        request: Request,
        portfolio: FromQuery[str | None] = None,
        page_no: Annotated[str | None, QueryParameter(name="page")] = None,
    ) -> Template:
        name = _portfolio(request, portfolio)
        db = _db(request)
        trades = _trades(db, name, page_no)
        common = _common(request, name)
        # the journal has its own stream; the curves and the trades follow the read model
        live = ("summary", "equity-charts", "performance", "trades") if common["pf"] else ()
        performance = paper_data.performance(db, name)
        split = None
        if common["pf"]:
            positions = PaperReader(db).positions(name)
            split = paper_data.pnl_split(common["pf"], positions, performance)
        return page(
            request,
            "equity.html",
            "equity",
            live,
            charts=_equity_charts(paper_data.equity_view(db, name, EQUITY_POINTS))
            | _pnl_charts(*paper_data.daily_pnl(db, name)),
            performance=performance,
            split=split,
            trades=trades,
            **_journal_context(db, name, journal.query(None, None, [])),
            **common,
        )

    @get("/journal", sync_to_thread=False)
    def list_journal(
        self,
        request: Request,
        portfolio: FromQuery[str | None] = None,
        runner: FromQuery[str | None] = None,
        type: FromQuery[str | None] = None,
        before: FromQuery[str | None] = None,
    ) -> Template:
        """The journal's table filtered by runner and type (newest first), or with ``before``
        the rows older than that seq and the next "older" button."""
        name = _portfolio(request, portfolio)
        db = _db(request)
        filters = journal.query(runner, type, _runner_keys(db, name))
        start = inputs.sequence_number("before", before)
        context = _journal_context(db, name, filters, start)
        template = "journal_rows" if start is not None else "journal_table"
        return fragment(f"partials/{template}.html", portfolio=name, **context)

    @get("/trades", sync_to_thread=False)
    def list_trades(
        self,
        request: Request,
        portfolio: FromQuery[str | None] = None,
        page_no: Annotated[str | None, QueryParameter(name="page")] = None,
    ) -> Template:
        name = _portfolio(request, portfolio)
        trades = _trades(_db(request), name, page_no)
        ticks = prices.ticks(_db(request), request.app.state.settings)
        return fragment("partials/trades_table.html", trades=trades, portfolio=name, ticks=ticks)

    @get("/trades.csv", sync_to_thread=False)
    def download_trades(
        self, request: Request, portfolio: FromQuery[str | None] = None
    ) -> Response[str]:
        """Every closed trade of the portfolio as CSV, the columns of ``backtest --trades-out``
        (``domain.trade_export``): read-only, so no key, like the pages."""
        name = _portfolio(request, portfolio)
        reader = PaperReader(_db(request))
        if reader.portfolio(name) is None:
            raise NotFoundException(detail=f"no paper portfolio {name!r} yet: no trades")
        # the name is a portfolio's (letters, digits, - and _: domain.names), safe in the header
        return Response(
            trades_csv(reader.closed_trades(name)),
            media_type="text/csv",  # litestar adds "; charset=utf-8"
            headers={"Content-Disposition": f'attachment; filename="{name}-trades.csv"'},
        )

    @get("/journal/events", opt={NO_CACHE: True})
    async def stream_journal(
        self,
        request: Request,
        portfolio: FromQuery[str | None] = None,
        after: FromQuery[str | None] = None,
        runner: FromQuery[str | None] = None,
        type: FromQuery[str | None] = None,
    ) -> ServerSentEvent:
        name = _portfolio(request, portfolio)
        filters = journal.query(runner, type, _runner_keys(_db(request), name))
        # a reconnecting EventSource names the last row it got: resume there, no duplicates
        last = request.headers.get("Last-Event-ID")
        field, resume = ("Last-Event-ID", last) if last else ("after", after)
        start = inputs.sequence_number(field, resume) or 0
        return ServerSentEvent(_journal_stream(request, name, filters, start))


def _runner_keys(db, portfolio: str) -> list[str]:
    return [r["key"] for r in PaperReader(db).runners(portfolio)]


def _journal_context(
    db, portfolio: str, filters: dict[str, str], before: int | None = None
) -> dict[str, Any]:
    """The journal's rows (newest first), where "older" continues, the filter and its menus,
    and the newest seq the live stream follows from."""
    rows, older = journal.rows(db, portfolio, filters, before)
    newest = PaperReader(db).journal_newest(portfolio, limit=1)
    return {
        "journal": rows,
        "journal_older": older,
        "journal_filters": filters,
        "journal_types": list(journal.TYPES),
        "journal_runners": _runner_keys(db, portfolio),
        "journal_after": newest[0]["seq"] if newest else 0,
        "journal_type": journal.type_of,
    }


def _trades(db, portfolio: str, page_no: str | None) -> dict[str, Any]:
    first = paper_data.trades_page(db, portfolio, 1)
    number = inputs.page_number("page", page_no, first["pages"])
    return first if number == 1 else paper_data.trades_page(db, portfolio, number)


def _equity_charts(view: paper_data.EquityView) -> dict[str, str]:
    # tooltips name the candle, the axis only its day (a year of hours would not fit)
    return {
        "equity": svg.curve_chart(
            {"equity": view.equity, "realised": view.realised},
            [date(ts) for ts in view.ts],
            label="equity (realised + unrealised) and realised",
            x_ticks=[day(ts) for ts in view.ts],
            max_hover=HOVERS,
        ),
        "drawdown": svg.drawdown_chart(
            view.drawdown_pct,
            [date(ts) for ts in view.dd_ts],
            label="drawdown from the peak",
            x_ticks=[day(ts) for ts in view.dd_ts],
            max_hover=HOVERS,
        ),
    }


def _pnl_charts(days: list[dict[str, Any]], cumulative: list[dict[str, Any]]) -> dict[str, str]:
    """Daily P&L of the closed trades as bars, and their cumulative sum by day."""
    keep = paper_data.downsample(np.array([c["pnl"] for c in cumulative]), MAX_CUMULATIVE)
    return {
        "daily": svg.bar_chart(
            [d["pnl"] for d in days], [day(d["day"]) for d in days], label="P&L per UTC day"
        ),
        "cumulative": svg.curve_chart(
            {"cumulative P&L": [cumulative[i]["pnl"] for i in keep]},
            [day(cumulative[i]["day"]) for i in keep],
            label="cumulative P&L of the closed trades",
            max_hover=HOVERS,
        ),
    }


async def _journal_stream(
    request: Request, portfolio: str, filters: dict[str, str], after: int
) -> AsyncIterator[ServerSentEventMessage]:
    """New journal rows (of the filter) as table rows, newest first, each batch one
    ``journal`` message the page puts on top."""
    feed: CatchUp = request.app.state.catch_up
    template = request.app.template_engine.get_template("partials/journal_rows.html")
    while True:
        await feed.refresh()
        rows = journal.newer(_db(request), portfolio, filters, after, JOURNAL_BATCH)
        if rows:
            after = rows[-1]["seq"]
            html = template.render(journal=rows[::-1], journal_type=journal.type_of)
            yield ServerSentEventMessage(event="journal", data=html, id=str(after))
        if len(rows) < JOURNAL_BATCH:
            await asyncio.sleep(POLL_S)


HANDLERS = [ScannerController, PositionsController, EquityController]
