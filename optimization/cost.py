"""What a walk-forward will cost before it runs: its windows, combinations and kernel steps, and
the expected wall time of a set of jobs on a pool of processes x threads.

A step is one combination simulated on one candle; each window simulates every combination on
its in-sample and its out-of-sample span, so a job's steps are ``combos x sum(IS + OOS candles)``.
The time model is the one BENCHMARKS.md ("Cost model") fits on the benchmark machine (2 cores):
a job costs ``steps x NS_PER_STEP[threads]`` (the whole walk-forward, validation included,
divided by its kernel steps: preparation, the stitched record and the checks grow with the same
windows and combinations), jobs spread evenly over the processes, plus the command's start and
the pool's. On another machine the figure is a guide, not a promise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from domain.strategies import strategy as strategy_spec
from optimization.grid_search import grid_size
from optimization.walk_forward import WalkForwardJob
from optimization.windows import walk_forward_windows

# end-to-end walk-forward seconds per kernel step by numba threads per process (fitted on grid_atr,
# five years of BTC 1h, 3,240 combos, on a quiet machine: BENCHMARKS.md "The cost model refitted");
# more threads than listed are counted at the last figure's parallel efficiency
NS_PER_STEP = {1: 3.7, 2: 2.45}
START_S = 0.9  # the command: imports, settings, the store's catch-up, the kernels' cache load
POOL_START_S = 0.7  # the fork server and its workers' first kernels
# a Dask LocalCluster of two workers: start, warm-up and stop (BENCHMARKS.md "Cluster")
CLUSTER_START_S = 7.0


@dataclass(frozen=True, slots=True)
class JobCost:
    windows: int
    combos: int
    steps: int


@dataclass(frozen=True, slots=True)
class Estimate:
    jobs: int
    windows: int
    combos: int
    steps: int
    processes: int
    threads: int
    seconds: float


def job_cost(job: WalkForwardJob, ts: np.ndarray) -> JobCost:
    """The windows, combinations (at most the budget: larger grids are sampled) and kernel steps
    of ``job`` (a ``WalkForwardJob``) on candle times ``ts``."""
    spec = strategy_spec(job.strategy)
    windows = walk_forward_windows(
        ts,
        job.is_days,
        job.oos_days,
        job.step_days,
        first=spec.warmup(spec.parse(job.base_params)),
        embargo_days=job.embargo_days,
    )
    combos = min(grid_size(job.grid), job.budget)
    spans = sum(w.is_end - w.is_start + w.oos_end - w.oos_start for w in windows)
    return JobCost(len(windows), combos, combos * spans)


def ns_per_step(threads: int) -> float:
    if threads in NS_PER_STEP:
        return NS_PER_STEP[threads]
    most = max(NS_PER_STEP)
    gain = NS_PER_STEP[1] / NS_PER_STEP[most] - 1.0  # extra speed per extra thread, measured
    return NS_PER_STEP[1] / (1.0 + gain / (most - 1) * (threads - 1))


def estimate(costs: Sequence[JobCost], processes: int, threads: int) -> Estimate:
    """The expected wall time of ``costs`` run on ``processes`` x ``threads``."""
    steps = sum(c.steps for c in costs)
    rounds = math.ceil(len(costs) / processes) if costs else 0
    per_job = steps / max(len(costs), 1) * ns_per_step(threads) * 1e-9
    seconds = START_S + (POOL_START_S if processes > 1 else 0.0) + rounds * per_job
    return Estimate(
        jobs=len(costs),
        windows=sum(c.windows for c in costs),
        combos=sum(c.combos for c in costs),
        steps=steps,
        processes=processes,
        threads=threads,
        seconds=seconds,
    )
