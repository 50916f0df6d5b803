"""Explorer screen: launch a walk-forward job over a chosen part of the grid, follow it over SSE,
cancel it, and look into a run's combinations (heatmap, top 10, IS vs OOS, OOS histogram).

The top 10 ranks combinations by the seed's cross-window score of their OOS results: a view of
OOS robustness, never the selection (each window selects on its in-sample score, and the
parameters to trade are the most recent window's selection, marked as such)."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlencode

import anyio
from litestar import Controller, Request, get, post
from litestar.exceptions import ClientException, HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import ServerSentEvent, Template
from litestar.status_codes import HTTP_409_CONFLICT

from adapters.services.jobs import (
    WALK_FORWARD,
    JobBusyError,
    JobInputError,
    JobNotFoundError,
    JobView,
    combo_count,
)
from adapters.services.jobs import restrict_grid as restricted
from domain.research import earlier_rule
from projections.market_data import MarketDataReader
from web import explorer_analysis as analysis
from web import inputs, research_data, svg
from web.auth import require_api_key
from web.jobs import job_or_404, job_stream
from web.research_data import COMBO_METRICS
from web.templating import fragment, page
from web.verdicts import verdict_panel


class ExplorerController(Controller):
    path = "/explorer"

    @get("/", sync_to_thread=False)
    def show_explorer(
        self,
        request: Request,
        strategy: FromQuery[str | None] = None,
        symbol: FromQuery[str | None] = None,
        run_id: FromQuery[str | None] = None,
        x: FromQuery[str | None] = None,
        y: FromQuery[str | None] = None,
        metric: FromQuery[str | None] = None,
        agg: FromQuery[str | None] = None,
    ) -> Template:
        grids = _grids(request)
        chosen = inputs.optional_choice("strategy", strategy, grids)
        symbols = spot_symbols(request)
        chosen_symbol = inputs.optional_choice("symbol", symbol, symbols)
        view = _analysis(request, run_id, strategy, symbol, x, y, metric, agg)
        # the launch form starts on the explored run's pair: a job to refine what is shown
        chosen = chosen or _of_run(view["run"], "strategy", grids) or next(iter(grids), None)
        chosen_symbol = (
            chosen_symbol or _of_run(view["run"], "symbol", symbols) or next(iter(symbols), None)
        )
        form = _form_context(grids, chosen, chosen_symbol, symbols, {})
        jobs = request.app.state.jobs
        return page(
            request,
            "explorer.html",
            "explorer",
            strategies=sorted(grids),
            form=form,
            job=jobs.active(WALK_FORWARD) or next(iter(jobs.recent(1, WALK_FORWARD)), None),
            **view,
        )

    @get("/form", sync_to_thread=False)
    def launch_form(
        self,
        request: Request,
        strategy: FromQuery[str | None] = None,
        symbol: FromQuery[str | None] = None,
    ) -> Template:
        grids = _grids(request)
        chosen = inputs.choice("strategy", strategy, grids, "")
        if not chosen:
            raise inputs.bad_request("strategy", "is required")
        symbols = spot_symbols(request)
        form = _form_context(grids, chosen, symbol, symbols, {})
        return fragment("partials/explorer_params.html", form=form)

    @get("/combos", sync_to_thread=False)
    def count_combos(self, request: Request) -> Template:
        query = dict(request.query_params.items())
        _, grid = _strategy_grid(request, query.get("strategy"))
        fixed = inputs.fixed_params(query, grid)
        return fragment("partials/combo_count.html", n=combo_count(restricted(grid, fixed)))

    @get("/analysis", sync_to_thread=False)
    def show_analysis(
        self,
        request: Request,
        run_id: FromQuery[str | None] = None,
        x: FromQuery[str | None] = None,
        y: FromQuery[str | None] = None,
        metric: FromQuery[str | None] = None,
        agg: FromQuery[str | None] = None,
    ) -> Template:
        view = _analysis(request, run_id, None, None, x, y, metric, agg)
        response = fragment("partials/explorer_analysis.html", **view)
        if "view_url" in view:  # the address bar keeps a link that reproduces the view
            response.set_header("HX-Push-Url", view["view_url"])
        return response

    # -- jobs -----------------------------------------------------------------------------------
    @post(
        "/jobs",
        guards=[require_api_key],
        status_code=200,
        request_max_body_size=inputs.MAX_FORM_BYTES,
    )
    async def launch_job(self, request: Request) -> Template:
        """Launch a walk-forward job of ``strategy`` on ``symbol``, ``p_<name>`` fields fixing
        parameters (``*``: free)."""
        form = await inputs.command_form(request, ("strategy", "symbol"), prefixes=("p_",))
        strategy, grid = _strategy_grid(request, form.get("strategy"))
        symbol = inputs.required("symbol", form.get("symbol"))
        fixed = inputs.fixed_params(form, grid)
        runner = request.app.state.jobs
        try:
            job = await anyio.to_thread.run_sync(runner.launch, strategy, symbol, fixed)
        except JobInputError as exc:
            raise ClientException(detail=str(exc)) from exc
        except JobBusyError as exc:
            raise HTTPException(status_code=HTTP_409_CONFLICT, detail=str(exc)) from exc
        return fragment("partials/job.html", job=job)

    @get("/jobs/{job_id:str}", sync_to_thread=False)
    def show_job(self, request: Request, job_id: FromPath[str]) -> Template:
        return fragment("partials/job.html", job=_job(request, job_id))

    @post(
        "/jobs/{job_id:str}/cancel",
        guards=[require_api_key],
        status_code=200,
        request_max_body_size=inputs.MAX_FORM_BYTES,
    )
    async def cancel_job(self, request: Request, job_id: FromPath[str]) -> Template:
        """Cancel a job; the command has no fields (a body other than an empty form: 400)."""
        await inputs.command_form(request, ())
        try:
            job = request.app.state.jobs.cancel(job_id)
        except JobNotFoundError as exc:
            raise NotFoundException(detail=f"no job {job_id!r}") from exc
        return fragment("partials/job.html", job=job)

    @get("/jobs/{job_id:str}/events")
    async def job_events(self, request: Request, job_id: FromPath[str]) -> ServerSentEvent:
        _job(request, job_id)  # 404 before the stream starts
        return ServerSentEvent(job_stream(request, job_id, "partials/job_body.html"))


def _job(request: Request, job_id: str) -> JobView:
    return job_or_404(request, job_id, WALK_FORWARD)


def _grids(request: Request) -> dict[str, dict[str, list[Any]]]:
    return request.app.state.settings.param_grids.grids


def _of_run(run: Mapping[str, Any] | None, key: str, allowed: Collection[str]) -> str | None:
    value = run[key] if run else None
    return value if value in allowed else None


def _strategy_grid(request: Request, strategy: str | None) -> tuple[str, dict[str, list[Any]]]:
    grids = _grids(request)
    chosen = inputs.choice("strategy", strategy, grids, "")
    if not chosen:
        raise inputs.bad_request("strategy", "is required")
    return chosen, grids[chosen]


def spot_symbols(request: Request) -> list[str]:
    """Spot markets with stored candles: a job needs data, the perpetual is its validation."""
    series = MarketDataReader(request.app.state.read.db()).series("candles")
    return sorted({s.symbol for s in series if ":" not in s.symbol})


def _form_context(grids, strategy, symbol, symbols, fixed: Mapping[str, Any]) -> dict[str, Any]:
    grid = grids.get(strategy, {}) if strategy else {}
    return {
        "strategy": strategy,
        "symbol": symbol,
        "symbols": symbols,
        "grid": grid,
        "fixed": fixed,
        "n_combos": combo_count(grid) if grid else 0,
    }


def _analysis(request, run_id, strategy, symbol, x, y, metric, agg) -> dict[str, Any]:
    """Figures of the chosen run (by id, else the run its pair trades with: ``explored_run_id``)
    and the pair's runs to switch to."""
    db = request.app.state.read.db()
    run = _explored_run(db, run_id, strategy, symbol)
    if run is None:
        return {"run": None}
    run_id = run["run_id"]
    grid = run.get("grid") or {}
    params = list(grid)
    searched = analysis.varied(grid) or params
    x, y = _axes(params, searched, x, y)
    choice = {
        "x": x,
        "y": y,
        "metric": inputs.choice("metric", metric, COMBO_METRICS, "oos_sharpe"),
        "agg": inputs.choice("agg", agg, analysis.AGGREGATES, "max"),
    }
    combos = research_data.combos(db, run_id)
    trade = next((c for c in combos if c["is_best"]), None)
    xs, ys, cells = analysis.heatmap_cells(combos, x, y, choice["metric"], choice["agg"])
    return {
        "run": run,
        "params": params,
        "searched": searched,
        "choice": choice,
        "view_url": "/explorer?" + urlencode({"run_id": run_id} | choice),
        "history": research_data.pair_runs(db, run["strategy"], run["symbol"]),
        "applied_id": research_data.applied_run_id(db, run["strategy"], run["symbol"]),
        "metrics": COMBO_METRICS,
        "aggregates": analysis.AGGREGATES,
        "top": analysis.top(combos),
        "trade": trade,
        "earlier": earlier_rule(run),
        "values": {"xs": xs, "rows": analysis.rows_top_first(xs, ys, cells)},
        "charts": _charts(combos, trade, (xs, ys, cells), choice, searched),
        **verdict_panel(run),
    }


