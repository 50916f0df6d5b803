"""The cost of a walk-forward before it runs: windows x combinations x candles, and the time."""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimization.cost import NS_PER_STEP, POOL_START_S, START_S, JobCost, estimate, job_cost
from tests.optimization.wf_kit import job, random_walk


def test_a_job_costs_its_combinations_times_every_windows_in_and_out_of_sample_candles() -> None:
    wf = job("grid_atr", {"ma_period": [7, 14], "sl_percent": [10.0, 20.0]})
    cost = job_cost(wf, random_walk(500, 4).ts)
    # 5 windows of 180 + 60 days of hourly candles, 4 combinations
    assert cost == JobCost(windows=5, combos=4, steps=4 * 5 * (180 + 60) * 24)


def test_a_grid_above_the_budget_is_counted_at_the_budget() -> None:
    wf = job("grid_atr")  # 3,240 combinations
    small = job_cost(replace(wf, budget=1000), random_walk(300, 1).ts)
    assert small.combos == 1000


def test_jobs_spread_over_the_processes() -> None:
    costs = [JobCost(27, 3240, 10**9)] * 2
    alone = estimate(costs, processes=1, threads=2)
    pooled = estimate(costs, processes=2, threads=1)
    assert (alone.jobs, alone.windows, alone.combos, alone.steps) == (2, 54, 6480, 2 * 10**9)
    assert alone.seconds == pytest.approx(START_S + 2 * NS_PER_STEP[2])
    assert pooled.seconds == pytest.approx(START_S + POOL_START_S + NS_PER_STEP[1])
