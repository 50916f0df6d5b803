"""Research screen: the walk-forward results table (filter, sort), one result's detail, and its
one command: apply the run's parameters to paper trading (key-guarded, through
``adapters.services.params_commands`` like ``optimize --apply``).

A run of the in-sample rule (issue 11) shows its stitched OOS equity curve and the selection of
every window; a run of the earlier rule (no ``selection_rule``) still renders, under a banner
saying its figures are optimistic, and cannot be applied."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import anyio
import msgspec
import numpy as np
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_409_CONFLICT

from adapters.services import params_commands
from adapters.services.params_commands import AppliedParams, ApplyRefusedError, UnknownRunError
from domain.research import earlier_rule
from domain.walk_forward_summary import WindowRecord
from optimization.grading import LIVE_GRADES, LIVE_NEEDS
from projections.research import ResearchReader
from web import explorer_analysis, inputs, research_data, svg
from web.auth import require_api_key
from web.paper_data import MAX_POINTS, downsample
from web.research_data import GRADES, SORTABLE
from web.templating import day, fragment, page
from web.verdicts import regime_table, verdict_panel

DAY_MS = 86_400_000


class ResearchController(Controller):
    path = "/research"

    @get("/", sync_to_thread=False)
    def list_results(
        self,
        request: Request,
        strategy: FromQuery[str | None] = None,
        symbol: FromQuery[str | None] = None,
        grade: FromQuery[str | None] = None,
        sort: FromQuery[str | None] = None,
        dir: FromQuery[str | None] = None,
    ) -> Template:
        query = {
            "strategy": inputs.name("strategy", strategy),
            "symbol": inputs.name("symbol", symbol),
            "grade": inputs.optional_choice("grade", grade, GRADES),
            "sort": inputs.choice("sort", sort, SORTABLE, "score"),
            "dir": inputs.choice("dir", dir, ("asc", "desc"), "desc"),
        }
        db = request.app.state.read.db()
        runs = research_data.list_runs(
            db,
            strategy=query["strategy"],
            symbol=query["symbol"],
            grade=query["grade"],
            sort=query["sort"],
            descending=query["dir"] == "desc",
        )
        runs = [r | {"earlier_rule": earlier_rule(r)} for r in runs]
        earlier = sum(1 for r in runs if r["earlier_rule"])
        context = {"runs": runs, "query": query, "grades": GRADES, "earlier": earlier}
        if request.headers.get("HX-Request") == "true":
            return fragment("partials/research_table.html", **context)
        options = research_data.filter_options(db)
        grid = research_data.heatmap(research_data.list_runs(db))
        return page(request, "research.html", "research", options=options, heatmap=grid, **context)

    @get("/runs/{run_id:str}", sync_to_thread=False)
    def show_result(self, request: Request, run_id: FromPath[str]) -> Template:
        db = request.app.state.read.db()
        run = research_data.get_run(db, run_id)
        if run is None:
            raise NotFoundException(detail=f"no walk-forward result {run_id!r}")
        windows = run.get("windows") or []
        regimes = regime_table(windows)
        earlier = earlier_rule(run)
        return page(
            request,
            "research_detail.html",
            "research",
            run=run,
            earlier=earlier,
            windows=windows,
            selections=[] if earlier else selection_rows(run),
            regimes=regimes,
            **verdict_panel(run),
            window_chart=window_chart(windows, earlier),
            stitched_chart=None if earlier else stitched_chart(run),
            history=research_data.pair_runs(db, run["strategy"], run["symbol"]),
            **_apply_context(request, run),
        )

    @get("/compare", sync_to_thread=False)
    def compare(self, request: Request, a: FromQuery[str], b: FromQuery[str]) -> Template:
        """Two runs side by side (of one pair or two): figures, parameters, points."""
        db = request.app.state.read.db()
        runs = []
        for name, value in (("a", a), ("b", b)):
            run = research_data.get_run(db, _run_id(value, name))
            if run is None:
                raise NotFoundException(detail=f"{name}: no walk-forward result {value!r}")
            runs.append(run | {"earlier_rule": earlier_rule(run)})
        return page(request, "research_compare.html", "research", runs=runs, **comparison(*runs))

    @post(
        "/runs/{run_id:str}/apply",
        guards=[require_api_key],
        status_code=200,
        request_max_body_size=inputs.MAX_FORM_BYTES,
    )
    async def apply_params(self, request: Request, run_id: FromPath[str]) -> Template:
        """Write the run's parameters to trade as the pair's ``per_asset`` line and record
        ``ParamsApplied``: 404 for an unknown run, 409 with the reason when its grade, its rule
        (a run of the earlier rule) or the config does not allow it. The command has no
        fields: a body other than an empty form is a 400."""
        await inputs.command_form(request, ())
        run_id = _run_id(run_id)
        state = request.app.state
        try:
            applied = await anyio.to_thread.run_sync(_apply, state, run_id)
        except UnknownRunError as exc:
            raise NotFoundException(detail=str(exc)) from exc
        except ApplyRefusedError as exc:
            raise HTTPException(status_code=HTTP_409_CONFLICT, detail=str(exc)) from exc
        run = research_data.get_run(state.read.db(), run_id)
        context = _apply_context(request, run) | {"outcome": outcome_text(applied)}
        return fragment("partials/apply_params.html", run=run, **context)


def _run_id(value: str, name: str = "run_id") -> str:
    """Run ids are UUIDs (``ResearchLog.record_run``): anything else is a 400, not a lookup."""
    try:
        return str(UUID(inputs.required(name, value)))
    except ValueError as exc:
        raise inputs.bad_request(name, f"not a run id (a UUID): {value[:64]!r}") from exc


def comparison(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The rows of a side-by-side: every parameter either run trades (``differs`` where they
    disagree) and every grading criterion either run has."""
    pa, pb = a.get("best_params") or {}, b.get("best_params") or {}
    params = [
        {"name": k, "a": pa.get(k), "b": pb.get(k), "differs": pa.get(k) != pb.get(k)}
        for k in dict.fromkeys([*pa, *pb])
    ]
    ca, cb = a.get("criteria") or {}, b.get("criteria") or {}
    criteria = [{"name": k, "a": ca.get(k), "b": cb.get(k)} for k in dict.fromkeys([*ca, *cb])]
    return {"params": params, "criteria": criteria}


