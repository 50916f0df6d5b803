"""Parity of the fast grid engine with the event-driven backtest.

For each of the six grid strategies, hypothesis draws a market (a random walk with wide moves,
price gaps at the open, holes in the timeline, 8-hourly funding settlements; most of them with a
tick size, their candles on its grid or not) and one to three
parameter combinations from the strategy's grid in ``config/param_grids.yaml`` (with varied
leverage and sides), plus costs, an account and a window. The fast engine must make exactly the
trades ``domain.backtest.run_backtest`` makes, on the whole series and on the window (the same
``Trade`` records, so the same fingerprint), and ``batch_metrics`` must report the backtest's
Sharpe, return, drawdown, trades and wins for every combination and window of one batch.
Deterministic scenarios then pin the guards (ruin, margin), every exit reason, combinations
that share indicator rows, prices on a tick grid (and the take-profit a running-sum SMA puts two
ulp above a candle's high), the real BTC sample, and the kernels' helpers against their
references in ``domain``.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.files.csv_files import CandleFile, FundingFile, read_series_file
from config.loader import load_settings
from domain.backtest import Account, run_backtest
from domain.contracts import Contract
from domain.execution import Costs, exit_touched, limit_fill, market_fill, stop_fill
from domain.market import HOUR_MS, timeframe_ms
from domain.metrics import daily_returns, sharpe_ratio
from domain.strategies import REGISTRY, strategy
from domain.strategies.plans import MarketArrays, funding_at_candles
from domain.trades import fingerprint
from optimization.fast import grid, grid_nb, grid_prep, metrics_nb
from optimization.fast.grid_prep import GridStrategyParams, day_ends, parts, prepare
from tests.optimization.parity_kit import (
    RULES,
    TICKS,
    assert_same_metrics,
    compared,
    on_tick_grid,
    with_rules,
)

GRID = sorted(name for name, spec in REGISTRY.items() if spec.kind == "grid")
SETTINGS = load_settings()
SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
T0 = 1_672_531_200_000  # 2023-01-01 00:00 UTC
FUNDING_MS = 8 * HOUR_MS
EXAMPLES = 25

COSTS = (
    Costs(0.0, 0.0, 0.0),
    Costs.from_percent(0.02, 0.06, 0.05),
    Costs.from_percent(0.02, 0.06, 0.05),
    Costs.from_percent(-0.01, 0.04, 0.0),
    Costs.from_percent(0.02, 0.1, 0.3),
)
ACCOUNTS = (
    Account(),
    Account(),
    Account(capital=2_000.0, assets=2),
    # 10 000 of margin per asset against a 50 % guard: the deeper levels are refused
    Account(max_margin_ratio=0.5, max_asset_allocation=1.0),
)
SIDES = (("long",), ("short",), ("long", "short"))
LEVERAGES = (6, 6, 2, 25, 400)  # 400: a few percent against the grid ruins the account
# per-candle volatility: the envelopes sit 5-25 % from the SMA, the ATR levels 1-8 ATR away
VOLATILITIES = {
    "envelope_dca": (0.01, 0.03, 0.06),
    "envelope_dca_short": (0.01, 0.03, 0.06),
    # its 4h trend flip closes most grids before their stop: wilder markets reach the stop too
    "grid_multi_tf": (0.015, 0.04, 0.06),
}


def grid_combos(name: str) -> list[GridStrategyParams]:
    """Every combination of the strategy's grid, on top of its strategies.yaml parameters."""
    base = msgspec.structs.asdict(getattr(SETTINGS.strategies, name))
    values = SETTINGS.param_grids.grids[name]
    combos = itertools.product(*values.values())
    return [strategy(name).parse(base | dict(zip(values, combo, strict=True))) for combo in combos]


GRIDS = {name: grid_combos(name) for name in GRID}


