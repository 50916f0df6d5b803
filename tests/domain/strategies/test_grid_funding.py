"""grid_funding: long market entries at the open while the known funding rate is very negative.

``funding={s: rate}`` settles at the open of candle s; the strategy knows it from candle s+1 on,
so a level it triggers is bought at the open of s+1. Thresholds (defaults): level k at a rate
<= -(0.0005 + k x 0.0005), i.e. -0.0005, -0.0010, -0.0015. With one level the notional is
2 500 x 6 = 15 000 (150 units at 100); with three, 5 000 per level.
"""

from __future__ import annotations

import numpy as np
import pytest
from msgspec.structs import replace

from domain.execution import Costs
from domain.strategies.grid_funding import warmup
from tests.domain.strategies.grid_scenarios import (
    H,
    assert_causal,
    backtest,
    market,
    params,
    plan,
    random_market,
)

# The scenarios below exit within a few candles: they switch the minimum hold off (it has its
# own tests at the end).
ONE = params(
    "grid_funding", num_levels=1, ma_period=2, tp_mode="funding_positive", min_hold_candles=0
)
INF, NAN = np.inf, np.nan


def candle(o: float) -> tuple[float, float, float, float]:
    return (o, o + 0.5, o - 0.5, o)


def test_each_level_is_bought_at_the_open_after_its_threshold_is_settled() -> None:
    # known rate: rows 2-3 -0.0005 (level 0, equal to its threshold), rows 4-5 -0.0012
    # (levels 0-1), rows 6-8 -0.0016 (levels 0-2), from row 9 +0.0001 (exit at the open)
    p = params("grid_funding", tp_mode="funding_positive", min_hold_candles=0)
    funding = {1: -0.0005, 3: -0.0012, 5: -0.0016, 8: 0.0001}
    opens = [100, 100, 100, 100, 98, 98, 96, 96, 96, 96]
    m = market([candle(o) for o in opens], funding)
    grid = plan("grid_funding", m, p)
    assert grid.market_entries
    np.testing.assert_array_equal(grid.long_entries[[1, 2, 4, 6, 9]], [
        [NAN, NAN, NAN], [INF, NAN, NAN], [INF, INF, NAN], [INF, INF, INF], [NAN, NAN, NAN],
    ])  # fmt: skip
    (t,) = backtest("grid_funding", m, p).trades
    # level 0 bought at the open of 2 (100), level 1 at the open of 4 (98), level 2 at 6 (96),
    # 5 000 of notional each: the average entry is the harmonic mean of the three prices
    qty = 5000 / 100 + 5000 / 98 + 5000 / 96
    assert (t.levels, t.entry_ts, t.qty) == (3, 2 * H, pytest.approx(qty))
    assert t.entry_price == pytest.approx(15000 / qty)  # ~ 97.986
    assert (t.reason, t.exit_ts, t.exit_price) == ("signal", 9 * H, 96.0)


def test_funding_sign_a_long_receives_negative_and_pays_positive_rates() -> None:
    # 150 units bought at the open of 2 (100). Settlement at 3: -0.0004 -> receives
    # 0.0004 x 150 x 100 = 6; at 4: +0.0002 -> pays 0.0002 x 150 x 100 = 3. The positive rate is
    # known from candle 5: closed at its open (100). Funding paid -3, so P&L +3
    m = market([candle(100)] * 6, {1: -0.0005, 3: -0.0004, 4: 0.0002})
    result = backtest("grid_funding", m, ONE)
    (t,) = result.trades
    assert (t.entry_ts, t.exit_ts, t.reason) == (2 * H, 5 * H, "signal")
    assert t.funding == pytest.approx(-3.0)
    assert t.pnl == pytest.approx(3.0)
    assert result.simulator.cash == pytest.approx(10_000 + 3.0)


def test_sma_take_profit() -> None:
    # bought at the open of 2 (97); TP at candle 3 = SMA of closes 100 and 97 = 98.5, reached by
    # its high 99: + 1.5 x 15 000 / 97
    p = replace(ONE, tp_mode="sma_cross")
    candles = [candle(100), candle(100), (97, 97.5, 96, 97), (97, 99, 96.5, 98.8)]
    (t,) = backtest("grid_funding", market(candles, {1: -0.0006}), p).trades
    assert (t.entry_price, t.reason, t.exit_ts, t.exit_price) == (97.0, "tp", 3 * H, 98.5)
    assert t.pnl == pytest.approx(1.5 * 15000 / 97)  # ~ 231.96


def test_after_a_take_profit_a_still_negative_rate_buys_again_at_the_next_open() -> None:
    # the TP candle 3 opens nothing; the rate is still -0.0006, so candle 4 buys at its open
    p = replace(ONE, tp_mode="sma_cross")
    candles = [candle(100), candle(100), (97, 97.5, 96, 97), (97, 99, 96.5, 98.8), candle(99)]
    first, second = backtest("grid_funding", market(candles, {1: -0.0006}), p).trades
    assert (first.reason, second.entry_ts, second.entry_price) == ("tp", 4 * H, 99.0)
    assert second.reason == "end"


