"""Aligning a sampled series (open interest) to candles: the value known at each candle's close;
plans on the market's tick grid."""

from __future__ import annotations

import math

import numpy as np

from domain.contracts import Contract
from domain.strategies import strategy
from domain.strategies.envelope_dca import EnvelopeDcaParams
from domain.strategies.plans import GridPlan, MarketArrays, MonoPlan, series_at_close
from domain.strategies.supertrend import SupertrendParams

TF = 60  # a 60 ms "timeframe" keeps the hand arithmetic readable


def aligned(candles: list[int], samples: list[int], values: list[float]) -> list[float]:
    result = series_at_close(
        np.array(candles, dtype=np.int64),
        np.array(samples, dtype=np.int64),
        np.array(values, dtype=np.float64),
        TF,
    )
    return result.tolist()


def same(got: list[float], want: list[float]) -> bool:
    return all((math.isnan(a) and math.isnan(b)) or a == b for a, b in zip(got, want, strict=True))


def test_each_candle_gets_the_last_sample_stamped_at_or_before_its_close() -> None:
    # closes at 60, 120, 180, 240. Candle 0: samples 30 and 60 are known, 60 is the last -> 2.
    # Candle 1: 61 -> 3. Candle 2: 170 -> 4 (181 comes after its close). Candle 3: 240 -> 6.
    got = aligned([0, 60, 120, 180], [30, 60, 61, 170, 181, 240], [1, 2, 3, 4, 5, 6])
    assert got == [2.0, 3.0, 4.0, 6.0]


def test_nan_before_the_first_sample_then_the_last_known_value_carries_forward() -> None:
    # the first sample (100) comes after candle 0 closes (60); nothing new after 100 until 400
    got = aligned([0, 60, 120, 180, 240], [100, 400], [7, 8])
    assert same(got, [math.nan, 7.0, 7.0, 7.0, 7.0])


def test_a_hole_in_the_candles_skips_to_the_value_known_at_the_next_close() -> None:
    # candle 180 closes at 240: of 100, 200, 250 the last known then is 200
    assert same(aligned([0, 180], [100, 200, 250], [1, 2, 3]), [math.nan, 2.0])


def test_no_samples_or_no_candles() -> None:
    assert same(aligned([0, 60], [], []), [math.nan, math.nan])
    assert aligned([], [10], [1]) == []


def test_a_sample_after_a_candles_close_never_reaches_it() -> None:
    """Changing every sample taken after candle k's close leaves candles 0..k unchanged."""
    rng = np.random.default_rng(7)
    candles = np.sort(rng.choice(np.arange(0, 200 * TF, TF), size=120, replace=False))
    samples = np.sort(rng.choice(np.arange(0, 200 * TF), size=300, replace=False))
    values = rng.uniform(1.0, 2.0, len(samples))
    base = series_at_close(candles, samples, values, TF)
    for k in range(len(candles)):
        close = candles[k] + TF
        changed = np.where(samples > close, values + 10.0, values)
        moved = series_at_close(candles, samples, changed, TF)
        assert np.array_equal(moved[: k + 1], base[: k + 1], equal_nan=True), k


# --- plans on the tick grid ----------------------------------------------------------------------


def _market(tick: float) -> MarketArrays:
    n = 60
    rng = np.random.default_rng(3)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    high, low = close * 1.004, close * 0.996
    ts = np.arange(n, dtype=np.int64) * 3_600_000
    return MarketArrays(
        ts,
        close,
        high,
        low,
        close,
        np.ones(n),
        3_600_000,
        np.full(n, np.nan),
        {},
        Contract(tick=tick),
    )


def test_every_slice_of_a_market_keeps_its_tick() -> None:
    market = _market(0.01)
    assert (
        market.head(10).contract
        == market.tail(10).contract
        == market.between(3, 9).contract
        == Contract(tick=0.01)
    )
    assert market.appended((10**12, 1.0, 1.0, 1.0, 1.0, 1.0)).contract.tick == 0.01


def test_a_grid_plan_rests_its_levels_and_take_profit_on_the_tick() -> None:
    params = EnvelopeDcaParams(
        ma_period=7,
        num_levels=3,
        envelope_start=0.03,
        envelope_step=0.02,
        sl_percent=20.0,
        leverage=2,
        sides=("long", "short"),
    )
    spec = strategy("envelope_dca")
    raw = spec.build(_market(0.0), params)
    ticked = spec.build(_market(0.05), params)
    assert isinstance(raw, GridPlan) and isinstance(ticked, GridPlan)
    assert raw.long_entries is not None and ticked.long_entries is not None
    assert raw.short_entries is not None and ticked.short_entries is not None
    for got, exact in (
        (ticked.take_profit, raw.take_profit),
        (ticked.long_entries, raw.long_entries),
        (ticked.short_entries, raw.short_entries),
    ):
        known = ~np.isnan(exact)
        assert known.any() and np.array_equal(np.isnan(got), ~known)
        # within half a tick of the exact price, on a multiple of 0.05 = 1/20
        assert np.all(np.abs(got[known] - exact[known]) <= 0.025 + 1e-9)
        assert np.array_equal(got[known] * 20, np.round(got[known] * 20))
        assert not np.array_equal(got[known], exact[known])


def test_a_mono_plan_has_no_prices_to_round() -> None:
    params = SupertrendParams(
        atr_period=10, atr_multiplier=3.0, tp_percent=2.0, sl_percent=1.0, leverage=3
    )
    spec = strategy("supertrend")
    raw, ticked = spec.build(_market(0.0), params), spec.build(_market(0.05), params)
    assert isinstance(ticked, MonoPlan)
    np.testing.assert_array_equal(raw.tp_offset, ticked.tp_offset)
    np.testing.assert_array_equal(raw.signal, ticked.signal)
