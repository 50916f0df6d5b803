"""The local pool uses each core once (processes x numba threads) and keeps its workers."""

from __future__ import annotations

import os

import numba
import pytest

from adapters.services.local_pool import PoolShape, local_pool, pool_shape, shutdown


def _worker() -> tuple[int, int]:
    return os.getpid(), numba.get_num_threads()


@pytest.mark.parametrize(
    ("jobs", "workers", "available", "expected"),
    [
        (1, None, 2, PoolShape(1, 2)),  # one job: here, every thread
        (10, None, 2, PoolShape(2, 1)),  # a process per core, one thread each
        (10, None, 8, PoolShape(8, 1)),
        (3, None, 8, PoolShape(3, 2)),  # 8 // 3: no core asked twice
        (10, 1, 2, PoolShape(1, 2)),  # --workers 1: one process
        (2, 4, 8, PoolShape(2, 4)),  # never more processes than jobs
        (5, 16, 2, PoolShape(5, 1)),  # asked for more than the cores: at least a thread each
    ],
)
def test_the_shape_shares_the_cores_between_processes(jobs, workers, available, expected):
    assert pool_shape(jobs, workers, available) == expected


def test_workers_run_with_their_share_of_threads_and_are_reused_across_calls() -> None:
    shape = PoolShape(2, 1)
    try:
        pool = local_pool(shape)
        first = {f.result() for f in [pool.submit(_worker) for _ in range(4)]}
        assert local_pool(shape) is pool
        again = {f.result() for f in [pool.submit(_worker) for _ in range(4)]}
        assert {threads for _, threads in first | again} == {1}
        pids = {pid for pid, _ in first | again}
        assert len(pids) <= 2 and os.getpid() not in pids  # eight jobs, at most two workers
        assert local_pool(PoolShape(1, 2)) is not pool  # another shape replaces it
    finally:
        shutdown()