def _explored_run(db, run_id, strategy, symbol) -> dict[str, Any] | None:
    """The run asked for by id (404 if unknown), else the one its pair trades with."""
    run_id = inputs.name("run_id", run_id) or research_data.explored_run_id(
        db, inputs.name("strategy", strategy), inputs.name("symbol", symbol)
    )
    if run_id is None:
        return None
    run = research_data.get_run(db, run_id)
    if run is None:
        raise NotFoundException(detail=f"no walk-forward result {run_id!r}")
    return run


def _axes(params: list[str], searched: list[str], x: str | None, y: str | None) -> tuple[str, str]:
    """The heatmap's two parameters: different ones (defaults: the first searched ones); a
    query naming one parameter for both is a 400, as the page says."""
    x = inputs.choice("x", x, params, searched[0] if searched else "")
    others = [p for p in (*searched, *params) if p != x]
    y = inputs.choice("y", y, params, others[0] if others else x)
    if x == y and others:
        raise inputs.bad_request("y", f"must differ from x (both are {x!r})")
    return x, y


def _point_label(combo: dict, searched) -> str:
    text = analysis.label(combo["params"], searched)
    if combo["is_best"]:
        text += " (parameters to trade)"
    if combo.get("selected_in"):
        text += f" selected in {combo['selected_in']} of the windows"
    return text


def _by_score(combo: dict) -> float:
    score = combo["score"]
    return -score if score is not None and math.isfinite(score) else math.inf


def _charts(combos, trade, heat, choice: dict[str, str], searched) -> dict[str, str]:
    xs, ys, cells = heat
    metric = f"{choice['agg']} {choice['metric']}"
    points = [
        svg.Point(
            c["is_sharpe"],
            c["oos_sharpe"],
            _point_label(c, searched),
            bool(c["is_best"]),
        )
        # the best by the OOS robustness score carry their parameters as tooltips
        for c in sorted(combos, key=_by_score)
    ]
    mark = None if trade is None else (trade["oos_sharpe"], "parameters to trade")
    return {
        "heatmap": svg.heatmap(
            xs, ys, cells, x_name=choice["x"], y_name=choice["y"], metric=metric, label="heatmap"
        ),
        "scatter": svg.scatter(
            points, x_name="IS Sharpe", y_name="OOS Sharpe", label="IS vs OOS Sharpe"
        ),
        "histogram": svg.histogram(
            [c["oos_sharpe"] for c in combos],
            bins=min(20, max(len(combos), 1)),
            label="OOS Sharpe of every combo",
            mark=mark,
        ),
    }
