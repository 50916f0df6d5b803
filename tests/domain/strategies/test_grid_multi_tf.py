"""grid_multi_tf: grid_atr levels on 1h, side from a SuperTrend on 4h buckets.

Small periods keep the scenarios short: SMA(2) and ATR(2) on 1h, one level at SMA - 1 x ATR
(or SMA + 1 x ATR for shorts), SuperTrend(2, x1) on 4h buckets. 1h candle i belongs to bucket
i // 4; bucket b is complete at the close of candle 4b+3, so its direction is the trend of the
candles from 4b+4 on.

On FLAT 1h candles (true range 2) the 1h SMA is 100 and the ATR 2: the long level rests at 98.
On FLAT 4h buckets (100, 101, 99, 100) the bucket ATR is 2, so bucket 1 (the first SuperTrend
value) is up with bands 100 +/- 2: upper 102, lower 98. A bucket then flips down when it closes
below 98.
"""

from __future__ import annotations

import numpy as np
import pytest
from msgspec.structs import replace

from domain.execution import Costs
from domain.strategies.grid_multi_tf import warmup
from tests.domain.strategies.grid_scenarios import (
    H,
    assert_causal,
    backtest,
    market,
    notional,
    params,
    plan,
    random_market,
)

PARAMS = params("grid_multi_tf", ma_period=2, atr_period=2, atr_multiplier_start=1.0,
                atr_multiplier_step=1.0, num_levels=1, st_atr_period=2,
                st_atr_multiplier=1.0)  # fmt: skip
NOTIONAL = notional(PARAMS)  # 2 500 x 6 = 15 000
FLAT = (100.0, 101.0, 99.0, 100.0)

# bucket 2 (candles 8..11) slides from 100 to 94: bucket (100, 101, 94, 94), true range 7,
# ATR (2 + 7) / 2 = 4.5, basic lower band 97.5 - 4.5 = 93 does not lower the final band 98, and
# the close 94 < 98 flips the SuperTrend down: trend -1 from candle 12 on.
SLIDE = [FLAT, (100, 100, 98, 98), (98, 98, 96, 96), (96, 96, 94, 94)]
FLIP = [FLAT] * 8 + SLIDE + [(94, 95, 93, 94)]


def test_no_trend_before_two_complete_buckets_then_up_then_the_flip() -> None:
    trend = plan("grid_multi_tf", market(FLIP), PARAMS).trend
    assert trend is not None
    # bucket 0 has no SuperTrend yet (NaN -> 0), bucket 1 is up, bucket 2 down
    assert trend.tolist() == [0] * 8 + [1] * 4 + [-1]


def test_long_level_fills_at_its_price_and_takes_profit_at_the_sma() -> None:
    # trend +1 from candle 8; level SMA(100, 100) - ATR 2 = 98, reached by the low of candle 8.
    # Candle 9: TP = SMA of closes 100 and 99 = 99.5, reached by its high 100
    candles = [FLAT] * 8 + [(100, 100, 98, 99), (99, 100, 99, 100)]
    (t,) = backtest("grid_multi_tf", market(candles), PARAMS).trades
    assert (t.side, t.entry_ts, t.entry_price) == (1, 8 * H, 98.0)
    assert (t.reason, t.exit_ts, t.exit_price) == ("tp", 9 * H, 99.5)
    assert t.pnl == pytest.approx(1.5 * NOTIONAL / 98)  # ~ 229.59


def test_a_dip_before_the_trend_is_known_fills_nothing() -> None:
    # the same dip at candle 6: the level would rest at 98, but bucket 1 is not complete yet
    candles = [FLAT] * 6 + [(100, 100, 98, 99), (99, 100, 99, 100)]
    assert backtest("grid_multi_tf", market(candles), PARAMS).trades == []


def test_stop_loss() -> None:
    # long at 98 (candle 8), stop 20 % below: 78.4, reached by the low 78 of candle 9 (red
    # candle, whose TP 99.5 is not reached either way)
    candles = [FLAT] * 8 + [(100, 100, 98, 99), (99, 99, 78, 80)]
    (t,) = backtest("grid_multi_tf", market(candles), PARAMS).trades
    assert (t.reason, t.exit_ts, t.exit_price) == ("sl", 9 * H, pytest.approx(78.4))
    assert t.pnl == pytest.approx(-0.2 * NOTIONAL)  # -3 000


