"""The screened grid kernel against the candle-by-candle one: identical results, bit for bit.

``grid_nb.window_nb`` has one switch, ``screen``: an open grid's quiet candles are found either
one candle at a time (``quiet_nb``, the oracle) or by ``screen_nb`` over blocks of candles. The
two must give the same metrics and the same trades everywhere: hypothesis draws markets,
combinations and windows for every grid strategy; ``screen_nb`` is checked against its
one-candle reference on random rows; and when ``../shared/data`` is present, every grid
strategy's whole grid runs on five years of real BTC/USDT 1h both ways.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.files.csv_files import CandleFile, FundingFile, read_series_file
from domain.execution import Costs
from domain.market import HOUR_MS
from domain.strategies.plans import MarketArrays, funding_at_candles
from domain.ticks import price_scale
from optimization.fast import grid, grid_nb
from tests.optimization.parity_kit import RULES, TICKS, on_tick_grid, with_rules
from tests.optimization.test_fast_grid_parity import GRID, GRIDS, combos_of, random_market

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
FIELDS = ("sharpe", "return_pct", "max_drawdown_pct", "trades", "wins")
COSTS = Costs.from_percent(0.02, 0.06, 0.05)


def assert_identical(name: str, market: MarketArrays, combos: list[Any], windows: Any) -> int:
    """Both kernels on every combination and window: equal arrays (NaN equal to NaN). Returns
    the number of trades, so a caller can insist the case meant something."""
    spans = np.asarray(windows, dtype=np.int64)
    old = grid.batch_metrics(name, market, combos, spans, COSTS, screened=False)
    new = grid.batch_metrics(name, market, combos, spans, COSTS, screened=True)
    for field in FIELDS:
        np.testing.assert_array_equal(getattr(new, field), getattr(old, field), err_msg=field)
    return int(old.trades.sum())


@st.composite
def cases(draw: st.DrawFn, name: str) -> dict[str, Any]:
    n = draw(st.integers(300, 900))
    market = random_market(
        n, draw(st.integers(0, 2**32 - 1)), vol=draw(st.sampled_from((0.01, 0.03)))
    )
    market = on_tick_grid(market, draw(st.sampled_from(TICKS)))
    market = with_rules(market, draw(st.sampled_from(RULES)))
    combo = combos_of(name)
    start = draw(st.integers(0, n))
    return {
        "market": market,
        "combos": draw(st.lists(combo, min_size=1, max_size=6)),
        "windows": [[0, n], [start, draw(st.integers(start, n))]],
    }


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:divide by zero encountered:RuntimeWarning")
@pytest.mark.parametrize("name", GRID)
def test_screened_and_candle_by_candle_kernels_agree_on_random_markets(name: str) -> None:
    traded = 0

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case=cases(name))
    def check(case: dict[str, Any]) -> None:
        nonlocal traded
        traded += assert_identical(name, case["market"], case["combos"], case["windows"])

    check()
    assert traded >= 20  # grids opened and closed: the quiet candles between were screened


@pytest.mark.parametrize("name", GRID)
def test_screened_and_candle_by_candle_kernels_make_the_same_trades(name: str) -> None:
    market = random_market(700, 5, vol=0.03)
    params = msgspec.structs.replace(GRIDS[name][0], leverage=6)
    old = grid.trades(name, market, params, COSTS, screened=False)
    new = grid.trades(name, market, params, COSTS, screened=True)
    assert old  # something to compare
    assert new == old


def _quiet_reference(args: tuple[Any, ...], u: int, top: int) -> int:
    """``screen_nb``'s contract, written with the one-candle test."""
    return next((v for v in range(u, top) if not grid_nb.quiet_nb(*args, np.uint64(v))), top)


