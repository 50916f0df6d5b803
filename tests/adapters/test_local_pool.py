"""The local pool uses each core once (processes x numba threads) and keeps its workers; without
``--workers`` the cost model chooses between it and this process."""

from __future__ import annotations

import os

import numba
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.services.local_pool import PoolShape, local_pool, pool_shape, shutdown
from adapters.services.optimize import fastest_count
from optimization.cost import POOL_START_S, START_S, JobCost, estimate, ns_per_step


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


# -- how many workers when --workers is not given (the cost model decides) --------------------
BIG = JobCost(windows=27, combos=3240, steps=500_000_000)  # grid_atr, five years of BTC


def _seconds(jobs: int, processes: int, threads: int) -> float:
    """The model's time, written out: the start, the pool's start, rounds of jobs."""
    rounds = -(-jobs // processes)
    pool = POOL_START_S if processes > 1 else 0.0
    return START_S + pool + rounds * BIG.steps * ns_per_step(threads) * 1e-9


def test_one_job_runs_here() -> None:
    assert fastest_count([BIG], available=8) == 1


def test_many_big_jobs_go_to_a_pool_of_one_process_per_core() -> None:
    assert _seconds(40, 2, 1) < _seconds(40, 1, 2)  # the model's own premise on two cores
    assert fastest_count([BIG] * 40, available=2) == 2


def test_the_pool_is_chosen_only_when_it_pays_for_its_start() -> None:
    for jobs in range(1, 12):
        pool_first = _seconds(jobs, 2, 1) < _seconds(jobs, 1, 2)
        assert fastest_count([BIG] * jobs, available=2) == (2 if pool_first else 1), jobs


@given(st.lists(st.integers(1, 10**9), min_size=1, max_size=20), st.integers(1, 16))
def test_no_other_count_is_expected_to_be_faster(steps: list[int], available: int) -> None:
    costs = [JobCost(1, 1, s) for s in steps]
    chosen = fastest_count(costs, available)

    def time(workers: int) -> float:
        shape = pool_shape(len(costs), workers, available)
        return estimate(costs, shape.processes, shape.threads).seconds

    assert 1 <= chosen <= max(1, min(available, len(costs)))
    assert all(time(chosen) <= time(w) for w in range(1, available + 1))
