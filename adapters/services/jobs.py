"""Use case for the dashboard: jobs launched, watched and cancelled from a browser, of two
kinds: walk-forwards (the Explorer) and portfolio backtests (the Portfolio page).

A walk-forward job runs the same path as ``scalp-radar optimize``: ``optimize.prepare`` checks
it (bad strategy, grid or data is refused before any work), ``optimize.run_jobs`` runs the
walk-forward, and the finished summary is recorded as one ``OptimizationCompleted`` event by the
research log, then projected. A portfolio job runs the path of ``scalp-radar portfolio``:
``portfolio_request.prepare`` checks it, ``portfolio_request.replay`` runs it on the home's
history, and its report is recorded as one ``PortfolioBacktestCompleted``, then projected.

The work runs in a spawned child process rather than a thread: the numba kernels hold the GIL,
which would freeze the web server, and a process can be cancelled at once (terminated) without
cooperation. Only the parent writes the event store and the read DB, and only after the child
sent a complete result, so a cancelled or crashed job stores nothing.

One job at a time, whatever its kind: each already uses the cores a second one would slow.
With ``serve --cluster``, the child sends its walk-forward to the Dask cluster instead (a
``local`` one is started per job: a few seconds more).
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from queue import Empty
from typing import Any

import msgspec

from adapters.services import optimize
from adapters.services.cluster_target import ClusterTarget
from adapters.services.engine import Engine
from adapters.services.portfolio_backtest import PortfolioError
from adapters.services.portfolio_request import (
    PortfolioRequest,
    PreparedPortfolio,
    prepare,
    replay,
)
from adapters.services.portfolio_runners import PortfolioInputError
from adapters.store.home import Home
from config.settings import Settings
from domain.portfolio_report import PortfolioReport

ACTIVE = ("starting", "running", "cancelling")
WALK_FORWARD, PORTFOLIO = "walk_forward", "portfolio"  # the kinds of job


class JobInputError(ValueError):
    """The job cannot run as asked (unknown strategy, parameter or value, no data); ``field``
    names the part of the request at fault when it is known."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class JobBusyError(RuntimeError):
    """Another job is still running."""


class JobNotFoundError(KeyError):
    """No job with that id in this server's lifetime."""


@dataclass(frozen=True, slots=True)
class JobView:
    """A job's state as pages show it; ``version`` grows with every change (SSE polls it).
    A walk-forward names its strategy, symbol and combinations; a portfolio run is described
    by ``label``. ``run_id`` is the recorded result's id (either kind)."""

    id: str
    state: str  # starting | running | cancelling | done | failed | cancelled
    kind: str = WALK_FORWARD
    label: str = ""
    strategy: str = ""
    symbol: str = ""
    n_combos: int = 0
    done: int = 0
    total: int = 0
    note: str = ""
    run_id: str | None = None
    grade: str | None = None
    error: str | None = None
    started_ms: int = 0
    version: int = 0

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def percent(self) -> int:
        return 0 if not self.total else round(100 * self.done / self.total)


def restrict_grid(grid: Mapping[str, Sequence[Any]], fixed: Mapping[str, Any]) -> dict:
    """The grid with each fixed parameter reduced to its one value (which must be in the grid)."""
    unknown = sorted(set(fixed) - set(grid))
    if unknown:
        raise JobInputError(f"not a parameter of this grid: {', '.join(unknown)}")
    out = {}
    for key, values in grid.items():
        if key in fixed:
            if fixed[key] not in values:
                raise JobInputError(f"{key}={fixed[key]!r} is not one of {list(values)}")
            out[key] = [fixed[key]]
        else:
            out[key] = list(values)
    return out


def combo_count(grid: Mapping[str, Sequence[Any]]) -> int:
    return math.prod(len(v) for v in grid.values())


@dataclass
class _Job:
    view: JobView
    # what the parent does with the child's result: record it and give the view's changes
    # (set once the job's checks passed)
    record: Callable[[Any], dict[str, Any]] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)