@given(
    seed=st.integers(0, 2**32 - 1),
    kind=st.sampled_from(list(grid_nb.LevelKind)),
    trend_on=st.booleans(),
    side=st.sampled_from((1, -1)),
    more=st.booleans(),
    stop=st.floats(80.0, 120.0),
    c_next=st.floats(-2.0, 3.0),
    tick=st.sampled_from((0.0, 0.01, 0.5)),
    u=st.integers(0, 20),
)
@settings(max_examples=300, deadline=None)
def test_the_screen_finds_the_first_candle_that_is_not_quiet(
    seed: int, kind: int, trend_on: bool, side: int, more: bool, stop: float, c_next: float,
    tick: float, u: int,
) -> None:  # fmt: skip
    rng = np.random.default_rng(seed)
    n = 40
    # prices on a 0.5 grid, the stop too: candles touching it exactly are common
    mid = 100.0 + rng.normal(0.0, 5.0, n)
    low = np.round(2.0 * (mid - rng.random(n) * 8.0)) / 2.0
    high = np.round(2.0 * (mid + rng.random(n) * 8.0)) / 2.0
    stop = round(2.0 * stop) / 2.0
    anchor = 100.0 + rng.normal(0.0, 5.0, n)
    vol = np.abs(rng.normal(2.0, 1.0, n))
    trend = rng.choice([-1.0, 0.0, 1.0], n)
    signal = np.where(rng.random(n) < 0.05, 1.0, np.nan)
    tp = np.round(2.0 * (100.0 + side * rng.normal(8.0, 4.0, n))) / 2.0
    tp_row = np.where(rng.random(n) < 0.2, np.nan, tp)
    inv, step = price_scale(tick)
    args = (kind, trend_on, side, more, low, high, anchor, vol, trend, signal, tp_row, stop,
            c_next, inv, step)  # fmt: skip
    top = min(u + grid_nb.SCREEN_BLOCK, n)
    got = grid_nb.screen_nb(*args, np.uint64(u), np.uint64(top))
    assert int(got) == _quiet_reference(args, u, top)


@given(seed=st.integers(0, 2**32 - 1), side=st.sampled_from((1, -1)), u=st.integers(0, 30))
@settings(max_examples=200, deadline=None)
def test_a_nearer_trailing_stop_is_rechecked_on_the_screened_candles(
    seed: int, side: int, u: int
) -> None:
    rng = np.random.default_rng(seed)
    low = np.round(2.0 * (100.0 + rng.normal(0.0, 4.0, 40))) / 2.0
    high = low + np.round(2.0 * rng.random(40) * 6.0) / 2.0
    stop = 100.0 - side * 5.0
    touched = low <= stop if side > 0 else high >= stop
    top = 40
    expected = next((v for v in range(u, top) if touched[v]), top)
    assert (
        int(grid_nb.stop_touch_nb(side, low, high, stop, np.uint64(u), np.uint64(top))) == expected
    )


@pytest.fixture(scope="module")
def btc_five_years() -> MarketArrays:
    """Five years of real BTC/USDT 1h (the last 43,800 candles) with the perpetual's funding, as
    ``benchmarks/bench_fast_grid.py`` runs them (tick 0.01, Bitget's contract rules)."""
    candles_path = SHARED / "spot" / "BTC_USDT-1h.csv.gz"
    funding_path = SHARED / "funding" / "BTC_USDT_USDT-funding.csv.gz"
    if not (candles_path.is_file() and funding_path.is_file()):
        pytest.skip("../shared/data is not here")
    candles, funding = read_series_file(candles_path), read_series_file(funding_path)
    assert isinstance(candles, CandleFile) and isinstance(funding, FundingFile)
    kept = candles.rows[-5 * 365 * 24 :]
    rows = np.array(kept, dtype=np.float64)
    ts = np.array([r[0] for r in kept], dtype=np.int64)
    f_ts = np.array([r[0] for r in funding.rows], dtype=np.int64)
    f_rate = np.array([r[1] for r in funding.rows], dtype=np.float64)
    rate = funding_at_candles(ts, f_ts, f_rate, HOUR_MS)
    o, h, l, c, v = (np.ascontiguousarray(rows[:, k]) for k in range(1, 6))
    market = on_tick_grid(MarketArrays(ts, o, h, l, c, v, HOUR_MS, rate), 0.01, candles=False)
    return with_rules(market, RULES[2])  # Bitget's quantity step, minimums and margin tiers


@pytest.mark.parametrize("name", GRID)
def test_both_kernels_agree_on_five_years_of_btc(btc_five_years: MarketArrays, name: str) -> None:
    n = len(btc_five_years)
    windows = [[0, n], [n // 3, n // 3 + 240 * 24]]
    assert assert_identical(name, btc_five_years, GRIDS[name], windows) > 1000
