"""Scale-out on Dask distributed (the ``cluster`` extra): ``optimize --cluster local`` starts a
LocalCluster on this machine, ``--cluster tcp://HOST:8786`` uses a running scheduler.

One task per (strategy, symbol) job. The walk-forward is not split per window: its windows'
kernel calls are independent, but they share the run's preparation (built once per market and
combinations; rebuilt per window it was half the work, issue 20), the selection reads every
window's in-sample scores, and a grid above the budget is sampled from a coarse pass over all
windows; a per-window task would redo the preparation on each worker and need a second,
gathering round trip.

Candle arrays travel once per worker (scattered with ``broadcast``: workers need no store).
Before its first job each worker warms numba's cache for the jobs' strategies (a worker plugin);
the workers of one machine share that on-disk cache, and concurrent writes race (numba#4807), so
the warm-up holds a lock file for its machine: the first worker compiles, the others load. The
summaries come back to the calling process, which records them as a local run does.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import tempfile
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numba

from adapters.services.cluster_target import INSTALL, LOCAL, ClusterError, ClusterTarget
from adapters.services.local_pool import PoolShape, cores
from adapters.services.warm_cache import warm
from adapters.text import compile_notice
from config.settings import Settings
from domain.strategies.plans import MarketArrays
from domain.walk_forward_summary import WalkForwardSummary
from optimization.walk_forward import WalkForwardJob, run_walk_forward

try:
    import distributed
except ImportError:  # the optional extra: said when a cluster is asked for
    distributed = None

CONNECT_TIMEOUT_S = 5.0  # a scheduler on the LAN answers in milliseconds
# one machine's workers take turns to warm the shared numba cache
WARM_LOCK = Path(tempfile.gettempdir()) / "scalp-radar-numba-warm.lock"


def run_on_cluster(
    target: ClusterTarget, jobs: Sequence[Any], shape: PoolShape
) -> Iterator[WalkForwardSummary]:
    """Summaries of ``jobs`` (``optimize.PreparedJob``) as they complete on the cluster; a
    LocalCluster has ``shape``'s processes, each with its share of the cores as numba threads."""
    with _client(target.address, shape) as client:
        strategies = sorted({p.job.strategy for p in jobs})
        client.register_plugin(WarmCache(target.settings, strategies), name="scalp-radar-warm")
        threads = shape.threads if target.address == LOCAL else None
        futures = _submit(client, jobs, threads)
        try:
            for future in distributed.as_completed(futures):
                yield future.result()
        finally:
            client.cancel(futures)


@contextmanager
def _client(address: str, shape: PoolShape) -> Iterator[Any]:
    if distributed is None:
        raise ClusterError(f"--cluster needs Dask distributed: {INSTALL}")
    if address == LOCAL:
        with (
            distributed.LocalCluster(
                n_workers=shape.processes,
                threads_per_worker=1,  # one job at a time; its kernels use the numba threads
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(
            f"--cluster {address}: no Dask scheduler answers there ({exc}); {INSTALL} on "
            "each machine, then `dask scheduler` and `dask worker` (README, Cluster)"
        ) from None
    with client:
        yield client


def _submit(client: Any, jobs: Sequence[Any], threads: int | None) -> list[Any]:
    """One task per job; each market scattered once to every worker."""
    scattered: dict[int, Any] = {}

    def once(market: MarketArrays | None) -> Any:
        if market is None:
            return None
        if id(market) not in scattered:
            scattered[id(market)] = client.scatter(market, broadcast=True, hash=False)
        return scattered[id(market)]

    return [
        client.submit(_run_job, p.job, once(p.market), once(p.validation), threads, pure=False)
        for p in jobs
    ]


def _run_job(
    job: WalkForwardJob,
    market: MarketArrays,
    validation: MarketArrays | None,
    threads: int | None,
) -> WalkForwardSummary:
    """On a worker: the walk-forward with ``threads`` numba threads (None: the machine's cores
    shared by the worker's task threads)."""
    numba.set_num_threads(threads or _machine_share())
    return run_walk_forward(job, market, validation)


def _machine_share() -> int:
    return max(1, cores() // distributed.get_worker().state.nthreads)


class WarmCache(distributed.WorkerPlugin if distributed else object):
    """Warms numba's cache for ``strategies`` when a worker starts (or joins later), one
    worker of a machine at a time."""

    def __init__(self, settings: Settings, strategies: Collection[str]) -> None:
        self.settings = settings
        self.strategies = tuple(strategies)

    async def setup(self, worker: Any) -> None:
        # in a thread: a cold compilation takes a minute, the worker's event loop must keep
        # answering the scheduler meanwhile
        await asyncio.to_thread(self._warm)

    def _warm(self) -> None:
        compile_notice.install()
        with WARM_LOCK.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            warm(self.settings, lambda _strategy: None, self.strategies)