class JobRunner:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        exchange: str = "binance",
        cluster: ClusterTarget | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.exchange = exchange
        self.cluster = cluster  # where walk-forwards run (None: the job's own process)
        # every use of the engine (store writes, projector, market reads) goes through this lock:
        # the engine's read-DB connection is shared by the job watchers and the catch-up loop
        self.engine_lock = threading.Lock()
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        # grows with every change of any job: pages that show jobs key their cache on it
        self.version = 0

    # -- queries ----------------------------------------------------------------------------------
    def get(self, job_id: str) -> JobView:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise JobNotFoundError(job_id)
            return job.view

    def active(self, kind: str | None = None) -> JobView | None:
        """The running job (of ``kind``, when given)."""
        with self._lock:
            return next(
                (v for v in self._views(kind) if v.active),
                None,
            )

    def recent(self, limit: int = 5, kind: str | None = None) -> list[JobView]:
        with self._lock:
            views = list(self._views(kind))
        return sorted(views, key=lambda v: v.started_ms, reverse=True)[:limit]

    def _views(self, kind: str | None):
        return (j.view for j in self._jobs.values() if kind is None or j.view.kind == kind)

    # -- commands ---------------------------------------------------------------------------------
    def launch(self, strategy: str, symbol: str, fixed: Mapping[str, Any]) -> JobView:
        """A walk-forward of ``strategy`` on ``symbol`` over the grid with ``fixed`` pinned."""
        grid = self.settings.param_grids.grids.get(strategy)
        if not grid:
            raise JobInputError(f"no grid for strategy {strategy!r} in param_grids.yaml")
        restricted = restrict_grid(grid, fixed)
        settings = _with_grid(self.settings, strategy, restricted)
        view = JobView(
            id=_new_id(),
            state="starting",
            strategy=strategy,
            symbol=symbol,
            n_combos=combo_count(restricted),
        )
        job = self._reserve(view, lambda summary: self._record_research(summary, dict(fixed)))
        try:
            with self.engine_lock:
                (prepared,) = optimize.prepare(
                    settings, self.engine.market_reader(), [strategy], [symbol], self.exchange
                )
        except optimize.OptimizeInputError as exc:
            self._release(job)
            raise JobInputError(str(exc)) from exc
        return self._start(job, _walk_forward_child, prepared, self.cluster)

    def launch_portfolio(self, request: PortfolioRequest) -> JobView:
        """A portfolio backtest as ``scalp-radar portfolio`` runs one (its checks first)."""
        job = self._reserve(JobView(id=_new_id(), state="starting", kind=PORTFOLIO), None)
        try:
            with self.engine_lock:
                prepared = prepare(self.engine, self.settings, request, self.engine.project)
        except PortfolioInputError as exc:
            self._release(job)
            raise JobInputError(str(exc), exc.field) from exc
        job.record = lambda report: self._record_portfolio(prepared, report)
        self._update(job, label=portfolio_label(prepared))
        return self._start(job, _portfolio_child, self.engine.home, prepared)

    def cancel(self, job_id: str) -> JobView:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise JobNotFoundError(job_id)
            if job.view.active:
                job.cancel.set()
                job.view = replace(job.view, state="cancelling", version=job.view.version + 1)
                self.version += 1
            return job.view

    def catch_up(self) -> int:
        """Project events other processes stored (e.g. a CLI ``optimize``)."""
        with self.engine_lock:
            return self.engine.project()

    def close(self, timeout: float = 10.0) -> None:
        for job in list(self._jobs.values()):
            job.cancel.set()
        for thread in self._threads:
            thread.join(timeout)

    # -- a job's life -----------------------------------------------------------------------------
    def _reserve(self, view: JobView, record: Callable[[Any], dict[str, Any]] | None) -> _Job:
        """The job listed before the slow checks, so that no second launch slips in."""
        with self._lock:
            if any(j.view.active for j in self._jobs.values()):
                raise JobBusyError("a job is already running: wait or cancel it")
            view = replace(view, started_ms=int(time.time() * 1000))
            job = _Job(view, record)
            self._jobs[view.id] = job
            self.version += 1
        return job

    def _release(self, job: _Job) -> None:
        """A job refused by its checks: never listed."""
        with self._lock:
            del self._jobs[job.view.id]
            self.version += 1

    def _start(self, job: _Job, target: Callable[..., None], *args: Any) -> JobView:
        thread = threading.Thread(target=self._run, args=(job, target, args), daemon=True)
        self._threads.append(thread)
        thread.start()
        return job.view

    def _update(self, job: _Job, **changes: Any) -> None:
        with self._lock:
            job.view = replace(job.view, **changes, version=job.view.version + 1)
            self.version += 1

    def _run(self, job: _Job, target: Callable[..., None], args: tuple) -> None:
        """The watcher thread: the child process, its messages, then the result recorded."""
        ctx = get_context("spawn")  # never fork a process whose numba threads are running
        queue = ctx.Queue()
        child = ctx.Process(target=target, args=(*args, queue), daemon=True)
        child.start()
        self._update(job, state="running")
        try:
            outcome = self._watch(job, child, queue)
        finally:
            if child.is_alive():
                child.terminate()
            child.join(5)
        self._finish(job, outcome)

    def _watch(self, job: _Job, child, queue) -> tuple[str, Any]:
        while True:
            if job.cancel.is_set():
                return ("cancelled", None)
            try:
                message = queue.get(timeout=0.1)
            except Empty:
                if not child.is_alive() and queue.empty():
                    return ("error", f"the job's process ended (exit code {child.exitcode})")
                continue
            if message[0] == "progress":
                _, done, total, note = message
                self._update(job, done=done, total=total, note=note)
            else:
                return message

    def _finish(self, job: _Job, outcome: tuple[str, Any]) -> None:
        kind, payload = outcome
        if kind == "done" and job.record is not None and not job.cancel.is_set():
            try:
                with self.engine_lock:
                    changes = job.record(payload)
            except Exception as exc:  # the store refused: say so on the page, keep serving
                self._update(job, state="failed", error=f"recording failed: {exc}")
                return
            self._update(job, state="done", **changes)
        elif kind == "error":
            self._update(job, state="failed", error=str(payload))
        else:
            self._update(job, state="cancelled")

    def _record_research(self, summary, fixed: dict[str, Any]) -> dict[str, Any]:
        # a narrowed grid is an exploration: the research read model keeps the pair's full
        # run as its result (projections.research)
        explored = msgspec.structs.replace(summary, fixed=fixed) if fixed else summary
        run_id = self.engine.research.record_run(explored)
        self.engine.project()
        return {"run_id": run_id, "grade": summary.grade}

    def _record_portfolio(
        self, prepared: PreparedPortfolio, report: PortfolioReport
    ) -> dict[str, Any]:
        run_id = self.engine.portfolio_runs.record_run(prepared.asked, report)
        self.engine.project()
        return {"run_id": run_id}