def _apply(state: State, run_id: str) -> AppliedParams:
    # the engine (store, read-DB writer) is shared with jobs and the catch-up loop: one at a time
    with state.jobs.engine_lock:
        return params_commands.apply_run(state.engine, state.config_dir, run_id)


def outcome_text(applied: AppliedParams) -> str:
    params = ", ".join(f"{k}={v}" for k, v in applied.params.items())
    return (
        f"applied {applied.strategy} {applied.symbol} (grade {applied.grade}): {params}, "
        f"written to {applied.config_file} and recorded; a running paper process uses them "
        "from its next start"
    )


def _apply_context(request: Request, run: dict[str, Any]) -> dict[str, Any]:
    """What the apply section shows: the parameters, whether the grade allows applying them,
    and what the read model says is applied for the pair now."""
    pair = (run["strategy"], run["symbol"])
    applied = next(
        (
            a
            for a in ResearchReader(request.app.state.read.db()).applied()
            if (a["strategy"], a["symbol"]) == pair
        ),
        None,
    )
    params = params_commands.run_params(run)
    return {
        "params": params,
        "refusal": params_commands.run_refusal(run),
        "live_refusal": None if run.get("grade") in LIVE_GRADES else LIVE_NEEDS,
        "applied": applied,
        "applied_here": applied is not None and applied["params"] == params,
        "outcome": None,
    }


def window_chart(windows: list[WindowRecord], earlier: bool) -> str:
    """IS and OOS Sharpe per window: of each window's selection (in-sample rule), of the one
    best combination (earlier rule)."""
    labels = [f"w{w.index + 1} {day(w.oos_from)}" for w in windows]
    if earlier:
        names, label = ("IS Sharpe", "OOS Sharpe"), "IS vs OOS Sharpe per window"
    else:
        names = ("IS Sharpe (selected)", "OOS Sharpe (selected)")
        label = "IS vs OOS Sharpe of each window's selected combination"
    return svg.line_chart(
        {
            names[0]: [w.is_sharpe for w in windows],
            names[1]: [w.oos_sharpe for w in windows],
        },
        labels,
        label=label,
    )


def stitched_chart(run: dict[str, Any]) -> str:
    """The stitched OOS equity curve (money, one point per UTC day), at most ``MAX_POINTS``."""
    stitched = run.get("stitched")
    ts, equity = (stitched.ts, stitched.equity) if stitched else ([], [])
    keep = downsample(np.asarray(equity, dtype=float), MAX_POINTS).tolist() if equity else []
    days = [day(ts[i]) for i in keep]
    return svg.curve_chart(
        {"stitched OOS equity": [equity[i] for i in keep]},
        days,
        label="stitched out-of-sample equity of each window's in-sample selection",
    )


def selection_rows(run: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per window of a run of the in-sample rule: its spans in UTC days (both ends
    included), the embargo between IS and OOS, the selection and its IS and OOS figures, and
    whether it is the window of the parameters to trade or one they were validated on."""
    grid = run.get("grid") or {}
    shown = explorer_analysis.varied(grid) or list(grid)
    validation = set(run.get("validation_windows") or [])
    rows = []
    for w in run.get("windows") or []:
        rows.append(
            msgspec.structs.asdict(w)
            | {
                "is_last_day": w.is_end - 1,
                "oos_last_day": w.oos_end - 1,
                "embargo_days": (w.oos_from - w.is_end) / DAY_MS,
                "shown_params": {k: w.params[k] for k in shown if k in w.params} or w.params,
                "trade": w.index == run.get("params_window"),
                "validation": w.index in validation,
            }
        )
    return rows
