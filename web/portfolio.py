"""Portfolio screen: launch a portfolio backtest (a job of the Explorer's ``JobRunner``, key
guarded, its progress over SSE), the recorded runs newest first, a run's result and the
comparison of several runs. GETs read the ``portfolio_runs`` read model only."""

from __future__ import annotations

import anyio
import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import ServerSentEvent, Template
from litestar.status_codes import HTTP_409_CONFLICT

from adapters.services.jobs import PORTFOLIO, JobBusyError, JobInputError
from projections.portfolio_runs import PortfolioRun, PortfolioRunsReader
from web import inputs, portfolio_form, portfolio_view
from web.auth import require_api_key
from web.explorer import spot_symbols
from web.jobs import job_or_404, job_stream
from web.templating import fragment, page

MAX_COMPARED = 6  # runs on one chart: the palette's colours


class PortfolioController(Controller):
    path = "/portfolio"

    @get("/", sync_to_thread=False)
    def show_portfolio(self, request: Request) -> Template:
        """The launch form, the job panel and the recorded runs."""
        jobs = request.app.state.jobs
        settings = request.app.state.settings
        return page(
            request,
            "portfolio.html",
            "portfolio",
            strategies=_strategies(request),
            assets=spot_symbols(request),
            presets=settings.risk.portfolio_presets,
            risk=settings.risk,
            job=jobs.active(PORTFOLIO) or next(iter(jobs.recent(1, PORTFOLIO)), None),
            runs=_reader(request).runs(),
            shown=portfolio_view.shown,
        )

    @get("/runs/{run_id:str}", sync_to_thread=False)
    def show_run(self, request: Request, run_id: FromPath[str]) -> Template:
        run = _run(request, run_id)
        threshold, source = portfolio_view.kill_switch_threshold(run, request.app.state.settings)
        return page(
            request,
            "portfolio_run.html",
            "portfolio",
            run=run,
            metrics=portfolio_view.metrics(run),
            threshold=threshold,
            threshold_source=source,
            charts=portfolio_view.charts(run, threshold),
            open_grids=portfolio_view.distribution(run.report.open_histogram),
            fills=portfolio_view.distribution(run.report.fill_histogram),
            shown=portfolio_view.shown,
        )

    @get("/compare", sync_to_thread=False)
    def compare_runs(self, request: Request, runs: FromQuery[list[str] | None] = None) -> Template:
        """Runs side by side: ``?runs=a,b`` or ``?runs=a&runs=b`` (the list's checkboxes)."""
        ids = list(dict.fromkeys(i for text in runs or () for i in text.split(",") if i))
        if not 2 <= len(ids) <= MAX_COMPARED:
            raise inputs.bad_request("runs", f"pick 2 to {MAX_COMPARED} runs, got {len(ids)}")
        chosen = [_run(request, run_id) for run_id in ids]
        names = [f"{i + 1}. {run.run_id[:8]}" for i, run in enumerate(chosen)]
        return page(
            request,
            "portfolio_compare.html",
            "portfolio",
            runs=list(zip(names, chosen, strict=True)),
            rows=portfolio_view.compared(chosen),
            chart=portfolio_view.normalised_chart(chosen, names),
            shown=portfolio_view.shown,
        )

    # -- the job --------------------------------------------------------------------------------
    @post(
        "/jobs",
        guards=[require_api_key],
        status_code=200,
        request_max_body_size=inputs.MAX_FORM_BYTES,
    )
    async def launch_run(self, request: Request) -> Template:
        """Launch a run as the form asks; a refused field is a 400 naming it, nothing run."""
        form = await inputs.command_form(
            request, portfolio_form.FIELDS, prefixes=portfolio_form.PREFIXES
        )
        asked = portfolio_form.request_of(form, _strategies(request), spot_symbols(request))
        runner = request.app.state.jobs
        try:
            job = await anyio.to_thread.run_sync(runner.launch_portfolio, asked)
        except JobInputError as exc:
            raise inputs.bad_request(portfolio_form.field_of(exc.field), str(exc)) from exc
        except JobBusyError as exc:
            raise HTTPException(status_code=HTTP_409_CONFLICT, detail=str(exc)) from exc
        return fragment("partials/portfolio_job.html", job=job)

    @get("/jobs/{job_id:str}", sync_to_thread=False)
    def show_job(self, request: Request, job_id: FromPath[str]) -> Template:
        return fragment("partials/portfolio_job.html", job=job_or_404(request, job_id, PORTFOLIO))

    @get("/jobs/{job_id:str}/events")
    async def job_events(self, request: Request, job_id: FromPath[str]) -> ServerSentEvent:
        job_or_404(request, job_id, PORTFOLIO)  # 404 before the stream starts
        return ServerSentEvent(job_stream(request, job_id, "partials/portfolio_job_body.html"))


def _reader(request: Request) -> PortfolioRunsReader:
    return PortfolioRunsReader(request.app.state.read.db())


def _run(request: Request, run_id: str) -> PortfolioRun:
    run = _reader(request).run(inputs.required("run_id", run_id))
    if run is None:
        raise NotFoundException(detail=f"no portfolio run {run_id[:64]!r}")
    return run


def _strategies(request: Request) -> list[str]:
    """The strategies the config defines (a section in strategies.yaml)."""
    sections = msgspec.structs.asdict(request.app.state.settings.strategies)
    return [name for name, section in sections.items() if section is not None]