def portfolio_label(prepared: PreparedPortfolio) -> str:
    """What a portfolio job runs, in a few words."""
    asked = prepared.asked
    runners = len(asked.runners)
    return f"{runners} runner{'s' if runners != 1 else ''} on {asked.capital:,.0f}"


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


def _with_grid(settings: Settings, strategy: str, grid: dict) -> Settings:
    grids = {**settings.param_grids.grids, strategy: grid}
    return msgspec.structs.replace(
        settings, param_grids=msgspec.structs.replace(settings.param_grids, grids=grids)
    )


def _walk_forward_child(
    prepared: optimize.PreparedJob, cluster: ClusterTarget | None, queue
) -> None:
    """Runs in the spawned process: the walk-forward (here, or sent to ``cluster``), reporting
    each window (on a cluster: the job's end), then the summary."""

    def progress(done: int, total: int, note: str) -> None:
        queue.put(("progress", done, total, note))

    try:
        (summary,) = optimize.run_jobs([prepared], 1, lambda _label: progress, cluster)
    except Exception as exc:  # reported on the page; the parent stores nothing
        queue.put(("error", f"{type(exc).__name__}: {exc}"))
        return
    queue.put(("done", summary))


def _portfolio_child(home: Home, prepared: PreparedPortfolio, queue) -> None:
    """Runs in the spawned process: the replay on the home's history (read only: the run's own
    events go to a scratch store), reporting the candle times done, then the report."""
    done = [0]

    def progress(candles: int, total: int) -> None:
        done[0] += candles
        queue.put(("progress", done[0], total, "candle times"))

    engine = Engine(home)
    try:
        report = replay(engine, prepared, on_batch=progress)
    except PortfolioError as exc:  # no candle in the span: said on the page
        queue.put(("error", str(exc)))
        return
    except Exception as exc:  # reported on the page; the parent stores nothing
        queue.put(("error", f"{type(exc).__name__}: {exc}"))
        return
    finally:
        engine.close()
    queue.put(("done", report))
