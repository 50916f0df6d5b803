"""The reference grid_atr kernel (``grid_reference_nb``) against the production grid kernel.

Every figure both compute (Sharpe, return %, max drawdown %, trades, wins per combination and
window) must be **exactly** equal, not within a tolerance: both follow the rules with the same
IEEE operations in the same order (level = SMA - ATR x (start + k x step), fills at min(level,
open), sums in fill order, Sharpe with NumPy's pairwise summation), and no ``fastmath``
reorders them, so any difference is a disagreement about a rule. The event-driven backtest
(``domain.backtest.run_backtest``) arbitrates on random cases too. The reference's three modes
(plain, screened, flat stretches skipped) must agree exactly as well. Cases: random markets
(hypothesis), the shipped BTC sample, and five years of real BTC from ``../shared/data`` when it
is there. No contract rules, no funding: the reference's scope.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.files.csv_files import CandleFile, read_series_file
from domain.backtest import Account, run_backtest
from domain.contracts import Contract
from domain.execution import Costs
from domain.market import HOUR_MS
from domain.strategies.plans import MarketArrays
from optimization.fast import grid
from tests.optimization.grid_reference_nb import (
    PLAIN,
    SCREENED,
    SKIPPED,
    level_nb,
    reference_inputs,
    reference_metrics,
    screen_nb,
)
from tests.optimization.test_fast_grid_parity import (
    ACCOUNTS,
    COSTS,
    GRIDS,
    SAMPLE,
    combos_of,
    random_market,
)

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
FIELDS = ("sharpe", "return_pct", "max_drawdown_pct", "trades", "wins")  # reference columns
ALL_COMBOS = GRIDS["grid_atr"]  # param_grids.yaml: 3,240 combinations


def spot(market: MarketArrays) -> MarketArrays:
    """``market`` without funding and without contract rules: the reference's scope."""
    return replace(market, funding=np.full(len(market), np.nan), contract=Contract())


def read_candles(path: Path, last: int | None = None) -> MarketArrays:
    """A normalized candle file (its last ``last`` candles) as a spot market."""
    candles = read_series_file(path)
    assert isinstance(candles, CandleFile)
    kept = candles.rows[-last:] if last else candles.rows
    rows = np.array(kept, dtype=np.float64)
    ts = np.array([r[0] for r in kept], dtype=np.int64)
    o, h, l, c, v = (np.ascontiguousarray(rows[:, k]) for k in range(1, 6))
    return spot(MarketArrays(ts, o, h, l, c, v, HOUR_MS, np.empty(0)))


def production(
    market: MarketArrays, combos: list[Any], windows: Any, costs: Costs, account: Account
) -> np.ndarray:
    """The production kernel's figures as a (combos, windows, 5) array in the reference's
    column order."""
    m = grid.batch_metrics("grid_atr", market, combos, np.asarray(windows), costs, account)
    return np.stack([getattr(m, f).astype(np.float64) for f in FIELDS], axis=2)


def reference(
    market: MarketArrays,
    combos: list[Any],
    windows: Any,
    costs: Costs,
    account: Account,
    mode: int = SCREENED,
) -> np.ndarray:
    inputs = reference_inputs(market, combos, costs, account)
    return reference_metrics(inputs, np.asarray(windows), mode)


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(200, 700))
    market = random_market(
        n, draw(st.integers(0, 2**32 - 1)), vol=draw(st.sampled_from((0.005, 0.015, 0.04)))
    )
    start = draw(st.integers(0, n))
    return {
        "market": spot(market),
        # leverages up to 400: a few percent against the grid ruins the account
        "combos": draw(st.lists(combos_of("grid_atr"), min_size=1, max_size=4)),
        "windows": [[0, n], [start, draw(st.integers(start, n))]],
        "costs": draw(st.sampled_from(COSTS)),
        "account": draw(st.sampled_from(ACCOUNTS)),
    }


