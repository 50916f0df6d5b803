"""Use case for the dashboard: walk-forward jobs launched, watched and cancelled from a browser.

A job runs the same path as ``scalp-radar optimize``: ``optimize.prepare`` checks it (bad
strategy, grid or data is refused before any work), ``optimize.run_jobs`` runs the walk-forward,
and the finished summary is recorded as one ``OptimizationCompleted`` event by the research log,
then projected. The walk-forward runs in a spawned child process rather than a thread: the numba
kernels hold the GIL, which would freeze the web server, and a process can be cancelled at once
(terminated) without cooperation. Only the parent touches the event store and the read DB, and
only after the child sent a complete result, so a cancelled or crashed job stores nothing.

One job at a time: the kernels already use every core, a second job would only slow both.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from queue import Empty
from typing import Any

import msgspec

from adapters.services import optimize
from adapters.services.engine import Engine
from config.settings import Settings

ACTIVE = ("starting", "running", "cancelling")


class JobInputError(ValueError):
    """The job cannot run as asked (unknown strategy, parameter or value, no data)."""


class JobBusyError(RuntimeError):
    """Another job is still running."""


class JobNotFoundError(KeyError):
    """No job with that id in this server's lifetime."""


@dataclass(frozen=True, slots=True)
class JobView:
    """A job's state as pages show it; ``version`` grows with every change (SSE polls it)."""

    id: str
    strategy: str
    symbol: str
    n_combos: int
    state: str  # starting | running | cancelling | done | failed | cancelled
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
    fixed: dict[str, Any] = field(default_factory=dict)  # parameters the Explorer pinned
    cancel: threading.Event = field(default_factory=threading.Event)


class JobRunner:
    def __init__(self, engine: Engine, settings: Settings, exchange: str = "binance") -> None:
        self.engine = engine
        self.settings = settings
        self.exchange = exchange
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

    def active(self) -> JobView | None:
        with self._lock:
            return next((j.view for j in self._jobs.values() if j.view.active), None)

    def recent(self, limit: int = 5) -> list[JobView]:
        with self._lock:
            views = [j.view for j in self._jobs.values()]
        return sorted(views, key=lambda v: v.started_ms, reverse=True)[:limit]

    # -- commands ---------------------------------------------------------------------------------
    def launch(self, strategy: str, symbol: str, fixed: Mapping[str, Any]) -> JobView:
        grid = self.settings.param_grids.grids.get(strategy)
        if not grid:
            raise JobInputError(f"no grid for strategy {strategy!r} in param_grids.yaml")
        restricted = restrict_grid(grid, fixed)
        settings = _with_grid(self.settings, strategy, restricted)
        with self._lock:
            if any(j.view.active for j in self._jobs.values()):
                raise JobBusyError("a walk-forward job is already running: wait or cancel it")
            view = JobView(
                id=uuid.uuid4().hex[:12],
                strategy=strategy,
                symbol=symbol,
                n_combos=combo_count(restricted),
                state="starting",
                started_ms=int(time.time() * 1000),
            )
            job = _Job(view, dict(fixed))
            self._jobs[view.id] = job  # reserved before the slow part: no second launch slips in
            self.version += 1
        try:
            with self.engine_lock:
                (prepared,) = optimize.prepare(
                    settings, self.engine.market_reader(), [strategy], [symbol], self.exchange
                )
        except optimize.OptimizeInputError as exc:
            with self._lock:
                del self._jobs[view.id]
                self.version += 1
            raise JobInputError(str(exc)) from exc
        thread = threading.Thread(target=self._run, args=(job, prepared), daemon=True)
        self._threads.append(thread)
        thread.start()
        return view

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

    # -- the watcher thread -----------------------------------------------------------------------
    def _update(self, job: _Job, **changes: Any) -> None:
        with self._lock:
            job.view = replace(job.view, **changes, version=job.view.version + 1)
            self.version += 1

    def _run(self, job: _Job, prepared: optimize.PreparedJob) -> None:
        ctx = get_context("spawn")  # never fork a process whose numba threads are running
        queue = ctx.Queue()
        child = ctx.Process(target=_child, args=(prepared, queue), daemon=True)
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
        if kind == "done" and not job.cancel.is_set():
            try:
                # a narrowed grid is an exploration: the research read model keeps the pair's
                # full run as its result (projections.research)
                explored = payload
                if job.fixed:
                    explored = msgspec.structs.replace(payload, fixed=job.fixed)
                with self.engine_lock:
                    run_id = self.engine.research.record_run(explored)
                    self.engine.project()
            except Exception as exc:  # the store refused: say so on the page, keep serving
                self._update(job, state="failed", error=f"recording failed: {exc}")
                return
            self._update(job, state="done", run_id=run_id, grade=payload.grade)
        elif kind == "error":
            self._update(job, state="failed", error=str(payload))
        else:
            self._update(job, state="cancelled")


def _with_grid(settings: Settings, strategy: str, grid: dict) -> Settings:
    grids = {**settings.param_grids.grids, strategy: grid}
    return msgspec.structs.replace(
        settings, param_grids=msgspec.structs.replace(settings.param_grids, grids=grids)
    )


def _child(prepared: optimize.PreparedJob, queue) -> None:
    """Runs in the spawned process: the walk-forward, reporting each window, then the summary."""

    def progress(done: int, total: int, note: str) -> None:
        queue.put(("progress", done, total, note))

    try:
        (summary,) = optimize.run_jobs([prepared], 1, lambda _label: progress)
    except Exception as exc:  # reported on the page; the parent stores nothing
        queue.put(("error", f"{type(exc).__name__}: {exc}"))
        return
    queue.put(("done", summary))
