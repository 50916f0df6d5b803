"""The contract's rules in the event-driven engine: quantity step, minimum orders, isolated-margin
liquidation, the ruin reason. One tiny hand-made scenario per rule, each expected number computed
by hand; then properties of every trade on random markets under drawn rules.

The liquidation price of a long (``domain.contracts``): ``(E - M / q) / (1 - r)``; of a short:
``(E + M / q) / (1 + r)``, rounded to the tick towards the entry.
"""

from __future__ import annotations

import math
from dataclasses import replace

import msgspec
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.backtest import Account, run_backtest
from domain.contracts import (
    Contract,
    MarginTier,
    floor_to_step,
    liquidation_price,
    liquidation_trigger,
)
from domain.execution import Costs
from domain.grid_runner import GridRunner
from domain.simulator import Simulator
from domain.strategies.plans import GridPlan, MarketArrays
from domain.trades import Trade
from tests.domain.strategies.grid_scenarios import params as grid_params
from tests.domain.strategies.grid_scenarios import random_market
from tests.optimization.parity_kit import on_tick_grid

H = 3_600_000
NAN = math.nan
FREE = Costs(0.0, 0.0, 0.0)
ONE_PERCENT = (MarginTier(1e12, 0.01, 100.0),)


def market(candles: list[tuple[float, float, float, float]], contract: Contract) -> MarketArrays:
    n = len(candles)
    o, h, l, c = (np.array(col, dtype=float) for col in zip(*candles, strict=True))
    return MarketArrays(np.arange(n) * H, o, h, l, c, np.ones(n), H, np.full(n, NAN), {}, contract)


def run(candles, contract: Contract, long=None, short=None, sl=0.30, leverage=5.0):
    """One level at 100 (long or short), margin 1 000, ``leverage`` x: notional 5 000 at 5x."""
    n = len(candles)
    rows = np.full((n, 1), 100.0)
    grid = GridPlan(
        rows if long else None, rows if short else None, np.full(n, NAN), sl, leverage, 1
    )
    sim = Simulator(name="t", capital=10_000.0, max_margin_ratio=0.7)
    runner = GridRunner(sim, "k", "test", "X/USDT", grid, market(candles, contract), FREE, 1000.0)
    for i in range(n):
        runner.step(i)
    events = sim.collect_events()
    trades = [Trade.from_record(e.trade) for e in events if hasattr(e, "trade")]
    return trades, sim, runner, events


FLAT = (101.0, 101.5, 100.5, 101.0)
WITH_RATE = Contract(tick=0.01, tiers=ONE_PERCENT)


def test_the_liquidation_price_of_a_long_and_a_short() -> None:
    # 5x: margin 20 per unit at 100; rate 1 %
    assert liquidation_price(1, 100.0, 50.0, 1000.0, 0.01) == pytest.approx(80.0 / 0.99)
    assert liquidation_price(-1, 100.0, 50.0, 1000.0, 0.01) == pytest.approx(120.0 / 1.01)
    # the seed's 6x and Bitget's first tier (0.4 %): 16.3 % under the entry
    assert liquidation_price(1, 100.0, 1.0, 100 / 6, 0.004) == pytest.approx(83.668, abs=1e-3)
    # 1x long: the margin covers a fall to zero
    assert liquidation_price(1, 100.0, 1.0, 100.0, 0.01) == 0.0
    # on the tick grid, towards the entry: 80.8080.. -> 80.81, 118.8118.. -> 118.81
    tiers = WITH_RATE.tier_table()
    assert liquidation_trigger(1, 50.0, 5000.0, 1000.0, tiers, 100.0, 0.0) == 80.81
    assert liquidation_trigger(-1, 50.0, 5000.0, 1000.0, tiers, 100.0, 0.0) == 118.81


