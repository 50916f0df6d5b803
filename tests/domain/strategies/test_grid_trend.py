"""grid_trend: EMA direction gated by ADX, pull-back levels, ATR trailing stop, flip close.

Periods that can be followed by hand: EMA(1) is the close itself; EMA(3) starts at the mean of
the first three closes, then ``e = (close + e_prev) / 2``; ATR(1) is the candle's true range;
ADX(1) is the candle's DX: 100 after a clean directional move (a higher high with no lower low,
or the reverse), 0 when the high and low equal the previous ones (threshold 20).
Long level k rests at ``close(i-1) - TR(i-1) x (1 + 0.5 k)``; two levels, so 2 500 / 2 x 6 =
7 500 of notional each.
"""

from __future__ import annotations

import numpy as np
import pytest
from msgspec.structs import replace

from domain.strategies.grid_trend import warmup
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

PARAMS = params("grid_trend", ema_fast=1, ema_slow=3, adx_period=1, atr_period=1, num_levels=2)
NOTIONAL = notional(PARAMS)  # 7 500

# A staircase: every candle one higher (clean up moves, ADX 100, TR 2). EMA(3): 101 at candle 2
# (mean of 100, 101, 102), (103 + 101) / 2 = 102 at candle 3 < close 103: trend +1 at candle 4.
# Levels at 4: 103 - 2 = 101 and 103 - 2 x 1.5 = 100.
UP = [(100, 101, 99, 100), (100, 102, 100, 101), (101, 103, 101, 102), (102, 104, 102, 103)]
# candle 4 pulls back to 100.5 (level 0 fills at 101) and closes at 103.5 above its EMA (102.75)
PULLBACK = (103, 104, 100.5, 103.5)


def test_up_trend_rests_pullback_levels_below_the_fast_ema() -> None:
    grid = plan("grid_trend", market([*UP, PULLBACK]), PARAMS)
    assert grid.trend.tolist() == [0, 0, 0, 1, 1]  # candle 2's close 102 > EMA 101 already
    assert grid.long_entries[4].tolist() == [101.0, 100.0]
    assert np.isnan(grid.short_entries[4]).all()
    assert np.isnan(grid.take_profit).all()


def test_trailing_stop_follows_the_high_and_closes_the_grid() -> None:
    # trail_mult 1. Candle 4: level 0 fills at 101; TR 3.5 -> stop at 104 - 3.5 = 100.5.
    # Candle 5 (106, TR 3): stop raised to 106 - 3 = 103. Candle 6 falls to 102: out at 103.
    candles = [*UP, PULLBACK, (103.5, 106, 103, 105.5), (105.5, 106, 102, 102.5)]
    result = backtest("grid_trend", market(candles), replace(PARAMS, trail_mult=1.0))
    (t,) = result.trades
    assert (t.side, t.levels, t.entry_ts, t.entry_price) == (1, 1, 4 * H, 101.0)
    assert (t.reason, t.exit_ts, t.exit_price) == ("trail", 6 * H, 103.0)
    assert t.pnl == pytest.approx(2 * NOTIONAL / 101)  # ~ 148.51


def test_ema_cross_closes_the_grid_at_the_open() -> None:
    # trail_mult 2: the stop trails at 104 - 7 = 97 after candle 4. Candle 5 makes a clean lower
    # low (ADX 100) and closes at 102 under its EMA (102 + 102.75) / 2 = 102.375: trend -1 at 6,
    # which closes the long at its open 102
    candles = [*UP, PULLBACK, (103.5, 103.5, 100, 102), (102, 102.5, 101, 101.5)]
    (t,) = backtest("grid_trend", market(candles), PARAMS).trades
    assert (t.entry_price, t.reason, t.exit_ts, t.exit_price) == (101.0, "flip", 6 * H, 102.0)
    assert t.pnl == pytest.approx(NOTIONAL / 101)  # ~ 74.26


def test_stop_loss() -> None:
    # long at 101, stop 15 % below: 85.85. With trail_mult 10 the trail (104 - 35 = 69) is
    # looser, so the fixed stop is the one the red candle 5 reaches
    candles = [*UP, PULLBACK, (103.5, 103.5, 80, 82)]
    (t,) = backtest("grid_trend", market(candles), replace(PARAMS, trail_mult=10.0)).trades
    assert (t.reason, t.exit_ts, t.exit_price) == ("sl", 5 * H, pytest.approx(85.85))
    assert t.pnl == pytest.approx(-0.15 * NOTIONAL)  # -1 125


def test_short_pullback_in_a_down_trend_and_the_funding_it_receives() -> None:
    # falling staircase: EMA(3) 99 at candle 2, (97 + 99) / 2 = 98 at 3 > close 97: trend -1.
    # Short level 0 at 97 + TR 2 = 99, sold in candle 4. A settlement of +0.0001 at the open of 5
    # pays the short 0.0001 x (7 500 / 99) x 99 = 0.75; the grid ends at the close 98.5 of 5
    down = [(100, 101, 99, 100), (100, 100, 98, 99), (99, 99, 97, 98), (98, 98, 96, 97)]
    candles = [*down, (97, 99.5, 96.5, 97.5), (99, 99.5, 98, 98.5)]
    (t,) = backtest("grid_trend", market(candles, {5: 0.0001}), PARAMS).trades
    assert (t.side, t.entry_ts, t.entry_price) == (-1, 4 * H, 99.0)
    assert (t.reason, t.exit_price) == ("end", 98.5)
    assert t.funding == pytest.approx(-0.75)
    assert t.pnl == pytest.approx(0.5 * NOTIONAL / 99 + 0.75)  # ~ 38.63


def test_weak_adx_rests_nothing() -> None:
    # candle 3 repeats candle 2's high and low (DX 0 < 20): neutral at candle 4 even though the
    # close 102.5 is above the EMA; candle 4 dips to 100 and fills nothing. With a zero
    # threshold the same dip buys (level 102.5 - 2 = 100.5)
    candles = [*UP[:3], (102, 103, 101, 102.5), (102.5, 103, 100, 102.5)]
    assert plan("grid_trend", market(candles), PARAMS).trend[4] == 0
    assert backtest("grid_trend", market(candles), PARAMS).trades == []
    (t,) = backtest("grid_trend", market(candles), replace(PARAMS, adx_threshold=0.0)).trades
    assert t.entry_price == 100.5


def test_rows_do_not_depend_on_later_candles() -> None:
    candles = [*UP, PULLBACK, (103.5, 106, 103, 105.5), (105.5, 106, 102, 102.5)]
    assert_causal("grid_trend", market(candles), PARAMS, rows=range(len(candles)))
    m = random_market()
    assert_causal("grid_trend", m, params("grid_trend"), rows=(50, 100, 101, 200, 299))


def test_warmup() -> None:
    # defaults: EMA 50, ADX 14 (first at 27), ATR 14: the slow EMA plus one
    assert warmup(params("grid_trend")) == 51