RANDOM = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:divide by zero encountered:RuntimeWarning")
def test_the_reference_equals_the_production_kernel_on_random_markets() -> None:
    trades = ruined = 0

    @RANDOM
    @given(case=cases())
    def check(case: dict[str, Any]) -> None:
        nonlocal trades, ruined
        args = (case["market"], case["combos"], case["windows"], case["costs"], case["account"])
        ours = reference(*args)
        np.testing.assert_array_equal(ours, production(*args))
        trades += int(ours[:, :, 3].sum())
        ruined += int((ours[:, :, 1] <= -100.0).sum())

    check()
    assert trades >= 100 and ruined  # the cases meant something: cycles, and ruins too


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:divide by zero encountered:RuntimeWarning")
def test_the_references_three_modes_agree_on_random_markets() -> None:
    @RANDOM
    @given(case=cases())
    def check(case: dict[str, Any]) -> None:
        args = (case["market"], case["combos"], case["windows"], case["costs"], case["account"])
        plain = reference(*args, mode=PLAIN)
        np.testing.assert_array_equal(reference(*args, mode=SCREENED), plain)
        np.testing.assert_array_equal(reference(*args, mode=SKIPPED), plain)

    check()


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:divide by zero encountered:RuntimeWarning")
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_the_reference_equals_the_event_driven_backtest(case: dict[str, Any]) -> None:
    """The arbiter, independent of both kernels: ``run_backtest`` over ``market.head(end)``."""
    market, costs, account = case["market"], case["costs"], case["account"]
    params = case["combos"][0]
    start, end = case["windows"][1]
    ours = reference(market, [params], [[start, end]], costs, account)[0, 0]
    if end == start:
        assert ours.tolist() == [0.0, 0.0, 0.0, 0.0, 0.0]
        return
    slow = run_backtest(market.head(end), "grid_atr", "X", params, costs, account, start=start)
    m = slow.metrics
    wins = sum(t.pnl > 0 for t in slow.trades)
    assert ours.tolist() == [m.sharpe, m.return_pct, m.max_drawdown_pct, m.trades, wins]


def _can_happen(side: int, more: int, coef: float, stop: float, v: int, rows: Any) -> bool:
    """The screen's contract for one candle, written with branches."""
    low, high, mid, vol = rows
    if side == 0:
        buys = bool(more & 1) and low[v] <= level_nb(1, mid[v], vol[v], coef)
        return buys or (bool(more & 2) and high[v] >= level_nb(-1, mid[v], vol[v], coef))
    level = level_nb(side, mid[v], vol[v], coef)
    if side > 0:
        return low[v] <= stop or high[v] >= mid[v] or (bool(more) and low[v] <= level)
    return high[v] >= stop or low[v] <= mid[v] or (bool(more) and high[v] >= level)


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    side=st.sampled_from((0, 1, -1)),
    more=st.integers(0, 3),
    coef=st.sampled_from((0.5, 2.0, 40.0)),  # 40 ATRs below the SMA: a long level <= 0
    stop=st.floats(85.0, 115.0),
    u=st.integers(0, 30),
    width=st.integers(0, 20),
)
def test_the_screen_finds_the_first_candle_where_something_can_happen(
    seed: int, side: int, more: int, coef: float, stop: float, u: int, width: int
) -> None:
    rng = np.random.default_rng(seed)
    n = 50
    # prices on a 0.5 grid: touches at exactly the stop or the SMA are common
    mid = np.round(2.0 * (100.0 + rng.normal(0.0, 3.0, n))) / 2.0
    mid[rng.random(n) < 0.1] = np.nan  # the warm-up: no level, no take-profit
    vol = np.abs(rng.normal(2.0, 1.0, n))
    low = np.round(2.0 * (mid - rng.random(n) * 10.0)) / 2.0
    high = np.round(2.0 * (mid + rng.random(n) * 10.0)) / 2.0
    stop = round(2.0 * stop) / 2.0
    top = min(u + width, n)
    rows = (low, high, mid, vol)
    expected = next((v for v in range(u, top) if _can_happen(side, more, coef, stop, v, rows)), top)
    assert screen_nb(side, more, coef, stop, low, high, mid, vol, u, top) == expected


def _flat_then_96(n: int = 23) -> tuple[np.ndarray, np.ndarray]:
    """Closes and lows of 20 candles at 100 (range 2), then one at 96 with a low of 95, then
    candles at 100."""
    close, low = np.full(n, 100.0), np.full(n, 99.0)
    low[20], close[20] = 95.0, 96.0
    return close, low


