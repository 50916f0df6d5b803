"""Parity of the fast mono-position engine with the event-driven backtest.

For each of the seven mono strategies, hypothesis draws a market (a random walk with wide moves,
price gaps at the open, holes in the timeline, funding settlements, an open-interest series; most
with a tick size, their candles on its grid or not) and a few parameter combinations from the
strategy's grid in ``config/param_grids.yaml`` (with varied leverage and sides), plus costs, an
account and a window. The fast engine must make exactly the
trades ``domain.backtest.run_backtest`` makes, on the whole series and on the window (the same
``Trade`` records, so the same fingerprint), and ``batch_metrics`` must report the backtest's
Sharpe, return, drawdown, trades and wins. Deterministic scenarios then pin the guards (ruin,
margin), empty windows, a batch of combinations that share plan rows and prices on a tick grid.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import replace
from typing import Any

import msgspec
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.loader import load_settings
from domain.backtest import Account, run_backtest
from domain.contracts import Contract
from domain.execution import Costs
from domain.market import timeframe_ms
from domain.strategies import REGISTRY
from domain.strategies.params import MonoParams
from domain.strategies.plans import MarketArrays
from optimization.fast import mono, mono_nb
from tests.optimization.parity_kit import (
    RULES,
    TICKS,
    assert_same_metrics,
    compared,
    on_tick_grid,
    with_rules,
)

MONO = sorted(name for name, spec in REGISTRY.items() if spec.kind == "mono")
SETTINGS = load_settings()
T0 = 1_672_531_200_000  # 2023-01-01 00:00 UTC
FUNDING_MS = 8 * 3_600_000
EXAMPLES = 30

COSTS = (
    Costs(0.0, 0.0, 0.0),
    Costs.from_percent(0.02, 0.06, 0.05),
    Costs.from_percent(-0.01, 0.04, 0.0),
    Costs.from_percent(0.02, 0.1, 0.2),
)
ACCOUNTS = (
    Account(),
    Account(),
    Account(capital=2_000.0, assets=2),
    Account(max_asset_allocation=0.8),  # margin 8 000 > 70 % of 10 000: every entry blocked
)
SIDES = (("long", "short"), ("long", "short"), ("long",), ("short",))
LEVERAGES = (10, 10, 3, 50, 1000)  # 1000: any loss ruins the account
# per-candle volatilities; liquidation zones lie 4-10 % under the recent high: calm markets
# never reach them
VOLATILITIES = {"liquidation": (0.01, 0.025)}


def grid(name: str) -> list[MonoParams]:
    """Every combination of the strategy's grid, on top of its strategies.yaml parameters."""
    base = msgspec.structs.asdict(getattr(SETTINGS.strategies, name))
    values = SETTINGS.param_grids.grids[name]
    combos = itertools.product(*values.values())
    return [REGISTRY[name].parse(base | dict(zip(values, combo, strict=True))) for combo in combos]


GRIDS = {name: grid(name) for name in MONO}


def random_market(n: int, seed: int, tf_ms: int, vol: float) -> MarketArrays:
    """A random walk around 100: ``vol`` per candle plus rare jumps of several ``vol``, price
    gaps at the open, missing candles, volume spikes, 8-hourly funding and an open interest
    that builds up in bursts."""
    rng = np.random.default_rng(seed)
    steps = 1 + np.where(rng.random(n) < 0.03, rng.integers(1, 40, n), 0)
    ts = T0 + int(rng.integers(0, 96)) * tf_ms + np.cumsum(steps).astype(np.int64) * tf_ms
    moves = rng.normal(0.0, vol, n) + np.where(rng.random(n) < 0.03, rng.normal(0, 6 * vol, n), 0)
    close = 100.0 * np.exp(np.cumsum(moves))
    gaps = np.where(rng.random(n) < 0.15, rng.normal(0.0, 2 * vol, n), 0.0)
    open_ = np.concatenate(([100.0], close[:-1])) * np.exp(gaps)
    high = np.maximum(open_, close) * (1.0 + np.abs(rng.normal(0.0, vol / 2, n)))
    low = np.minimum(open_, close) * (1.0 - np.abs(rng.normal(0.0, vol / 2, n)))
    volume = rng.lognormal(3.0, 0.8, n) * np.where(rng.random(n) < 0.05, 5.0, 1.0)
    funding = np.where(ts % FUNDING_MS == 0, rng.normal(0.0, 0.0008, n), np.nan)
    drift = np.where(rng.random(n) < 0.3, 0.01, -0.004)
    open_interest = 1e6 * np.exp(np.cumsum(rng.normal(drift, 0.01, n)))
    return MarketArrays(
        ts, open_, high, low, close, volume, tf_ms, funding, {"open_interest": open_interest}
    )


