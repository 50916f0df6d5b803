"""Selection on in-sample data only: the score, the choice, and the periods that may judge it."""

from __future__ import annotations

import numpy as np
import pytest

from domain.market import timeframe_ms
from domain.strategies import REGISTRY
from optimization.selection import is_score, select, unseen_windows
from optimization.walk_forward import run_walk_forward
from optimization.windows import DAY_MS, walk_forward_windows
from tests.optimization.wf_kit import SETTINGS, job, random_walk, small_grid, spliced


def test_the_in_sample_score_discounts_combinations_that_trade_little() -> None:
    sharpe = np.array([2.0, 2.0, 2.0, -1.0])
    trades = np.array([60, 30, 15, 10])
    # min(1, trades / 30): 1, 1, 0.5, 1/3
    assert is_score(sharpe, trades, 30).tolist() == pytest.approx([2.0, 2.0, 1.0, -1 / 3])


def test_each_window_selects_its_own_in_sample_best() -> None:
    scores = np.array(
        [
            [1.0, 0.5, np.nan],
            [3.0, 0.5, -1.0],
            [2.0, 0.7, -2.0],
        ]
    )  # combos x windows
    # window 0: combo 1; window 1: combo 2; window 2: NaN never wins, so combo 1; ties -> first
    assert select(scores).tolist() == [1, 2, 1]
    assert select(np.array([[1.0], [1.0]])).tolist() == [0]


def test_unseen_windows_stay_an_embargo_away_from_the_choice() -> None:
    ts = np.arange(400 * 24, dtype=np.int64) * 3_600_000
    # IS 60 / embargo 5 / OOS 20, step 20: window k has IS [20k, 20k+60), OOS [20k+65, 20k+85)
    windows = walk_forward_windows(ts, 60, 20, 20, embargo_days=5)
    last = windows[-1]  # k = 15: IS days [300, 360), OOS [365, 385)
    assert len(windows) == 16 and last.is_start == 300 * 24
    unseen = unseen_windows(windows, ts, last, 5 * DAY_MS)
    # unseen: OOS ends by day 300 - 5 = 295 (20k + 85 <= 295, so k <= 10) or starts after
    # the last IS hour plus 5 days (only window 15's own OOS, from day 365)
    assert unseen == [*range(11), 15]


STRATEGIES = sorted(REGISTRY)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_no_out_of_sample_candle_moves_a_selection(strategy: str) -> None:
    """Another future after window k's in-sample end changes no selection of windows 0..k."""
    base = getattr(SETTINGS.strategies, strategy)
    tf_ms = timeframe_ms(base.timeframe)
    wf = job(strategy, small_grid(strategy), is_days=60, oos_days=20, embargo_days=3, mc_sims=50)
    vol = 0.012 * (tf_ms / 3_600_000) ** 0.5  # wild markets, whatever the timeframe
    # funding extremes and open-interest bursts often enough for the funding and liquidation
    # strategies to trade in every window
    wild = {"vol": vol, "tf_ms": tf_ms, "funding_sd": 8e-4, "oi_vol": 0.03}
    market = random_walk(200, seed=7, **wild)
    other = random_walk(200, seed=8, **wild)
    spec = REGISTRY[strategy]
    windows = walk_forward_windows(
        market.ts, 60, 20, 20, first=spec.warmup(spec.parse(wf.base_params)), embargo_days=3
    )
    assert len(windows) >= 4
    k = 1
    changed = spliced(market, other, windows[k].is_end)
    before = run_walk_forward(wf, market)
    after = run_walk_forward(wf, changed)
    for a, b in zip(before.windows[: k + 1], after.windows[: k + 1], strict=True):
        assert (a.combo, a.is_sharpe, a.is_score) == (b.combo, b.is_sharpe, b.is_score)
    # the other future did change what was measured out of sample (the test can fail)
    assert before.combos.oos_sharpe_by_window != after.combos.oos_sharpe_by_window