def random_market(n: int, seed: int, tf_ms: int = HOUR_MS, vol: float = 0.02) -> MarketArrays:
    """A random walk around 100: ``vol`` per candle plus rare jumps of several ``vol``, price
    gaps at the open, missing candles and 8-hourly funding around a drifting mean (long spells of
    very negative funding, as grid_funding waits for)."""
    rng = np.random.default_rng(seed)
    steps = 1 + np.where(rng.random(n) < 0.03, rng.integers(1, 30, n), 0)
    ts = T0 + int(rng.integers(0, 96)) * tf_ms + np.cumsum(steps).astype(np.int64) * tf_ms
    moves = rng.normal(0.0, vol, n) + np.where(rng.random(n) < 0.03, rng.normal(0, 6 * vol, n), 0)
    close = 100.0 * np.exp(np.cumsum(moves))
    gaps = np.where(rng.random(n) < 0.15, rng.normal(0.0, 2 * vol, n), 0.0)
    open_ = np.concatenate(([100.0], close[:-1])) * np.exp(gaps)
    high = np.maximum(open_, close) * (1.0 + np.abs(rng.normal(0.0, vol, n)))
    low = np.minimum(open_, close) * (1.0 - np.abs(rng.normal(0.0, vol, n)))
    volume = rng.lognormal(3.0, 0.8, n)
    mean = np.repeat(rng.normal(-0.0004, 0.001, n // 50 + 1), 50)[:n]
    funding = np.where(ts % FUNDING_MS == 0, rng.normal(mean, 0.0006), np.nan)
    return MarketArrays(ts, open_, high, low, close, volume, tf_ms, funding)


def combos_of(name: str) -> st.SearchStrategy[Any]:
    """``name``'s parameter sets with a drawn leverage and sides (grid_funding keeps its own)."""
    return st.builds(
        lambda p, lev, s: msgspec.structs.replace(
            p, leverage=lev, sides=p.sides if name == "grid_funding" else s
        ),
        st.sampled_from(GRIDS[name]),
        st.sampled_from(LEVERAGES),
        st.sampled_from(SIDES),
    )


@st.composite
def scenarios(draw: st.DrawFn, name: str) -> dict[str, Any]:
    n = draw(st.integers(200, 600))
    tf = draw(st.sampled_from(("15m", "1h", "1h", "4h")))
    vol = draw(st.sampled_from(VOLATILITIES.get(name, (0.005, 0.015, 0.04))))
    market = random_market(n, draw(st.integers(0, 2**32 - 1)), timeframe_ms(tf), vol)
    market = on_tick_grid(market, draw(st.sampled_from(TICKS)), candles=draw(st.booleans()))
    market = with_rules(market, draw(st.sampled_from(RULES)))
    combo = combos_of(name)
    start = draw(st.integers(0, n))
    return {
        "market": market,
        "combos": draw(st.lists(combo, min_size=1, max_size=3)),
        "costs": draw(st.sampled_from(COSTS)),
        "account": draw(st.sampled_from(ACCOUNTS)),
        "window": (start, draw(st.integers(start, n))),
    }


def check_parity(name: str, case: dict[str, Any], seen: Counter[str]) -> None:
    for k, w, fast, made, slow in compared(name, case):
        seen["trades"] += len(made)
        seen["multi-level"] += sum(t.levels > 1 for t in made)
        seen["ruined"] += slow.ruined_ts is not None
        seen["blocked"] += slow.blocked > 0
        seen.update(t.reason for t in made)
        if w == 0:  # once per combination
            seen["sharpe"] += fast.sharpe[k, 0] != 0.0


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:divide by zero encountered:RuntimeWarning")
@pytest.mark.parametrize("name", GRID)
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
    # the examples must mean something: grids fill several levels, stops and exits happen
    assert seen["trades"] >= EXAMPLES and seen["multi-level"] and seen["sharpe"], seen
    assert seen["sl"] + seen["trail"] and seen["end"], seen


# --- deterministic scenarios -------------------------------------------------------------------


def one_at_a_time(name: str) -> list[GridStrategyParams]:
    """The grid's first combination and every single-parameter change of it: combinations that
    share most indicator rows, which the row table must keep apart correctly."""
    values = SETTINGS.param_grids.grids[name]
    first = GRIDS[name][0]
    combos = [first]
    for key, options in values.items():
        combos += [msgspec.structs.replace(first, **{key: v}) for v in options[1:]]
    if name != "grid_funding":
        combos += [
            msgspec.structs.replace(first, sides=("short",)),
            msgspec.structs.replace(first, sides=("long", "short")),
        ]
    return [*combos, msgspec.structs.replace(first, leverage=2)]


@pytest.mark.parametrize("name", GRID)
def test_a_batch_of_combinations_matches_the_backtest_cell_by_cell(name: str) -> None:
    market = random_market(500, 11, vol=0.03)
    combos = one_at_a_time(name)
    windows = np.array([[0, 500], [100, 400], [350, 500], [250, 250]])
    costs = Costs.from_percent(0.02, 0.06, 0.05)
    fast = grid.batch_metrics(name, market, combos, windows, costs)
    traded = 0
    for k, params in enumerate(combos):
        for w, (s, e) in enumerate(windows.tolist()):
            slow = run_backtest(market.head(e), name, "X", params, costs, start=s)
            assert_same_metrics(fast, k, w, slow)
            traded += slow.metrics.trades
    assert traded >= len(combos)
    inputs = prepare(name, market, combos, costs, Account())
    assert len(inputs.row_keys) < 2 * len(combos)  # rows of repeated periods are built once


def test_a_batch_split_by_the_table_budget_gives_the_same_metrics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    market = random_market(400, 12, vol=0.03)
    combos = GRIDS["grid_atr"][::97]
    windows = np.array([[0, 400], [150, 300]])
    costs = Costs.from_percent(0.02, 0.06, 0.05)
    whole = grid.batch_metrics("grid_atr", market, combos, windows, costs)
    inputs = prepare("grid_atr", market, combos, costs, Account())
    assert len(list(parts(inputs))) == 1 < len(inputs.flat_keys)
    monkeypatch.setattr(grid_prep, "REACH_BUDGET", 3 * 4 * 401)  # three setups per part
    assert len(list(parts(inputs))) == math.ceil(len(inputs.flat_keys) / 3)
    split = grid.batch_metrics("grid_atr", market, combos, windows, costs)
    for field in ("sharpe", "return_pct", "max_drawdown_pct", "trades", "wins"):
        np.testing.assert_array_equal(getattr(split, field), getattr(whole, field))


def test_every_exit_reason_occurs_in_both_engines() -> None:
    """Every exit reason of the runner, each made by some grid strategy on a fixed market: at
    leverage 25 under a 5 % maintenance rate the liquidation price (about 1 % away) comes long
    before the stops, and at 2 000 a small move ruins the account."""
    reasons: Counter[str] = Counter()
    costs = Costs.from_percent(0.02, 0.06, 0.05)
    for name, seed in itertools.product(GRID, (1, 2)):
        market = random_market(400, seed, vol=0.03)
        for params in GRIDS[name][:: max(1, len(GRIDS[name]) // 4)]:
            for rules, leverage in (({}, params.leverage), (RULES[3], 25), ({}, 2000)):
                ruled = with_rules(market, rules)
                levered = msgspec.structs.replace(params, leverage=leverage)
                slow = run_backtest(ruled, name, "X", levered, costs)
                assert grid.trades(name, ruled, levered, costs) == slow.trades
                reasons.update(t.reason for t in slow.trades)
    assert set(reasons) == set(grid_nb.REASON_NAMES), reasons


@pytest.mark.parametrize("name", GRID)
def test_the_ruin_guard_stops_both_engines_at_the_same_close(name: str) -> None:
    market = random_market(400, 8, vol=0.03)
    # a 0.6 % move against the grid ruins it
    params = msgspec.structs.replace(GRIDS[name][0], leverage=2000)
    costs = Costs.from_percent(0.02, 0.06, 0.05)
    slow = run_backtest(market, name, "X", params, costs)
    assert slow.ruined_ts is not None
    assert grid.trades(name, market, params, costs) == slow.trades
    assert slow.trades[-1].exit_ts == slow.ruined_ts
    fast = grid.batch_metrics(name, market, [params], np.array([[0, 400], [10, 300]]), costs)
    assert_same_metrics(fast, 0, 0, slow)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:divide by zero encountered:RuntimeWarning")
def test_a_ruin_at_exactly_zero_equity_gives_both_engines_a_nan_sharpe() -> None:
    # zero costs: two market buys of 10 000 notional at 100, then a close at 50 (the stop is
    # at 40) leaves exactly 0; the daily returns then divide by zero in both engines
    n = 72
    ts = T0 + np.arange(n, dtype=np.int64) * HOUR_MS
    flat, funding = np.full(n, 100.0), np.full(n, np.nan)
    low, close = flat.copy(), flat.copy()
    low[2] = close[2] = 50.0
    funding[0] = -0.01
    market = MarketArrays(ts, flat, flat, low, close, np.ones(n), HOUR_MS, funding)
    params = msgspec.structs.replace(
        GRIDS["grid_funding"][0],
        num_levels=2,
        sl_percent=60.0,
        leverage=8,
        tp_mode="funding_positive",
    )
    costs = Costs(0.0, 0.0, 0.0)
    slow = run_backtest(market, "grid_funding", "X", params, costs)
    assert slow.metrics.final_equity == 0.0 and math.isnan(slow.metrics.sharpe)
    assert grid.trades("grid_funding", market, params, costs) == slow.trades
    fast = grid.batch_metrics("grid_funding", market, [params], np.array([[0, n]]), costs)
    assert_same_metrics(fast, 0, 0, slow)


@pytest.mark.parametrize("name", GRID)
def test_the_margin_guard_refuses_the_same_levels_in_both_engines(name: str) -> None:
    market = random_market(400, 6, vol=0.03)
    account = Account(max_margin_ratio=0.5, max_asset_allocation=1.0)
    params = msgspec.structs.replace(GRIDS[name][0], num_levels=3)
    costs = Costs.from_percent(0.02, 0.06, 0.05)
    slow = run_backtest(market, name, "X", params, costs, account)
    assert slow.blocked > 0 and slow.trades
    assert max(t.levels for t in slow.trades) == 1  # 2 of 3 levels would need 6 667 > 5 000
    assert grid.trades(name, market, params, costs, account) == slow.trades
    fast = grid.batch_metrics(name, market, [params], np.array([[0, 400]]), costs, account)
    assert_same_metrics(fast, 0, 0, slow)


def test_a_candle_reaching_both_sides_opens_the_side_its_path_reaches_first() -> None:
    """A flat two-sided grid_atr runner and candles wide enough to touch the long and the short
    levels at once: green candles go low first (long), red ones high first (short)."""
    rng = np.random.default_rng(8)
    market = random_market(300, 8, vol=0.004)
    wide = rng.random(300) < 0.1
    high = np.where(wide, market.high * 1.08, market.high)
    low = np.where(wide, market.low * 0.92, market.low)
    market = MarketArrays(market.ts, market.open, high, low, market.close, market.volume,
                          market.tf_ms, market.funding)  # fmt: skip
    params = msgspec.structs.replace(
        GRIDS["grid_atr"][0], sides=("long", "short"), atr_multiplier_start=1.0
    )
    costs = Costs.from_percent(0.02, 0.06, 0.05)
    slow = run_backtest(market, "grid_atr", "X", params, costs)
    assert {t.side for t in slow.trades} == {1, -1}
    assert grid.trades("grid_atr", market, params, costs) == slow.trades


# --- prices on the tick grid --------------------------------------------------------------------


def on_grid(price: float, tick: float) -> bool:
    return round(price / tick) * tick == pytest.approx(price, abs=1e-9)


@pytest.mark.parametrize("name", GRID)
def test_levels_stops_and_take_profits_on_the_tick_grid_in_both_engines(name: str) -> None:
    """A coarse tick (0.05 on prices near 100) and candles on its grid: both engines round the
    levels, the take-profit, the stop and the trailing stop the same way, so resting exits (no
    slippage) fill on the grid, and the rounding changes trades against the same market
    without a tick."""
    tick = 0.05
    market = on_tick_grid(random_market(500, 21, vol=0.02), tick)
    costs = Costs.from_percent(0.02, 0.06, 0.0)
    combos = GRIDS[name][:: max(1, len(GRIDS[name]) // 6)]
    fast = grid.batch_metrics(name, market, combos, np.array([[0, 500], [120, 380]]), costs)
    changed = exits = 0
    for k, params in enumerate(combos):
        slow = run_backtest(market, name, "X", params, costs)
        assert grid.trades(name, market, params, costs) == slow.trades
        assert_same_metrics(fast, k, 0, slow)
        window = run_backtest(market.head(380), name, "X", params, costs, start=120)
        assert grid.trades(name, market, params, costs, start=120, end=380) == window.trades
        assert_same_metrics(fast, k, 1, window)
        for t in slow.trades:
            if t.reason in ("tp", "sl", "trail"):
                exits += 1
                assert on_grid(t.exit_price, tick), t
            if t.levels == 1 and name != "grid_funding":  # one limit level: its price
                assert on_grid(t.entry_price, tick), t
        unrounded = run_backtest(replace(market, contract=Contract()), name, "X", params, costs)
        changed += unrounded.trades != slow.trades
    assert exits and changed


def test_a_take_profit_two_ulp_above_the_high_fills_on_a_tick_in_both_engines() -> None:
    """The reported case in miniature (LTC/USDT:USDT, 2024-05-05 05:00, high 81.24): the
    3-candle SMA of 81.51, 80.98 and 81.23 is 81.24 in decimals, but the running sum makes it
    81.24000000000002. Without a tick the take-profit is two ulp above the candle's high and is
    missed; with the venue's 0.01 tick it is 81.24 and fills there."""
    rows = [  # open, high, low, close (decimal strings, as a venue sends them)
        ("81.40", "81.45", "81.35", "81.41"),
        ("81.41", "81.55", "81.38", "81.51"),
        ("81.51", "81.52", "80.95", "80.98"),
        ("80.98", "81.25", "79.50", "81.23"),  # dips to the level 0.98 x SMA = 79.674: filled
        ("81.23", "81.24", "81.10", "81.20"),  # the take-profit candle: high 81.24
        ("81.20", "81.10", "80.90", "81.00"),  # below every take-profit after it: the end
    ]
    n = len(rows)
    o, h, l, c = (np.array([float(r[k]) for r in rows]) for k in range(4))
    ts = T0 + np.arange(n, dtype=np.int64) * HOUR_MS
    plain = MarketArrays(ts, o, h, l, c, np.ones(n), HOUR_MS, np.full(n, np.nan))
    params = msgspec.structs.replace(
        SETTINGS.strategies.envelope_dca, ma_period=3, num_levels=1, envelope_start=0.02,
        envelope_step=0.01, sl_percent=20.0, leverage=1, sides=("long",),
    )  # fmt: skip
    costs = Costs.from_percent(0.02, 0.06, 0.05)
    # the premise: the take-profit resting during candle 4, unrounded, is above its high
    raw = strategy("envelope_dca").build(plain, params)
    assert raw.take_profit[4] > 81.24 == h[4]
    assert raw.take_profit[4] - 81.24 < 3 * math.ulp(81.24)

    missed = run_backtest(plain, "envelope_dca", "X", params, costs)
    assert [(t.reason, t.exit_ts) for t in missed.trades] == [("end", int(ts[5]))]
    assert grid.trades("envelope_dca", plain, params, costs) == missed.trades

    ticked = replace(plain, contract=Contract(tick=0.01))
    hit = run_backtest(ticked, "envelope_dca", "X", params, costs)
    (trade,) = hit.trades
    assert (trade.reason, trade.exit_ts) == ("tp", int(ts[4]))
    assert trade.exit_price == float("81.24")
    assert trade.entry_price == float("79.67")  # the level, 79.674, on the tick
    assert grid.trades("envelope_dca", ticked, params, costs) == hit.trades
    fast = grid.batch_metrics("envelope_dca", ticked, [params], np.array([[0, n]]), costs)
    assert_same_metrics(fast, 0, 0, hit)


@pytest.fixture(scope="module")
def btc_sample() -> MarketArrays:
    candles = read_series_file(SAMPLE / "BTC_USDT-1h.csv.gz")
    funding = read_series_file(SAMPLE / "BTC_USDT_USDT-funding.csv.gz")
    assert isinstance(candles, CandleFile) and isinstance(funding, FundingFile)
    rows = np.array(candles.rows, dtype=np.float64)
    ts = np.array([r[0] for r in candles.rows], dtype=np.int64)
    f_ts = np.array([r[0] for r in funding.rows], dtype=np.int64)
    f_rate = np.array([r[1] for r in funding.rows], dtype=np.float64)
    rate = funding_at_candles(ts, f_ts, f_rate, HOUR_MS)
    o, h, l, c, v = (np.ascontiguousarray(rows[:, k]) for k in range(1, 6))
    return MarketArrays(ts, o, h, l, c, v, HOUR_MS, rate)


@pytest.mark.parametrize("leverage", [6, 2])
def test_grid_atr_defaults_on_the_btc_sample(btc_sample: MarketArrays, leverage: int) -> None:
    """Three years of real BTC/USDT 1h with the perpetual's funding (about 660 grid cycles,
    most of them charged funding): the whole series from the warm-up on, and a 180-day window
    in its middle."""
    market, name = btc_sample, "grid_atr"
    params = msgspec.structs.replace(SETTINGS.strategies.grid_atr, leverage=leverage)
    costs = Costs.from_percent(0.02, 0.06, 0.05)
    start = strategy(name).warmup(params)
    windows = np.array([[start, len(market)], [9_000, 9_000 + 180 * 24]])
    fast = grid.batch_metrics(name, market, [params], windows, costs)
    for w, (s, e) in enumerate(windows.tolist()):
        slow = run_backtest(market.head(e), name, "X", params, costs, start=s)
        made = grid.trades(name, market, params, costs, start=s, end=e)
        assert len(made) > 20
        assert fingerprint(made) == slow.fingerprint
        assert made == slow.trades
        assert_same_metrics(fast, 0, w, slow)


def test_windows_outside_the_market_are_refused() -> None:
    market = random_market(50, 1)
    combos = [GRIDS["grid_atr"][0]]
    costs = Costs(0.0, 0.0, 0.0)
    for bad in ([[0, 51]], [[-1, 10]], [[10, 5]], [0, 10]):
        with pytest.raises(ValueError, match="windows"):
            grid.batch_metrics("grid_atr", market, combos, np.array(bad), costs)


def test_a_mono_strategy_is_refused() -> None:
    with pytest.raises(ValueError, match="no strategy 'supertrend'"):
        grid.trades("supertrend", random_market(50, 1), {}, Costs(0.0, 0.0, 0.0))


# --- the kernels' helpers against domain ---------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 700),
    seed=st.integers(0, 2**32 - 1),
    scale=st.sampled_from((1e-6, 1e-2, 1.0, 1e6)),
)
def test_pairwise_sum_is_bit_identical_to_numpy(n: int, seed: int, scale: float) -> None:
    values = np.random.default_rng(seed).normal(0.0, scale, n + 3)
    assert 0.0 + metrics_nb.pairwise_sum_1d_nb(values, 3, n) == np.sum(values[3:])


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 400), seed=st.integers(0, 2**32 - 1), flat=st.booleans())
def test_the_daily_sharpe_equals_domain_metrics(n: int, seed: int, flat: bool) -> None:
    rng = np.random.default_rng(seed)
    moves = rng.normal(0.0, 0.01, n) * (rng.random(n) < 0.3 if flat else 1.0)
    equity = 10_000.0 * np.exp(np.cumsum(moves))
    ts = T0 + np.cumsum(rng.integers(1, 30, n)) * HOUR_MS
    closes = equity[day_ends(ts).astype(bool)] if n else equity
    got = metrics_nb.sharpe_1d_nb(closes, len(closes), np.empty(len(closes) + 1))
    assert got == sharpe_ratio(daily_returns(ts, equity))


prices = st.floats(1.0, 200.0)


@settings(max_examples=200, deadline=None)
@given(
    side=st.sampled_from((1, -1)),
    o=prices,
    a=prices,
    b=prices,
    c=prices,
    tp=st.one_of(prices, st.just(math.nan)),
    stop=prices,
    slip=st.sampled_from((0.0, 0.0005, 0.01)),
)
def test_the_fill_and_path_rules_equal_domain_execution(
    side: int, o: float, a: float, b: float, c: float, tp: float, stop: float, slip: float
) -> None:
    h, l = max(o, a, b, c), min(o, a, b, c)
    expected = {"stop": 1, "tp": 2, "": -1}[exit_touched(side, o, h, l, c, tp, stop)]
    assert grid_nb.exit_touched_nb(side, o, h, l, c, tp, stop) == expected
    buying = side > 0
    assert grid_nb.stop_fill_nb(stop, o, buying, slip) == stop_fill(stop, o, buying, slip)
    assert grid_nb.market_fill_nb(o, buying, slip) == market_fill(o, buying, slip)
    if tp == tp:
        assert grid_nb.limit_fill_nb(tp, o, buying) == limit_fill(tp, o, buying)