@st.composite
def scenarios(draw: st.DrawFn, name: str) -> dict[str, Any]:
    n = draw(st.integers(200, 600))
    tf = draw(st.sampled_from(("5m", "15m", "1h", "4h")))
    vol = draw(st.sampled_from(VOLATILITIES.get(name, (0.0015, 0.004, 0.01, 0.025))))
    market = random_market(n, draw(st.integers(0, 2**32 - 1)), timeframe_ms(tf), vol)
    market = on_tick_grid(market, draw(st.sampled_from(TICKS)), candles=draw(st.booleans()))
    market = with_rules(market, draw(st.sampled_from(RULES)))
    combo = st.builds(
        lambda p, lev, s: msgspec.structs.replace(p, leverage=lev, sides=s),
        st.sampled_from(GRIDS[name]),
        st.sampled_from(LEVERAGES),
        st.sampled_from(SIDES),
    )
    start = draw(st.integers(0, n))
    return {
        "market": market,
        "combos": draw(st.lists(combo, min_size=1, max_size=3)),
        "costs": draw(st.sampled_from(COSTS)),
        "account": draw(st.sampled_from(ACCOUNTS)),
        "window": (start, draw(st.integers(start, n))),
    }


def check_parity(name: str, case: dict[str, Any], seen: Counter[str]) -> None:
    account = case["account"]
    for k, w, fast, made, slow in compared(name, case):
        seen["trades"] += len(made)
        seen["ruined"] += slow.ruined_ts is not None
        seen.update(t.reason for t in made)
        if w > 0:
            continue
        # once per combination
        if account.margin_per_asset() <= account.max_margin_ratio * account.capital:
            seen["traded"] += bool(fast.trades[k, 0])
            seen["combos"] += 1
        seen["sharpe"] += fast.sharpe[k, 0] != 0.0


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("name", MONO)
def test_fast_engine_makes_the_backtest_trades_and_metrics(name: str) -> None:
    seen: Counter[str] = Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case=scenarios(name))
    def check(case: dict[str, Any]) -> None:
        check_parity(name, case, seen)

    check()
    # the examples must mean something: many combinations trade, and stop-losses happen
    assert seen["trades"] >= EXAMPLES, seen
    assert seen["traded"] >= seen["combos"] // 3, seen
    assert seen["sl"] and seen["sharpe"], seen


# --- deterministic scenarios -------------------------------------------------------------------


def one_at_a_time(name: str) -> list[MonoParams]:
    """The grid's first combination and every single-parameter change of it: combinations that
    share most plan rows, which the plan table must keep apart correctly."""
    values = SETTINGS.param_grids.grids[name]
    first = GRIDS[name][0]
    combos = [first]
    for key, options in values.items():
        combos += [msgspec.structs.replace(first, **{key: v}) for v in options[1:]]
    return [
        *combos,
        msgspec.structs.replace(first, sides=("short",)),
        msgspec.structs.replace(first, leverage=3),
    ]


@pytest.mark.parametrize("name", MONO)
def test_a_batch_of_combinations_matches_the_backtest_cell_by_cell(name: str) -> None:
    market = random_market(500, 11, 3_600_000, 0.02)
    combos = one_at_a_time(name)
    windows = np.array([[0, 500], [100, 400], [350, 500], [250, 250]])
    costs = Costs.from_percent(0.02, 0.06, 0.05)
    fast = mono.batch_metrics(name, market, combos, windows, costs)
    traded = 0
    for k, params in enumerate(combos):
        for w, (s, e) in enumerate(windows.tolist()):
            slow = run_backtest(market.head(e), name, "X", params, costs, start=s)
            assert_same_metrics(fast, k, w, slow)
            traded += slow.metrics.trades
    assert traded >= len(combos)
    table = mono.PlanTable(name, market, Account().margin_per_asset())
    for params in combos:
        table.add(params)
    assert table.builds < len(combos)  # parts with repeated parameters are built once


