"""Indicator kernels: slow references, hand-computed values, textbook properties, causality."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import domain.indicators as ind
from domain.market import HOUR_MS
from tests.domain import reference_indicators as ref
from tests.stubs import T0

NAN = math.nan
MINUTE_MS = 60_000
DAY_MS = 24 * HOUR_MS
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Candles:
    ts: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    def head(self, k: int) -> Candles:
        return Candles(*(a[:k] for a in self.arrays()))

    def arrays(self) -> tuple[np.ndarray, ...]:
        return self.ts, self.open, self.high, self.low, self.close, self.volume

    def lists(self) -> tuple[list, ...]:
        return tuple(a.tolist() for a in self.arrays())


@st.composite
def candles(draw: st.DrawFn, max_size: int = 300, tf_ms: int = HOUR_MS) -> Candles:
    """Valid OHLCV: a random walk of positive prices, wicks around open/close, gaps in time.

    Hypothesis draws the length, the start and every close-to-close move (so it can shrink a
    failure to a short, simple path); the rest comes from a generator seeded by a drawn seed,
    which keeps 100 examples of up to 300 candles fast.
    """
    size = draw(st.integers(0, max_size))
    moves = np.array(draw(st.lists(st.floats(-0.1, 0.1), min_size=size, max_size=size)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    start = T0 + draw(st.integers(0, 100)) * tf_ms
    first = draw(st.floats(1.0, 1e5))

    def some(p: float) -> np.ndarray:  # mask: exact ties (no gap, no wick, no volume) stay common
        return rng.random(size) < p

    close = first * np.exp(np.cumsum(moves))
    previous = np.concatenate([[first], close[:-1]])
    open_ = previous * np.exp(rng.uniform(-0.02, 0.02, size) * some(0.3))
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.05, size) * some(0.8))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.05, size) * some(0.8))
    volume = rng.uniform(0, 1e6, size) * some(0.9)
    if draw(st.booleans(), label="on a tick grid"):  # exact ties between prices, as on a venue
        tick = first / 1000
        grid = [np.round(a / tick) * tick for a in (open_, high, low, close)]
        if size == 0 or grid[2].min() > 0:  # rounding is monotonic, so h >= o, c >= l still holds
            open_, high, low, close = grid
    steps = rng.choice(np.array([1, 1, 1, 1, 1, 1, 2, 3], dtype=np.int64), size)
    ts = start + (np.cumsum(steps) - (steps[0] if size else 0)) * tf_ms
    return Candles(ts.astype(np.int64), open_, high, low, close, volume)


periods = st.integers(1, 50)
factors = st.floats(0.0, 5.0)


def assert_matches(actual: object, expected: object) -> None:
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected), "NaN positions differ")
    np.testing.assert_allclose(actual, expected, rtol=1e-9)


# name -> (fast, slow); both take (candles, period, factor) and return a tuple of series
Pair = tuple[Callable[..., tuple], Callable[..., tuple]]
INDICATORS: dict[str, Pair] = {
    "sma": (
        lambda c, n, k: (ind.sma(c.close, n),),
        lambda c, n, k: (ref.sma(c.close.tolist(), n),),
    ),
    "ema": (
        lambda c, n, k: (ind.ema(c.close, n),),
        lambda c, n, k: (ref.ema(c.close.tolist(), n),),
    ),
    "rolling_std": (
        lambda c, n, k: (ind.rolling_std(c.close, n),),
        lambda c, n, k: (ref.rolling_std(c.close.tolist(), n),),
    ),
    "rsi": (
        lambda c, n, k: (ind.rsi(c.close, n),),
        lambda c, n, k: (ref.rsi(c.close.tolist(), n),),
    ),
    "true_range": (
        lambda c, n, k: (ind.true_range(c.high, c.low, c.close),),
        lambda c, n, k: (ref.true_range(*c.lists()[2:5]),),
    ),
    "atr": (
        lambda c, n, k: (ind.atr(c.high, c.low, c.close, n),),
        lambda c, n, k: (ref.atr(*c.lists()[2:5], n),),
    ),
    "adx": (
        lambda c, n, k: tuple(ind.adx(c.high, c.low, c.close, n)),
        lambda c, n, k: ref.adx(*c.lists()[2:5], n),
    ),
    "supertrend": (
        lambda c, n, k: tuple(ind.supertrend(c.high, c.low, c.close, n, k)),
        lambda c, n, k: ref.supertrend(*c.lists()[2:5], n, k),
    ),
    "bollinger": (
        lambda c, n, k: tuple(ind.bollinger(c.close, n, k)),
        lambda c, n, k: ref.bollinger(c.close.tolist(), n, k),
    ),
    "donchian": (
        lambda c, n, k: tuple(ind.donchian(c.high, c.low, n)),
        lambda c, n, k: ref.donchian(c.high.tolist(), c.low.tolist(), n),
    ),
    "vwap": (
        lambda c, n, k: (ind.vwap(c.ts, c.high, c.low, c.close, c.volume),),
        lambda c, n, k: (ref.vwap(c.ts.tolist(), *c.lists()[2:6]),),
    ),
}


# --- kernels against the slow references ------------------------------------------------------


@pytest.mark.parametrize("name", sorted(INDICATORS))
@FAST
@given(c=candles(), n=periods, k=factors)
def test_kernel_equals_its_reference(name: str, c: Candles, n: int, k: float) -> None:
    fast, slow = INDICATORS[name]
    outputs, expected = fast(c, n, k), slow(c, n, k)
    assert len(outputs) == len(expected)
    for actual, wanted in zip(outputs, expected, strict=True):
        assert_matches(actual, wanted)


@FAST
@given(
    x=st.lists(st.one_of(st.floats(1, 1000), st.just(NAN)), max_size=300),
    n=periods,
)
def test_sma_gives_nan_exactly_for_windows_holding_a_nan(x: list[float], n: int) -> None:
    assert_matches(ind.sma(x, n), ref.sma(x, n))


def test_sma_does_not_drift_over_a_long_series() -> None:
    rng = np.random.default_rng(7)
    x = 30_000 * np.exp(np.cumsum(rng.normal(0, 0.01, 200_000)))
    for n in (3, 20, 200):
        direct = np.lib.stride_tricks.sliding_window_view(x, n).sum(axis=1) / n
        np.testing.assert_allclose(ind.sma(x, n)[n - 1 :], direct, rtol=1e-13)


@pytest.mark.parametrize(
    ("tf_ms", "target_ms"),
    [(HOUR_MS, 4 * HOUR_MS), (5 * MINUTE_MS, 15 * MINUTE_MS), (HOUR_MS, DAY_MS)],
)
@FAST
@given(data=st.data())
def test_resample_equals_its_reference(tf_ms: int, target_ms: int, data: st.DataObject) -> None:
    c = data.draw(candles(tf_ms=tf_ms))
    out = ind.resample(*c.arrays(), tf_ms, target_ms)
    buckets, closed = ref.resample(*c.lists(), tf_ms, target_ms)
    assert out.ts.tolist() == [row[0] for row in buckets]
    for col, values in enumerate((out.open, out.high, out.low, out.close, out.volume), start=1):
        assert_matches(values, [row[col] for row in buckets])
    assert out.closed_index.tolist() == closed


# --- causality: truncating the future never changes the past ----------------------------------

KERNELS: dict[str, Callable[[Candles, int, float], tuple]] = {
    "sma_nb": lambda c, n, k: (ind.sma_nb(c.close, n),),
    "ema_nb": lambda c, n, k: (ind.ema_nb(c.close, n),),
    "wilder_mean_nb": lambda c, n, k: (ind.wilder_mean_nb(c.close, n, 1),),
    "rolling_std_nb": lambda c, n, k: (ind.rolling_std_nb(c.close, n),),
    "rsi_nb": lambda c, n, k: (ind.rsi_nb(c.close, n),),
    "true_range_nb": lambda c, n, k: (ind.true_range_nb(c.high, c.low, c.close),),
    "atr_nb": lambda c, n, k: (ind.atr_nb(c.high, c.low, c.close, n),),
    "adx_nb": lambda c, n, k: ind.adx_nb(c.high, c.low, c.close, n),
    "supertrend_nb": lambda c, n, k: ind.supertrend_nb(c.high, c.low, c.close, n, k),
    "bollinger_nb": lambda c, n, k: ind.bollinger_nb(c.close, n, k),
    "donchian_nb": lambda c, n, k: ind.donchian_nb(c.high, c.low, n),
    "vwap_nb": lambda c, n, k: (ind.vwap_nb(c.ts, c.high, c.low, c.close, c.volume),),
    "resample_nb+align_closed_nb": lambda c, n, k: _supertrend_4h_on_1h(c, n, k),
}


def _supertrend_4h_on_1h(c: Candles, n: int, k: float) -> tuple:
    """What grid_multi_tf does: a 4h SuperTrend from 1h candles, seen from each 1h candle."""
    b = ind.resample_nb(*c.arrays(), HOUR_MS, 4 * HOUR_MS)
    line, direction = ind.supertrend_nb(b[2], b[3], b[4], n, k)
    closed = b[6]
    return closed, ind.align_closed_nb(line, closed), ind.align_closed_nb(direction, closed)


@pytest.mark.parametrize("name", sorted(KERNELS))
@FAST
@given(c=candles(), n=periods, k=factors, data=st.data())
def test_kernel_is_causal(name: str, c: Candles, n: int, k: float, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(c.close)), label="cut")
    full, head = KERNELS[name](c, n, k), KERNELS[name](c.head(cut), n, k)
    for whole, prefix in zip(full, head, strict=True):
        np.testing.assert_array_equal(prefix, whole[:cut])


@FAST
@given(c=candles(), data=st.data())
def test_resample_complete_buckets_do_not_change_when_the_future_is_cut(
    c: Candles, data: st.DataObject
) -> None:
    cut = data.draw(st.integers(0, len(c.close)), label="cut")
    full = ind.resample(*c.arrays(), HOUR_MS, 4 * HOUR_MS)
    head = ind.resample(*c.head(cut).arrays(), HOUR_MS, 4 * HOUR_MS)
    np.testing.assert_array_equal(head.closed_index, full.closed_index[:cut])
    complete = int(head.closed_index[-1]) + 1 if cut else 0
    for partial, whole in zip(head[:6], full[:6], strict=True):
        np.testing.assert_array_equal(partial[:complete], whole[:complete])


# --- resample: alignment, missing candles, no look-ahead --------------------------------------


@FAST
@given(c=candles())
def test_resample_buckets_are_utc_aligned_and_contain_their_candles(c: Candles) -> None:
    out = ind.resample(*c.arrays(), HOUR_MS, 4 * HOUR_MS)
    assert np.all(out.ts % (4 * HOUR_MS) == 0)
    assert np.all(np.diff(out.ts) > 0)
    assert out.volume.sum() == pytest.approx(c.volume.sum(), rel=1e-12)
    owner = np.searchsorted(out.ts, c.ts, side="right") - 1
    assert np.all((out.ts[owner] <= c.ts) & (c.ts < out.ts[owner] + 4 * HOUR_MS))


@FAST
@given(c=candles())
def test_closed_index_never_points_to_a_bucket_ending_after_the_candle_closes(c: Candles) -> None:
    out = ind.resample(*c.arrays(), HOUR_MS, 4 * HOUR_MS)
    seen = out.closed_index >= 0
    ends = out.ts[out.closed_index[seen]] + 4 * HOUR_MS
    assert np.all(ends <= c.ts[seen] + HOUR_MS)
    # ... and it is the latest such bucket: the next one has not ended yet
    following = out.closed_index + 1
    has_next = following < len(out.ts)
    assert np.all(out.ts[following[has_next]] + 4 * HOUR_MS > c.ts[has_next] + HOUR_MS)
    assert np.all(np.diff(out.closed_index) >= 0)


def test_resample_builds_buckets_from_the_candles_present() -> None:
    # 1h candles at 02:00, 03:00 | 04:00, 05:00, (06:00 missing), 07:00 | 08:00 (UTC)
    hours = [2, 3, 4, 5, 7, 8]
    ts = [T0 + h * HOUR_MS for h in hours]
    o = [10.0, 11.0, 12.0, 13.0, 14.0, 15.0]
    h = [10.5, 11.5, 12.5, 13.5, 14.5, 15.5]
    lo = [9.5, 10.5, 11.5, 12.5, 13.5, 14.5]
    c = [11.0, 12.0, 13.0, 14.0, 15.0, 16.0]
    v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    out = ind.resample(ts, o, h, lo, c, v, HOUR_MS, 4 * HOUR_MS)
    assert out.ts.tolist() == [T0, T0 + 4 * HOUR_MS, T0 + 8 * HOUR_MS]
    assert out.open.tolist() == [10.0, 12.0, 15.0]
    assert out.high.tolist() == [11.5, 14.5, 15.5]
    assert out.low.tolist() == [9.5, 11.5, 14.5]
    assert out.close.tolist() == [12.0, 15.0, 16.0]
    assert out.volume.tolist() == [3.0, 12.0, 6.0]
    # 02:00 closes 03:00 (first bucket open until 04:00); 03:00 closes it. The 4h bucket with the
    # missing 06:00 candle is complete when 07:00 closes at 08:00. The 08:00 bucket never is.
    assert out.closed_index.tolist() == [-1, 0, 0, 0, 1, 1]
    assert_matches(ind.align_closed(out.close, out.closed_index), [NAN, 12, 12, 12, 15, 15])


# --- hand-computed examples -------------------------------------------------------------------

SERIES = [1.0, 3.0, 2.0, 4.0, 6.0, 5.0]


def test_sma_by_hand() -> None:
    # n=3: (1+3+2)/3=2, (3+2+4)/3=3, (2+4+6)/3=4, (4+6+5)/3=5
    assert_matches(ind.sma(SERIES, 3), [NAN, NAN, 2, 3, 4, 5])


def test_ema_by_hand() -> None:
    # n=3, alpha=0.5, seed at i=2 = sma = 2; then 0.5*4+0.5*2=3, 0.5*6+0.5*3=4.5, 0.5*5+0.5*4.5=4.75
    assert_matches(ind.ema(SERIES, 3), [NAN, NAN, 2, 3, 4.5, 4.75])


def test_rsi_by_hand() -> None:
    # n=3, changes 2,-1,2,2,-1. At i=3: gain (2+0+2)/3=4/3, loss 1/3, RS=4 -> 80.
    # i=4: gain (4/3*2+2)/3=14/9, loss (1/3*2)/3=2/9, RS=7 -> 87.5.
    # i=5: gain (14/9*2)/3=28/27, loss (2/9*2+1)/3=13/27, RS=28/13 -> 100-1300/41 = 2800/41.
    assert_matches(ind.rsi(SERIES, 3), [NAN, NAN, NAN, 80, 87.5, 2800 / 41])


def test_atr_by_hand() -> None:
    high, low, close = [10, 11, 13, 12.6], [8, 9, 12, 11], [9, 10.5, 12.5, 11.5]
    # TR: 10-8=2; max(2, |11-9|, |9-9|)=2; gap up max(1, |13-10.5|=2.5, 1.5)=2.5;
    # max(1.6, |12.6-12.5|=0.1, |11-12.5|=1.5)=1.6. n=2: ATR[1]=(2+2)/2=2,
    # ATR[2]=(2*1+2.5)/2=2.25, ATR[3]=(2.25*1+1.6)/2=1.925
    assert_matches(ind.true_range(high, low, close), [2, 2, 2.5, 1.6])
    assert_matches(ind.atr(high, low, close, 2), [NAN, 2, 2.25, 1.925])


def test_adx_by_hand() -> None:
    high, low = [10, 11, 12, 11.5, 10], [9, 9.5, 10, 9, 8]
    close = [9.5, 10.5, 11.5, 9.5, 9]
    # +DM: 1, 1, 0, 0   -DM: 0, 0, 1, 1   TR: 1.5, 2, 2.5, 2 (candles 1..4), n=2
    # i=2: TR_s=3.5, +DM_s=2, -DM_s=0 -> +DI=400/7, -DI=0, DX=100
    # i=3: TR_s=3.5-1.75+2.5=4.25, +DM_s=1, -DM_s=1 -> both DI=400/17, DX=0; ADX=(100+0)/2=50
    # i=4: TR_s=4.125, +DM_s=0.5, -DM_s=1.5 -> +DI=400/33, -DI=1200/33, DX=50; ADX=(50+50)/2=50
    result = ind.adx(high, low, close, 2)
    assert_matches(result.plus_di, [NAN, NAN, 400 / 7, 400 / 17, 400 / 33])
    assert_matches(result.minus_di, [NAN, NAN, 0, 400 / 17, 1200 / 33])
    assert_matches(result.adx, [NAN, NAN, NAN, 50, 50])


def test_adx_counts_no_directional_movement_on_equal_moves_or_flat_candles() -> None:
    # outside bar: up = 11-10 = 1, down = 8-7 = 1, a tie, so +DM = -DM = 0 and DX = 0
    result = ind.adx([10.0, 11.0], [8.0, 7.0], [9.0, 9.0], 1)
    assert_matches(result.plus_di, [NAN, 0])
    assert_matches(result.minus_di, [NAN, 0])
    assert_matches(result.adx, [NAN, 0])
    # no range at all: TR_s = 0, so both DI are 0 rather than 0/0
    flat = ind.adx(np.full(6, 5.0), np.full(6, 5.0), np.full(6, 5.0), 2)
    assert_matches(flat.plus_di, [NAN, NAN, 0, 0, 0, 0])
    assert_matches(flat.adx, [NAN, NAN, NAN, 0, 0, 0])


def test_supertrend_by_hand() -> None:
    high, low = [10, 11, 10.6, 8, 10], [8, 9, 7, 6, 7.5]
    close = [9, 10.5, 7.5, 7, 9.8]
    # n=1, multiplier=1, so ATR = TR = 2, 2, 3.6, 2, 3; hl2 = 9, 10, 8.8, 7, 8.75
    # i=0: bands 11 / 7, up, line 7
    # i=1: basic 12 / 8 -> upper stays 11 (12 is higher), lower rises to 8; 10.5 >= 8, line 8
    # i=2: basic 12.4 / 5.2 -> upper 11, lower stays 8; close 7.5 < 8 -> down, line 11
    # i=3: basic 9 / 5 -> upper falls to 9; lower resets to 5 (previous close 7.5 broke below 8);
    #      close 7 <= 9, still down, line 9
    # i=4: basic 11.75 / 5.75 -> upper stays 9, lower 5.75; close 9.8 > 9 -> up, line 5.75
    result = ind.supertrend(high, low, close, 1, 1.0)
    assert_matches(result.line, [7, 8, 11, 9, 5.75])
    assert_matches(result.direction, [1, 1, -1, -1, 1])


def test_bollinger_by_hand() -> None:
    # window 1,2,3,4: mean 2.5, population variance (2.25+0.25+0.25+2.25)/4 = 1.25
    mid, upper, lower = ind.bollinger([1.0, 2.0, 3.0, 4.0, 4.0], 4, 2.0)
    # window 2,3,4,4: mean 3.25, variance (1.5625+0.0625+0.5625+0.5625)/4 = 0.6875
    assert_matches(mid, [NAN, NAN, NAN, 2.5, 3.25])
    assert_matches(upper, [NAN, NAN, NAN, 2.5 + 2 * math.sqrt(1.25), 3.25 + 2 * math.sqrt(0.6875)])
    assert_matches(lower, [NAN, NAN, NAN, 2.5 - 2 * math.sqrt(1.25), 3.25 - 2 * math.sqrt(0.6875)])


def test_donchian_includes_the_current_candle() -> None:
    upper, lower = ind.donchian([3, 5, 4, 2, 6], [1, 2, 0.5, 1, 3], 3)
    assert_matches(upper, [NAN, NAN, 5, 5, 6])
    assert_matches(lower, [NAN, NAN, 0.5, 0.5, 0.5])


def test_vwap_resets_at_midnight_utc() -> None:
    ts = [T0 + 22 * HOUR_MS, T0 + 23 * HOUR_MS, T0 + DAY_MS, T0 + DAY_MS + HOUR_MS]
    high, low, close = [12, 15, 21, 30], [9, 12, 18, 27], [9, 12, 18, 27]
    volume = [1.0, 3.0, 0.0, 2.0]
    # typical prices 10, 13, 19, 28; day 1: 10, (10*1+13*3)/4 = 12.25;
    # day 2: no volume yet -> its own typical price 19, then (0+28*2)/2 = 28
    assert_matches(ind.vwap(ts, high, low, close, volume), [10, 12.25, 19, 28])


# --- textbook properties ----------------------------------------------------------------------


def test_rsi_is_100_on_a_rising_series_0_on_a_falling_one_and_50_when_flat() -> None:
    rising = np.linspace(100, 200, 60)
    assert_matches(ind.rsi(rising, 14)[14:], np.full(46, 100.0))
    assert_matches(ind.rsi(rising[::-1], 14)[14:], np.zeros(46))
    assert_matches(ind.rsi(np.full(30, 7.0), 14)[14:], np.full(16, 50.0))


def test_steady_uptrend_has_adx_100_and_no_minus_di() -> None:
    close = np.arange(100.0, 160.0)
    result = ind.adx(close + 0.5, close - 0.5, close, 14)
    assert_matches(result.adx[27:], np.full(33, 100.0))
    assert_matches(result.minus_di[14:], np.zeros(46))


def test_supertrend_stays_up_on_a_rise_and_flips_down_on_a_crash() -> None:
    close = np.concatenate([np.linspace(100, 150, 40), np.linspace(140, 80, 10)])
    result = ind.supertrend(close + 1, close - 1, close, 10, 3.0)
    assert np.all(result.direction[9:40] == 1.0)
    assert result.direction[-1] == -1.0


def test_warm_up_lengths() -> None:
    c = np.linspace(100, 120, 30)
    n = 5
    first_value = {
        "sma": ind.sma(c, n),
        "ema": ind.ema(c, n),
        "rolling_std": ind.rolling_std(c, n),
        "atr": ind.atr(c + 1, c - 1, c, n),
        "rsi": ind.rsi(c, n),
        "plus_di": ind.adx(c + 1, c - 1, c, n).plus_di,
        "adx": ind.adx(c + 1, c - 1, c, n).adx,
        "supertrend": ind.supertrend(c + 1, c - 1, c, n, 2.0).line,
        "donchian": ind.donchian(c + 1, c - 1, n).upper,
    }
    expected = {"rsi": n, "plus_di": n, "adx": 2 * n - 1}
    for name, out in first_value.items():
        assert int(np.argmax(~np.isnan(out))) == expected.get(name, n - 1), name
        assert not np.isnan(out[expected.get(name, n - 1) :]).any(), name


def test_empty_and_too_short_inputs_give_all_nan() -> None:
    assert ind.sma([], 3).shape == (0,)
    assert ind.resample([], [], [], [], [], [], HOUR_MS, 4 * HOUR_MS).ts.shape == (0,)
    assert np.isnan(ind.adx([2.0, 3.0], [1.0, 2.0], [1.5, 2.5], 2).adx).all()


# --- wrappers refuse bad input, naming the argument -------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ind.sma([[1.0, 2.0]], 1), "x must be 1-D"),
        (lambda: ind.sma(3.0, 1), "x must be 1-D"),
        (lambda: ind.sma(["a", "b"], 1), "x must hold numbers"),
        (lambda: ind.sma([1.0], 0), "n must be an integer >= 1"),
        (lambda: ind.ema([1.0], 2.5), "n must be an integer >= 1"),
        (lambda: ind.rsi([1.0], True), "n must be an integer >= 1"),
        (lambda: ind.atr([1.0, 2.0], [1.0], [1.0, 2.0], 1), "same length"),
        (lambda: ind.supertrend([2.0], [1.0], [1.5], 1, -1.0), "multiplier must be finite"),
        (lambda: ind.bollinger([1.0], 1, math.nan), "k must be finite"),
        (lambda: ind.vwap([2, 1], [1, 1], [1, 1], [1, 1], [1, 1]), "ts must be strictly"),
        (lambda: ind.vwap([1.5, 2.5], [1, 1], [1, 1], [1, 1], [1, 1]), "ts must hold integer"),
        (lambda: ind.vwap([1, 2, 3], [1, 1], [1, 1], [1, 1], [1, 1]), "same length"),
        (
            lambda: ind.resample([0], [1], [1], [1], [1], [1], HOUR_MS, 90 * MINUTE_MS),
            "target_ms .* must be a multiple of tf_ms",
        ),
        (
            lambda: ind.resample([MINUTE_MS], [1], [1], [1], [1], [1], HOUR_MS, 4 * HOUR_MS),
            "ts must be aligned",
        ),
        (lambda: ind.align_closed([1.0], [0, 1]), "closed_index must lie in"),
        (lambda: ind.align_closed([1.0], [0.0]), "closed_index must hold integers"),
    ],
)
def test_wrapper_refuses_bad_input(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
