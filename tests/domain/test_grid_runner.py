"""The grid execution rules, one tiny hand-made scenario per rule.

Every scenario is a long (or short) grid on a market around 100, with hand-set resting prices, so
each expected number is computed by hand in the test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from domain.execution import Costs
from domain.grid_runner import GridRunner
from domain.simulator import Simulator
from domain.strategies.plans import GridPlan, MarketArrays
from domain.trades import Trade

H = 3_600_000
NAN = math.nan
FREE = Costs(0.0, 0.0, 0.0)


def market(
    candles: list[tuple[float, float, float, float]], funding: dict[int, float] | None = None
):
    n = len(candles)
    o, h, l, c = (np.array(col, dtype=float) for col in zip(*candles, strict=True))
    rates = np.full(n, NAN)
    for i, r in (funding or {}).items():
        rates[i] = r
    return MarketArrays(np.arange(n) * H, o, h, l, c, np.ones(n), H, rates)


def plan(n: int, long=None, short=None, tp=NAN, sl=0.10, **extra) -> GridPlan:
    def rows(levels):
        return None if levels is None else np.tile(np.array(levels, dtype=float), (n, 1))

    levels = len(long or short)
    return GridPlan(rows(long), rows(short), np.full(n, tp), sl, 1.0, levels, **extra)


def run(
    candles, grid: GridPlan, costs: Costs = FREE, margin=1000.0, capital=10_000.0, funding=None
):
    m = market(candles, funding)
    sim = Simulator(name="t", capital=capital, max_margin_ratio=0.7)
    runner = GridRunner(sim, "k", "test", "X/USDT", grid, m, costs, margin)
    for i in range(len(m)):
        runner.step(i)
    trades = [Trade.from_record(e.trade) for e in sim.collect_events() if hasattr(e, "trade")]
    return trades, sim, runner


FLAT = (100.0, 101.0, 99.0, 100.0)


def test_level_fills_at_its_price_and_takes_profit_on_a_later_candle() -> None:
    # level 95, TP 105; notional 1000 -> qty 1000/95
    candles = [FLAT, (100, 100, 95, 99), (99, 106, 98, 104)]
    trades, sim, _ = run(candles, plan(3, long=[95.0], tp=105.0))
    (t,) = trades
    assert (t.entry_price, t.exit_price, t.reason, t.entry_ts, t.exit_ts) == (
        95,
        105,
        "tp",
        H,
        2 * H,
    )
    assert t.pnl == pytest.approx((105 - 95) * 1000 / 95)
    assert sim.cash == pytest.approx(10_000 + t.pnl)


def test_a_gap_below_the_level_fills_at_the_open() -> None:
    candles = [FLAT, (94, 96, 93, 95), (95, 106, 95, 104)]
    (t,), _, _ = run(candles, plan(3, long=[95.0], tp=105.0))
    assert t.entry_price == 94.0


def test_no_take_profit_in_the_candle_that_filled() -> None:
    # green candle: low 94 fills the level, then the high 106 passes the TP: not taken (rule 4)
    candles = [FLAT, (100, 106, 94, 105)]
    trades, _, runner = run(candles, plan(2, long=[95.0], tp=105.0))
    assert trades == [] and runner.state.side == 1
    # the next candle reaches 105.5 >= 105: TP at 105 then
    candles.append((105, 105.5, 104, 105))
    trades, _, _ = run(candles, plan(3, long=[95.0], tp=105.0))
    assert [(t.exit_ts, t.exit_price) for t in trades] == [(2 * H, 105.0)]


@pytest.mark.parametrize(
    ("side", "candle", "reason"),
    [
        (1, (100, 112, 80, 101), "sl"),  # long, green: open -> low -> high: stop first
        (1, (100, 112, 80, 99), "tp"),  # long, red: open -> high -> low: TP first
        (-1, (100, 120, 88, 101), "tp"),  # short, green: low first reaches the short TP
        (-1, (100, 120, 88, 99), "sl"),  # short, red: high first reaches the short stop
    ],
)
def test_a_candle_touching_both_exits_follows_the_path_rule(side, candle, reason) -> None:
    if side > 0:  # long filled at 100 (level 100); TP 110; stop 10 % below: 90
        grid, fill = plan(3, long=[100.0], tp=110.0), (100, 101, 99.5, 100.5)
    else:  # short filled at 100; TP 90; stop 10 % above: 110
        grid, fill = plan(3, short=[100.0], tp=90.0), (100, 100.5, 99, 99.5)
    (t,), _, _ = run([FLAT, fill, candle], grid)
    assert t.reason == reason
    expected_exit = {("sl", 1): 90, ("tp", 1): 110, ("sl", -1): 110, ("tp", -1): 90}
    assert t.exit_price == pytest.approx(expected_exit[reason, side])


def test_the_stop_is_checked_in_the_candle_that_filled() -> None:
    # crash candle: fills at 95, the stop 10 % below (85.5) is reached by the low of 80
    (t,), _, _ = run([FLAT, (100, 100, 80, 82)], plan(2, long=[95.0], tp=200.0))
    assert (t.reason, t.exit_price, t.entry_ts, t.exit_ts) == ("sl", pytest.approx(85.5), H, H)


def test_a_candle_that_closes_a_grid_opens_nothing() -> None:
    # candle 2 takes profit at 105 and its low (95) touches the level again: no new grid
    candles = [FLAT, (100, 100, 95, 99), (99, 106, 95, 104), (104, 104, 103, 103)]
    trades, _, runner = run(candles, plan(4, long=[95.0], tp=105.0))
    assert len(trades) == 1 and runner.state.side == 0


def test_levels_fill_nearest_first_and_average_the_entry() -> None:
    # levels 95 and 90 both reached by one candle; average = (95*q1 + 90*q2)/(q1+q2)
    # with equal notional per level: q1 = 1000/95, q2 = 1000/90
    candles = [FLAT, (100, 100, 89, 99), (99, 101, 98, 100)]
    trades, _, _ = run(candles, plan(3, long=[95.0, 90.0], tp=100.0, sl=0.5))
    (t,) = trades
    q1, q2 = 1000 / 95, 1000 / 90
    assert t.levels == 2
    assert t.entry_price == pytest.approx((95 * q1 + 90 * q2) / (q1 + q2))
    assert t.pnl == pytest.approx((100 - 95) * q1 + (100 - 90) * q2)


def test_fees_and_slippage() -> None:
    # maker 0.1 % on the fill and the TP; taker 0.2 % + slippage 1 % on the stop
    costs = Costs(maker=0.001, taker=0.002, slippage=0.01)
    (t,), _, _ = run(
        [FLAT, (100, 100, 95, 99), (99, 106, 98, 104)], plan(3, long=[95.0], tp=105.0), costs
    )
    qty = 1000 / 95
    assert t.entry_fees == pytest.approx(0.001 * 1000)
    assert t.exit_fee == pytest.approx(0.001 * 105 * qty)
    (s,), _, _ = run(
        [FLAT, (100, 100, 95, 99), (99, 99, 80, 81)], plan(3, long=[95.0], tp=200.0), costs
    )
    stop_fill = 95 * 0.9 * (1 - 0.01)  # stop price, then slippage against the long
    assert s.exit_price == pytest.approx(stop_fill)
    assert s.exit_fee == pytest.approx(0.002 * stop_fill * qty)


@pytest.mark.parametrize(("side", "paid_sign"), [(1, 1), (-1, -1)])
def test_funding_is_charged_at_settlements_on_open_notional(side, paid_sign) -> None:
    # a positive rate at the open of candle 2 (price 98): longs pay rate x qty x 98, shorts receive
    grid = plan(4, long=[95.0], tp=200.0) if side > 0 else plan(4, short=[105.0], tp=1.0)
    fill = (100, 100, 95, 99) if side > 0 else (100, 105, 100, 101)
    candles = [FLAT, fill, (98, 99, 97, 98), (98, 99, 97, 98)]
    _, sim, runner = run(candles, grid, funding={2: 0.001})
    qty = runner.state.levels["0"][1]
    assert sim.funding_paid == pytest.approx(paid_sign * 0.001 * qty * 98)
    assert runner.state.funding == pytest.approx(sim.funding_paid)


def test_funding_belongs_to_the_trade_pnl() -> None:
    candles = [FLAT, (100, 100, 95, 99), (99, 100, 98, 99), (99, 106, 98, 104)]
    (t,), _, _ = run(candles, plan(4, long=[95.0], tp=105.0), funding={2: 0.01})
    qty = 1000 / 95
    assert t.funding == pytest.approx(0.01 * qty * 99)
    assert t.pnl == pytest.approx((105 - 95) * qty - t.funding)


def test_a_trend_flip_closes_the_grid_at_the_open() -> None:
    trend = np.array([1, 1, 1, -1])
    candles = [FLAT, (100, 100, 95, 99), (99, 100, 98, 99), (97, 99, 96, 98)]
    (t,), _, _ = run(candles, plan(4, long=[95.0], tp=200.0, trend=trend), Costs(0, 0.002, 0.01))
    assert (t.reason, t.exit_ts) == ("flip", 3 * H)
    assert t.exit_price == pytest.approx(97 * (1 - 0.01))


def test_the_margin_guard_refuses_levels_beyond_its_ratio() -> None:
    # capital 1000, ratio 0.7 -> 700 of margin; 3 levels of 300: the third is refused, once in
    # candle 1 and again in candle 2, whose low (84) reaches it again
    candles = [FLAT, (100, 100, 80, 85), (85, 86, 84, 85)]
    _, sim, runner = run(
        candles, plan(3, long=[95.0, 90.0, 85.0], tp=200.0, sl=0.9), margin=300.0, capital=1000.0
    )
    assert len(runner.state.levels) == 2 and runner.blocked == 2
    assert sim.margin_used == pytest.approx(600.0)


def test_the_trailing_stop_follows_the_high_and_exits() -> None:
    # trail distance 5: after the fill candle (high 101) the stop is 96; the next high 110 moves it
    # to 105; the candle after falls to 104: exit at the trail, 105
    trail = np.full(5, 5.0)
    candles = [FLAT, (100, 101, 95, 100), (100, 110, 99, 109), (109, 109, 104, 105), FLAT]
    (t,), _, _ = run(candles, plan(5, long=[95.0], tp=NAN, sl=0.5, trail_at_close=trail))
    assert (t.reason, t.exit_price, t.exit_ts) == ("trail", 105.0, 3 * H)


def test_forced_close_at_the_end_of_data() -> None:
    candles = [FLAT, (100, 100, 95, 99), (99, 100, 98, 99.5)]
    m = market(candles)
    sim = Simulator(name="t", capital=10_000.0, max_margin_ratio=0.7)
    runner = GridRunner(sim, "k", "s", "X/USDT", plan(3, long=[95.0], tp=200.0), m, FREE, 1000.0)
    for i in range(3):
        runner.step(i)
    runner.close_at_end(2)
    (t,) = [Trade.from_record(e.trade) for e in sim.collect_events() if hasattr(e, "trade")]
    assert (t.reason, t.exit_price) == ("end", 99.5)
