"""The local worker pool: processes x numba threads sized to this machine's cores, started once.

Each walk-forward's kernels already run on every numba thread, so N processes with all the
threads each oversubscribe the cores (two workers on two cores were slower than one). The pool
gives each of its ``processes`` ``cores // processes`` threads, so together they use each core
once; one job runs in the calling process with every thread.

Workers come from a fork server that imported the research code once (``PRELOAD``): a worker
starts in milliseconds instead of re-importing numpy, numba and the engine (about a second
each with spawn), and, unlike a plain fork, never inherits a running numba thread pool (forking
one crashes the child). The pool lives as long as the process and is reused by every later call
with the same shape (the dashboard, successive runs); a different shape replaces it.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import numba

from adapters.text import compile_notice

# what the fork server imports before forking workers: the walk-forward and its engines
PRELOAD = ["optimization.walk_forward", "adapters.services.local_pool"]


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class PoolShape:
    processes: int
    threads: int  # numba threads per process


def pool_shape(jobs: int, workers: int | None, available: int) -> PoolShape:
    """``workers`` processes (None: one per job, up to the cores), never more than the jobs,
    each with an equal share of the cores as numba threads."""
    wanted = available if workers is None else workers
    processes = max(1, min(wanted, jobs))
    return PoolShape(processes, max(1, available // processes))


_pool: tuple[PoolShape, ProcessPoolExecutor] | None = None


def local_pool(shape: PoolShape) -> ProcessPoolExecutor:
    """The process's pool of this shape: the running one, or a new one replacing another
    shape's."""
    global _pool
    if _pool is not None and _pool[0] == shape:
        return _pool[1]
    shutdown()
    context = get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    executor = ProcessPoolExecutor(
        max_workers=shape.processes,
        mp_context=context,
        initializer=_set_threads,
        initargs=(shape.threads,),
    )
    _pool = (shape, executor)
    return executor


def shutdown() -> None:
    """Stop the pool's workers (a later ``local_pool`` starts new ones)."""
    global _pool
    if _pool is not None:
        _pool[1].shutdown(cancel_futures=True)
        _pool = None


def _set_threads(threads: int) -> None:
    numba.set_num_threads(threads)
    compile_notice.install()