def test_flip_closes_the_long_grid_at_the_open() -> None:
    # long level 98 fills in candle 9; its TP (SMA of the previous two closes: 99, then 97)
    # stays above the falling highs; bucket 2 flips down, so candle 12 closes it at its open 94
    (t,) = backtest("grid_multi_tf", market(FLIP), PARAMS).trades
    assert (t.side, t.entry_ts, t.entry_price) == (1, 9 * H, 98.0)
    assert (t.reason, t.exit_ts, t.exit_price) == ("flip", 12 * H, 94.0)
    assert t.pnl == pytest.approx(-4 * NOTIONAL / 98)  # ~ -612.24


def test_flip_with_costs() -> None:
    # maker 0.02 % on the limit entry, taker 0.06 % and slippage 0.05 % on the flip's market exit
    costs = Costs(0.0002, 0.0006, 0.0005)
    (t,) = backtest("grid_multi_tf", market(FLIP), PARAMS, costs).trades
    qty = NOTIONAL / 98
    exit_price = 94 * (1 - 0.0005)  # 93.953
    assert t.exit_price == pytest.approx(exit_price)
    assert t.entry_fees == pytest.approx(0.0002 * NOTIONAL)  # 3
    assert t.exit_fee == pytest.approx(0.0006 * exit_price * qty)
    assert t.pnl == pytest.approx((exit_price - 98) * qty - 3 - 0.0006 * exit_price * qty)


def test_a_down_trend_rests_no_long_level() -> None:
    # after the flip, candle 13 dips to 90, below where the long level would be (SMA 94 - 2 =
    # 92), but only the short level (94 + 2 = 96) rests, and the high 95 does not reach it
    m = market([*FLIP, (94, 95, 90, 91)])
    grid = plan("grid_multi_tf", m, PARAMS)
    assert np.isnan(grid.long_entries[13]).all()
    assert grid.short_entries[13].tolist() == [96.0]
    assert [t.reason for t in backtest("grid_multi_tf", m, PARAMS).trades] == ["flip"]


def test_short_only_sides_never_rest_a_long_level() -> None:
    short_only = replace(PARAMS, sides=("short",))
    grid = plan("grid_multi_tf", market(FLIP), short_only)
    assert grid.long_entries is None
    assert backtest("grid_multi_tf", market(FLIP), short_only).trades == []


def test_the_trend_never_comes_from_the_bucket_in_progress() -> None:
    # Same candles except the last one of bucket 2: closing at 100 keeps it up, closing at 94
    # flips it. Candles 8..11 must not see the difference: they trade inside bucket 2, which is
    # complete only at the close of candle 11 (already at the close of 10 its partial close 96
    # is below the lower band 98, so a look-ahead would show as -1 on candle 11).
    held = [FLAT] * 8 + SLIDE[:3] + [(96, 100, 94, 100), (100, 101, 99, 100)]
    up = plan("grid_multi_tf", market(held), PARAMS).trend
    down = plan("grid_multi_tf", market(FLIP), PARAMS).trend
    assert up[:12].tolist() == down[:12].tolist() == [0] * 8 + [1] * 4
    assert (up[12], down[12]) == (1, -1)


def test_rows_do_not_depend_on_later_candles() -> None:
    assert_causal("grid_multi_tf", market(FLIP), PARAMS, rows=range(len(FLIP)))
    m = random_market()
    assert_causal("grid_multi_tf", m, params("grid_multi_tf"), rows=(60, 61, 62, 63, 64, 150))


def test_warmup_covers_the_supertrend_buckets() -> None:
    # defaults: SuperTrend(10) on 4h needs 11 buckets (the first one may be partial) = 44 1h
    # candles, plus the shift; longer than grid_atr's max(14, 14) + 1
    assert warmup(params("grid_multi_tf")) == 45
