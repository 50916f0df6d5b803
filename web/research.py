"""Research screen: the walk-forward results table (filter, sort) and one result's detail."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from web import inputs, research_data, svg
from web.research_data import GRADES, SORTABLE
from web.templating import day, fragment, page
from web.verdicts import extra_verdicts, regime_table, worst_level


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
        context = {"runs": runs, "query": query, "grades": GRADES}
        if request.headers.get("HX-Request") == "true":
            return fragment("partials/research_table.html", **context)
        options = research_data.filter_options(db)
        return page(request, "research.html", "research", options=options, **context)

    @get("/runs/{run_id:str}", sync_to_thread=False)
    def show_result(self, request: Request, run_id: FromPath[str]) -> Template:
        run = research_data.get_run(request.app.state.read.db(), run_id)
        if run is None:
            raise NotFoundException(detail=f"no walk-forward result {run_id!r}")
        windows = run.get("windows") or []
        regimes = regime_table(windows)
        verdicts = [*run.get("verdicts", []), *map(_as_dict, extra_verdicts(run, regimes))]
        labels = [f"w{w['index'] + 1} {day(w['oos_from'])}" for w in windows]
        chart = svg.line_chart(
            {
                "IS Sharpe": [w.get("is_sharpe") for w in windows],
                "OOS Sharpe": [w.get("oos_sharpe") for w in windows],
            },
            labels,
            label="IS vs OOS Sharpe per window",
        )
        return page(
            request,
            "research_detail.html",
            "research",
            run=run,
            windows=windows,
            regimes=regimes,
            verdicts=verdicts,
            worst=worst_level(v["level"] for v in verdicts),
            window_chart=chart,
        )


def _as_dict(verdict) -> dict[str, str]:
    return {"level": verdict.level, "text": verdict.text}