def test_a_long_grid_reaching_its_liquidation_price_loses_its_margin() -> None:
    # level 100 fills (qty 50), the stop rests at 70 (30 %), the liquidation price at 80.81: a
    # fall to 75 liquidates the grid before the stop
    candles = [FLAT, (101, 101, 99.5, 100), (100, 100, 75, 76)]
    (t,), sim, _, _ = run(candles, WITH_RATE, long=True)
    assert (t.reason, t.exit_price, t.qty, t.exit_ts) == ("liquidation", 80.81, 50.0, 2 * H)
    assert t.gross == pytest.approx(50 * (80.81 - 100))  # -959.5
    assert t.exit_fee == pytest.approx(1000 - 959.5)  # what the margin leaves: the venue's fee
    assert t.pnl == pytest.approx(-1000.0)
    assert sim.cash == pytest.approx(9_000.0) and sim.margin_used == pytest.approx(0.0)


def test_a_short_grid_reaching_its_liquidation_price_loses_its_margin() -> None:
    candles = [(99, 99.5, 98.5, 99), (99, 100.5, 99, 100), (100, 125, 99, 124)]
    (t,), sim, _, _ = run(candles, WITH_RATE, short=True)
    assert (t.reason, t.exit_price) == ("liquidation", 118.81)
    assert t.pnl == pytest.approx(-1000.0)
    assert sim.cash == pytest.approx(9_000.0)


def test_a_stop_before_the_liquidation_price_is_a_stop() -> None:
    candles = [FLAT, (101, 101, 99.5, 100), (100, 100, 75, 76)]
    (t,), _, _, _ = run(candles, WITH_RATE, long=True, sl=0.10)
    assert (t.reason, t.exit_price) == ("sl", 90.0)
    assert t.pnl == pytest.approx(-500.0)


def test_a_stop_gapped_past_the_liquidation_price_is_a_liquidation() -> None:
    # stop at 82 (18 %) rests above the liquidation price 80.81, but the candle opens at 79
    candles = [FLAT, (101, 101, 99.5, 100), (79, 80, 78, 79.5)]
    (t,), _, _, _ = run(candles, WITH_RATE, long=True, sl=0.18)
    assert (t.reason, t.exit_price) == ("liquidation", 80.81)
    assert t.pnl == pytest.approx(-1000.0)


def test_without_tiers_nothing_is_liquidated() -> None:
    candles = [FLAT, (101, 101, 99.5, 100), (100, 100, 65, 66)]
    (t,), _, _, _ = run(candles, Contract(tick=0.01), long=True)
    assert (t.reason, t.exit_price) == ("sl", 70.0)
    assert t.pnl == pytest.approx(-1500.0)  # more than the margin: no venue allows it


def test_quantities_are_floored_to_the_step() -> None:
    # notional 5 000; the level at 100 fills at the open 95 (a gap): 52.6315.. units floored to
    # the step 0.01 -> 52.63
    _, sim, _, _ = run([FLAT, (95, 96, 94.5, 95.5)], Contract(step=0.01), long=True)
    assert sim.runners["k"].levels["0"][:2] == (95.0, 52.63)


def test_an_order_below_the_minimum_notional_is_refused_and_said() -> None:
    candles = [FLAT, (101, 101, 99.5, 100), (100, 101, 99, 100)]
    trades, sim, runner, events = run(candles, Contract(min_notional=6_000.0), long=True)
    assert trades == [] and runner.too_small == 2  # the level was reached on two candles
    assert runner.blocked == 0  # the margin guard refused nothing
    blocked = [e for e in events if type(e).__name__ == "EntryBlocked"]
    assert [(e.reason, e.ts) for e in blocked] == [("min_order", H)]  # said once per episode
    assert sim.runners["k"].blocked == {"min_order": H}


def test_an_order_below_the_minimum_quantity_is_refused() -> None:
    candles = [FLAT, (101, 101, 99.5, 100), (100, 101, 99, 100)]
    trades, _, runner, _ = run(candles, Contract(min_qty=50.5), long=True)
    assert trades == [] and runner.too_small == 2