def test_every_exit_reason_occurs_in_both_engines() -> None:
    """Every exit reason of the runner, each made by some strategy on a fixed market: at
    leverage 50 under a 5 % maintenance rate the liquidation price (under 3 % away) comes before
    the wider stops, and at 1 000 a small move ruins the account."""
    reasons: Counter[str] = Counter()
    costs = Costs.from_percent(0.02, 0.06, 0.05)
    for name, (seed, vol) in itertools.product(MONO, ((1, 0.0015), (2, 0.02))):
        market = random_market(400, seed, 3_600_000, vol)
        for params in GRIDS[name][:: len(GRIDS[name]) // 3]:
            for rules, leverage in (({}, params.leverage), (RULES[3], 50), ({}, 1000)):
                ruled = with_rules(market, rules)
                levered = msgspec.structs.replace(params, leverage=leverage)
                slow = run_backtest(ruled, name, "X", levered, costs)
                assert mono.trades(name, ruled, levered, costs) == slow.trades
                reasons.update(t.reason for t in slow.trades)
    assert set(reasons) == set(mono_nb.REASON_NAMES), reasons


@pytest.mark.parametrize("name", MONO)
def test_the_ruin_guard_stops_both_engines_at_the_same_close(name: str) -> None:
    market = random_market(400, 5, 3_600_000, 0.02)
    # a notional of 12.5 M on 10 000: its fees and any move of 0.1 % against it cost more than
    # the capital (at 1 000x, a small loss could leave too little cash for another margin, and
    # the account would stop trading instead of being ruined)
    params = msgspec.structs.replace(GRIDS[name][0], leverage=5000)
    costs = Costs.from_percent(0.02, 0.06, 0.05)
    slow = run_backtest(market, name, "X", params, costs)
    assert slow.ruined_ts is not None
    assert mono.trades(name, market, params, costs) == slow.trades
    assert slow.trades[-1].exit_ts == slow.ruined_ts
    fast = mono.batch_metrics(name, market, [params], np.array([[0, 400]]), costs)
    assert_same_metrics(fast, 0, 0, slow)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_a_ruin_at_exactly_zero_equity_gives_both_engines_a_nan_sharpe() -> None:
    # zero costs, 0.2 % stops at leverage 1000: two stop-losses of exactly 5 000 empty the account
    market = random_market(300, 300, 4 * 3_600_000, 0.025)
    params = msgspec.structs.replace(
        GRIDS["funding"][0], funding_threshold=0.001, tp_percent=0.2, sl_percent=0.2, leverage=1000
    )
    costs = Costs(0.0, 0.0, 0.0)
    slow = run_backtest(market, "funding", "X", params, costs)
    assert slow.metrics.final_equity == 0.0 and math.isnan(slow.metrics.sharpe)
    assert mono.trades("funding", market, params, costs) == slow.trades
    fast = mono.batch_metrics("funding", market, [params], np.array([[0, 300]]), costs)
    assert_same_metrics(fast, 0, 0, slow)


@pytest.mark.parametrize("name", MONO)
def test_the_margin_guard_blocks_every_entry_in_both_engines(name: str) -> None:
    market = random_market(300, 6, 3_600_000, 0.02)
    account = Account(max_asset_allocation=0.8)
    costs = Costs.from_percent(0.02, 0.06, 0.05)
    slow = run_backtest(market, name, "X", GRIDS[name][0], costs, account)
    assert slow.blocked > 0 and not slow.trades
    assert mono.trades(name, market, GRIDS[name][0], costs, account) == []
    fast = mono.batch_metrics(name, market, [GRIDS[name][0]], np.array([[0, 300]]), costs, account)
    assert_same_metrics(fast, 0, 0, slow)


@pytest.mark.parametrize("name", MONO)
def test_take_profits_and_stops_on_the_tick_grid_in_both_engines(name: str) -> None:
    """A coarse tick (0.05 on prices near 100) and candles on its grid: both engines round the
    take-profit and the stop of every entry the same way, so their resting exits (no slippage)
    fill on the grid, and the rounding changes trades against the same market without a tick."""
    tick = 0.05
    market = on_tick_grid(random_market(500, 17, 3_600_000, 0.015), tick)
    costs = Costs.from_percent(0.02, 0.06, 0.0)
    combos = GRIDS[name][:: max(1, len(GRIDS[name]) // 4)]
    fast = mono.batch_metrics(name, market, combos, np.array([[0, 500]]), costs)
    changed = exits = 0
    for k, params in enumerate(combos):
        slow = run_backtest(market, name, "X", params, costs)
        assert mono.trades(name, market, params, costs) == slow.trades
        assert_same_metrics(fast, k, 0, slow)
        for t in slow.trades:
            if t.reason in ("tp", "sl"):
                exits += 1
                assert round(t.exit_price / tick) * tick == pytest.approx(t.exit_price, abs=1e-9)
        unrounded = run_backtest(replace(market, contract=Contract()), name, "X", params, costs)
        changed += unrounded.trades != slow.trades
    assert exits and changed


def test_windows_outside_the_market_are_refused() -> None:
    market = random_market(50, 1, 3_600_000, 0.01)
    combos = [GRIDS["supertrend"][0]]
    costs = Costs(0.0, 0.0, 0.0)
    for bad in ([[0, 51]], [[-1, 10]], [[10, 5]], [0, 10]):
        with pytest.raises(ValueError, match="windows"):
            mono.batch_metrics("supertrend", market, combos, np.array(bad), costs)


# --- statistics kernels against domain.metrics ---------------------------------------------------
