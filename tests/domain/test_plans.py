"""Aligning a sampled series (open interest) to candles: the value known at each candle's close."""

from __future__ import annotations

import math

import numpy as np

from domain.strategies.plans import series_at_close

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
