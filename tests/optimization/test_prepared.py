"""Kernel inputs built once per (market, combinations) give the same results as rebuilt ones, and
a walk-forward builds them once per batch of combinations, not once per window."""

from __future__ import annotations

from dataclasses import replace

import msgspec
import numpy as np

from domain.strategies import strategy as strategy_spec
from optimization.fast.api import batch_metrics
from optimization.fast.prepared import Preparations
from optimization.grid_search import full_grid
from optimization.walk_forward import run_walk_forward
from tests.optimization.wf_kit import COSTS, SETTINGS, job, random_walk

WINDOWS = (np.array([[500, 1500]]), np.array([[1500, 2500], [2500, 3500]]), np.array([[0, 4000]]))


class Rebuilding(Preparations):
    """Builds on every call: the code path before reuse, counted the same way."""

    def get(self, strategy, market, combos, costs, account, build):
        self.built += 1
        return build()


def _combos(strategy: str, grid: dict) -> list:
    spec = strategy_spec(strategy)
    base = msgspec.structs.asdict(getattr(SETTINGS.strategies, strategy))
    return [spec.parse(base | combo) for combo in full_grid(grid)]


def _per_window(strategy: str, combos: list, preparations: Preparations | None) -> list:
    market = random_walk(200, 1)
    return [
        batch_metrics(strategy, market, combos, w, COSTS, preparations=preparations)
        for w in WINDOWS
    ]


def _same(a: list, b: list) -> None:
    for x, y in zip(a, b, strict=True):
        for field in ("sharpe", "return_pct", "max_drawdown_pct", "trades", "wins"):
            np.testing.assert_array_equal(getattr(x, field), getattr(y, field))


def test_a_grid_strategy_reusing_its_inputs_gets_identical_metrics_from_one_preparation() -> None:
    combos = _combos("grid_atr", {"ma_period": [7, 14], "atr_multiplier_start": [1.0, 2.0]})
    reused = Preparations()
    with_reuse = _per_window("grid_atr", combos, reused)
    _same(with_reuse, _per_window("grid_atr", combos, None))
    assert reused.built == 1
    assert sum(m.trades.sum() for m in with_reuse) > 0  # the windows did trade


def test_a_mono_strategy_reusing_its_inputs_gets_identical_metrics_from_one_preparation() -> None:
    combos = _combos("bollinger_mr", {"bb_period": [10, 20], "sl_percent": [2.0, 5.0]})
    reused = Preparations()
    with_reuse = _per_window("bollinger_mr", combos, reused)
    _same(with_reuse, _per_window("bollinger_mr", combos, None))
    assert reused.built == 1
    assert sum(m.trades.sum() for m in with_reuse) > 0


def test_other_combinations_or_another_market_are_prepared_anew() -> None:
    combos = _combos("grid_atr", {"ma_period": [7, 14]})
    market, other = random_walk(100, 1), random_walk(100, 2)
    prep = Preparations()
    w = np.array([[100, 2000]])
    batch_metrics("grid_atr", market, combos, w, COSTS, preparations=prep)
    batch_metrics("grid_atr", market, combos[:1], w, COSTS, preparations=prep)
    batch_metrics("grid_atr", other, combos, w, COSTS, preparations=prep)
    batch_metrics("grid_atr", market, list(combos), w, COSTS, preparations=prep)  # equal: reused
    assert prep.built == 3


def test_a_walk_forward_prepares_three_times_instead_of_once_per_window_with_the_same_result():
    wf = job("grid_atr", {"ma_period": [7, 14], "sl_percent": [10.0, 20.0]}, mc_sims=50)
    market = random_walk(500, 4)
    perpetual = replace(random_walk(500, 5), funding=market.funding)
    rebuilt, reused = Rebuilding(), Preparations()
    before = run_walk_forward(wf, market, perpetual, preparations=rebuilt)
    after = run_walk_forward(wf, market, perpetual, preparations=reused)
    assert msgspec.structs.replace(before, duration_s=0.0) == msgspec.structs.replace(
        after, duration_s=0.0
    )
    assert before.n_windows == 5  # (500 days - 180 IS - 7 embargo) // 60 days of OOS
    assert after.stability is not None and after.transfer_ratio is not None
    # the windows' batch, the stability neighbours, the parameters on the perpetual
    assert reused.built == 3
    assert rebuilt.built == 5 + 2