def _long_grid(close: np.ndarray, low: np.ndarray) -> np.ndarray:
    """The reference's figures for one long grid_atr grid (SMA and ATR of 10, levels at 2 and 3
    ATR, stop 10 %, leverage 3) on candles opening at their close, highs at 101, no costs."""
    n = len(close)
    ts = 1_672_531_200_000 + np.arange(n, dtype=np.int64) * HOUR_MS
    high = np.full(n, 101.0)
    market = MarketArrays(
        ts, close.copy(), high, low, close, np.ones(n), HOUR_MS, np.full(n, np.nan)
    )
    params = msgspec.structs.replace(
        ALL_COMBOS[0], ma_period=10, atr_period=10, atr_multiplier_start=2.0,
        atr_multiplier_step=1.0, num_levels=2, sl_percent=10.0, leverage=3, sides=("long",),
    )  # fmt: skip
    return reference(market, [params], [[0, n]], Costs(0.0, 0.0, 0.0), Account())[0, 0]


def test_a_long_grid_fills_one_level_and_takes_profit_at_the_open() -> None:
    """By hand: 20 candles at 100 with a range of 2 (SMA 100, ATR 2), then one opening and
    closing at 96 with a low of 95 (levels 100 - 2 x 2 = 96 and 100 - 2 x 3 = 94: only 96
    fills), then one opening at 100, above the take-profit (the SMA of closes 11-20, 99.6): the
    sell limit fills at the open. Margin per level 25 % x 10 000 / 2 at leverage 3, no costs."""
    close, low = _flat_then_96()
    out = _long_grid(close, low)
    qty = 2_500.0 / 2 * 3 / 96.0
    assert out[3] == 1 and out[4] == 1
    assert out[1] == pytest.approx(qty * (100.0 - 96.0) / 10_000.0 * 100.0, rel=1e-12)


def test_a_doji_touching_the_stop_and_the_take_profit_stops_a_long() -> None:
    """The same grid filled at 96 (stop 10 % below: 86.4), then a candle opening and closing at
    99 that spans 86 to 101: close >= open reads as low first, so the long is stopped at 86.4."""
    close, low = _flat_then_96()
    close[21], low[21] = 99.0, 86.0
    out = _long_grid(close, low)
    qty = 2_500.0 / 2 * 3 / 96.0
    assert out[3] == 1 and out[4] == 0
    assert out[1] == pytest.approx(qty * (86.4 - 96.0) / 10_000.0 * 100.0, rel=1e-12)


def test_contract_rules_and_funding_are_out_of_scope() -> None:
    market = spot(random_market(50, 1))
    costs, combos = Costs(0.0, 0.0, 0.0), ALL_COMBOS[:1]
    with pytest.raises(ValueError, match="no contract rules"):
        reference_inputs(replace(market, contract=Contract(tick=0.01)), combos, costs, Account())
    with pytest.raises(ValueError, match="no funding"):
        reference_inputs(replace(market, funding=np.zeros(50)), combos, costs, Account())


@pytest.mark.parametrize("mode", [PLAIN, SCREENED, SKIPPED])
def test_the_whole_grid_on_the_btc_sample(mode: int) -> None:
    """The shipped three years of BTC/USDT 1h, grid_atr's 3,240 combinations, the whole span and
    a 240-day window."""
    market = read_candles(SAMPLE / "BTC_USDT-1h.csv.gz")
    n = len(market)
    windows = [[0, n], [n // 2, n // 2 + 240 * 24]]
    costs, account = Costs.from_percent(0.02, 0.06, 0.05), Account()
    ours = reference(market, ALL_COMBOS, windows, costs, account, mode)
    np.testing.assert_array_equal(ours, production(market, ALL_COMBOS, windows, costs, account))
    assert ours[:, :, 3].sum() > 100_000


def test_the_whole_grid_on_five_years_of_btc() -> None:
    path = SHARED / "spot" / "BTC_USDT-1h.csv.gz"
    if not path.is_file():
        pytest.skip("../shared/data is not here")
    market = read_candles(path, last=5 * 365 * 24)
    n = len(market)
    windows = [[0, n], [n // 3, n // 3 + 240 * 24]]
    costs, account = Costs.from_percent(0.02, 0.06, 0.05), Account()
    ours = reference(market, ALL_COMBOS, windows, costs, account)
    np.testing.assert_array_equal(ours, production(market, ALL_COMBOS, windows, costs, account))
    for mode in (PLAIN, SKIPPED):
        np.testing.assert_array_equal(
            ours, reference(market, ALL_COMBOS, windows, costs, account, mode), err_msg=str(mode)
        )