def test_default_mode_exits_on_positive_funding_before_the_sma() -> None:
    # funding_or_sma: bought at 97; the SMA TP of candle 3 (98.5) is out of reach; +0.0001 settles
    # at 3 (the long pays 0.0001 x 15 000/97 x 97 = 1.5) and closes the grid at the open of 4
    p = params("grid_funding", num_levels=1, ma_period=2, min_hold_candles=0)
    candles = [candle(100), candle(100), (97, 97.5, 96, 97), (97, 97.5, 96.5, 97), candle(97.2)]
    (t,) = backtest("grid_funding", market(candles, {1: -0.0006, 3: 0.0001}), p).trades
    assert (t.reason, t.exit_ts, t.exit_price) == ("signal", 4 * H, 97.2)
    assert t.funding == pytest.approx(1.5)
    assert t.pnl == pytest.approx(0.2 * 15000 / 97 - 1.5)


def test_stop_loss() -> None:
    # bought at 100, stop 15 % below: 85, reached by the low 84 of candle 3
    candles = [candle(100)] * 3 + [(100, 100.5, 84, 86)]
    (t,) = backtest("grid_funding", market(candles, {1: -0.0005}), ONE).trades
    assert (t.reason, t.exit_ts, t.exit_price) == ("sl", 3 * H, 85.0)
    assert t.pnl == pytest.approx(-15 * 150)


def test_market_entry_and_exit_with_costs() -> None:
    # taker 0.06 %, slippage 0.05 %: bought at 100.05, fee 0.0006 x 15 000 = 9; the settlement
    # +0.0001 at 3 costs 0.0001 x qty x 100; sold at the open of 4 at 99.95, fee 0.0006 x 99.95 x
    # qty
    m = market([candle(100)] * 5, {1: -0.0005, 3: 0.0001})
    (t,) = backtest("grid_funding", m, ONE, Costs(0.0002, 0.0006, 0.0005)).trades
    qty = 15000 / 100.05
    assert (t.entry_price, t.exit_price) == (pytest.approx(100.05), pytest.approx(99.95))
    assert t.entry_fees == pytest.approx(9.0)
    assert t.funding == pytest.approx(0.0001 * qty * 100)
    exit_fee = 0.0006 * 99.95 * qty
    assert t.pnl == pytest.approx(-0.1 * qty - 9 - exit_fee - 0.0001 * qty * 100)


def test_mild_or_not_yet_known_funding_does_not_trigger() -> None:
    # -0.0004 is above -0.0005; the -0.001 settled at the last candle is known only after it
    m = market([candle(100)] * 6, {1: -0.0004, 5: -0.001})
    assert np.isnan(plan("grid_funding", m, ONE).long_entries).all()
    assert backtest("grid_funding", m, ONE).trades == []


def test_exit_kinds_follow_tp_mode() -> None:
    m = market([candle(100)] * 4, {1: 0.0002})
    sma_only = plan("grid_funding", m, replace(ONE, tp_mode="sma_cross"))
    funding_only = plan("grid_funding", m, ONE)
    both = plan("grid_funding", m, replace(ONE, tp_mode="funding_or_sma"))
    assert sma_only.exit_at_open is None
    assert sma_only.take_profit[3] == both.take_profit[3] == 100.0
    assert np.isnan(funding_only.take_profit).all()
    assert funding_only.exit_at_open.tolist() == both.exit_at_open.tolist() == [0, 0, 1, 1]


def test_min_hold_delays_the_funding_exit_until_enough_candles_passed() -> None:
    # bought at the open of 2; the positive rate settled at 3 is known from 4, but with a hold of
    # 5 candles the exit waits for the open of 7 (7 - 2 = 5 candles after the first fill)
    m = market([candle(100)] * 9, {1: -0.0005, 3: 0.0001})
    (t,) = backtest("grid_funding", m, replace(ONE, min_hold_candles=5)).trades
    assert (t.entry_ts, t.reason, t.exit_ts) == (2 * H, "signal", 7 * H)
    (early,) = backtest("grid_funding", m, ONE).trades  # no hold: exits at the open of 4
    assert early.exit_ts == 4 * H


def test_min_hold_never_delays_the_stop() -> None:
    # bought at 100 at the open of 2; candle 3 falls through the 15 % stop (85): stopped at once
    candles = [candle(100), candle(100), candle(100), (100, 100.5, 80, 81), candle(81)]
    m = market(candles, {1: -0.0005})
    # (the rate is still very negative afterwards, so it buys again at the open of 4)
    t = backtest("grid_funding", m, replace(ONE, min_hold_candles=8)).trades[0]
    assert (t.reason, t.exit_ts, t.exit_price) == ("sl", 3 * H, pytest.approx(85.0))


def test_rows_do_not_depend_on_later_candles() -> None:
    m = random_market()
    p = params("grid_funding")
    assert np.isinf(plan("grid_funding", m, p).long_entries).any()
    assert_causal("grid_funding", m, p, rows=(0, 1, 8, 9, 16, 17, 100, 299))


def test_warmup() -> None:
    # one 8h funding interval of 1h candles plus one, or the SMA(14) plus one
    assert warmup(params("grid_funding")) == 15
    assert warmup(params("grid_funding", tp_mode="funding_positive", min_hold_candles=0)) == 9