def test_an_entry_lifts_the_minimum_order_refusal() -> None:
    # 5 000 notional at 100 is under a 5 000.5 minimum; the level then fills at 99 (a gap), where
    # 50.50.. units floored to 0.01 are worth 4 999.5: refused too; at 10x the next runner fits
    contract = Contract(step=0.01, min_notional=5_000.5)
    candles = [FLAT, (101, 101, 99.5, 100), (100, 101, 99, 100)]
    _, sim, _, _ = run(candles, contract, long=True)
    assert "min_order" in sim.runners["k"].blocked
    _trades, sim, _, _ = run([*candles, (100, 101, 99.5, 100)], contract, long=True, leverage=10)
    assert sim.runners["k"].blocked == {} and sim.runners["k"].side == 1


def test_floor_to_step_gives_the_decimal_multiple() -> None:
    assert floor_to_step(0.3, 0.1) == 0.3  # not 0.30000000000000004
    assert floor_to_step(52.6315, 0.01) == 52.63
    assert floor_to_step(0.29999999999, 0.1) == 0.3  # round-off below a multiple is that multiple
    assert floor_to_step(7.9, 5.0) == 5.0
    assert floor_to_step(1.234, 0.0) == 1.234


def test_a_ruined_account_closes_with_the_ruin_reason() -> None:
    p = msgspec.structs.replace(grid_params("grid_atr"), leverage=2000)
    result = run_backtest(random_market(300, 8), "grid_atr", "X", p, FREE)
    assert result.ruined_ts is not None
    assert result.trades[-1].reason == "ruin" and result.trades[-1].exit_ts == result.ruined_ts


# -- properties of every trade under drawn rules ------------------------------------------------

RULES = st.builds(
    Contract,
    step=st.sampled_from((0.0, 0.001, 0.01, 0.5)),
    min_qty=st.sampled_from((0.0, 0.001, 2.0)),
    min_notional=st.sampled_from((0.0, 5.0, 600.0)),
    tiers=st.sampled_from(((), ONE_PERCENT, (MarginTier(500.0, 0.005, 100.0), *ONE_PERCENT))),
)


def _multiple(value: float, unit: float) -> bool:
    return unit == 0.0 or abs(value / unit - round(value / unit)) < 1e-6


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    contract=RULES,
    tick=st.sampled_from((0.0, 0.01, 0.05)),
    seed=st.integers(0, 2**16),
    leverage=st.sampled_from((2, 6, 20, 50)),
    sl=st.sampled_from((5.0, 20.0, 60.0)),
)
def test_every_fill_and_exit_obeys_the_contract_and_no_liquidation_sinks_the_account(
    contract: Contract, tick: float, seed: int, leverage: int, sl: float
) -> None:
    # candles on the tick grid and no slippage, so every price a venue sees is on the grid; no
    # fees and no funding, so that a position's loss is its price move only
    m = on_tick_grid(random_market(300, seed), tick)
    m = replace(
        m,
        contract=msgspec.structs.replace(contract, tick=tick),
        funding=np.full(len(m), np.nan),
    )
    p = msgspec.structs.replace(grid_params("grid_atr"), leverage=leverage, sl_percent=sl)
    events: list = []
    result = run_backtest(m, "grid_atr", "X", p, FREE, save=events.extend)
    fills = [e for e in events if type(e).__name__ == "GridLevelOpened"]
    for fill in fills:
        assert _multiple(fill.price, tick), fill
        assert _multiple(fill.qty, contract.step), fill
        assert fill.qty >= contract.min_qty and fill.qty * fill.price >= contract.min_notional
    for trade in result.trades:
        assert _multiple(trade.exit_price, tick), trade
        if trade.reason == "liquidation":
            assert trade.exit_fee >= 0.0 and trade.pnl < 0.0, trade
    assert len(fills) == sum(t.levels for t in result.trades)
    if contract.tiers:
        # a liquidated position loses its margin and fees, and a margin is only committed out of
        # the free cash: the account never goes below zero (without tiers nothing is
        # liquidated, and a high leverage can sink it)
        per_level = Account().margin_per_asset() / p.num_levels
        for trade in result.trades:
            if trade.reason == "liquidation":
                assert trade.pnl == pytest.approx(-trade.levels * per_level)
        assert np.all(result.equity >= 0.0), result.equity.min()
