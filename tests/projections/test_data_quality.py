"""Data check on hand-made series whose flaws are known in advance."""

from __future__ import annotations

import numpy as np

from domain.market import HOUR_MS
from projections.data_quality import candle_quality, find_gaps, funding_quality
from projections.market_data import Candles
from tests.stubs import T0


def _candles(closes: list[float], ts: list[int] | None = None, volume: float = 1.0) -> Candles:
    close = np.array(closes, dtype=float)
    times = np.array(ts if ts is not None else [T0 + i * HOUR_MS for i in range(len(close))])
    open_ = np.concatenate([[close[0]], close[:-1]])
    return Candles(
        times,
        open_,
        np.maximum(open_, close) * 1.0001,
        np.minimum(open_, close) * 0.9999,
        close,
        np.full(len(close), volume),
    )


def _noise(n: int, seed: int = 1) -> list[float]:
    rng = np.random.default_rng(seed)
    return (100 * np.exp(np.cumsum(rng.normal(0, 0.002, n)))).tolist()


def test_gaps_name_the_candles_around_the_hole() -> None:
    ts = np.array([0, 1, 2, 5, 6, 9]) * HOUR_MS
    gaps = find_gaps(ts, HOUR_MS)
    assert [(g.last_before, g.first_after, g.missing) for g in gaps] == [
        (2 * HOUR_MS, 5 * HOUR_MS, 2),
        (6 * HOUR_MS, 9 * HOUR_MS, 2),
    ]


def test_clean_series_has_no_findings() -> None:
    report = candle_quality(_candles(_noise(2000)), HOUR_MS)
    assert report.rows == 2000
    assert (report.gaps, report.duplicates, report.ohlc_inconsistent) == ([], 0, [])
    assert (report.zero_volume, report.spikes) == ([], [])


def test_bad_print_that_reverts_is_a_spike_but_a_trend_step_is_not() -> None:
    closes = _noise(2000)
    closes[1000] *= 1.08  # one bad print (+8 % for one candle, then back)
    for i in range(1500, 2000):
        closes[i] *= 1.08  # a lasting re-pricing: not a bad print
    report = candle_quality(_candles(closes), HOUR_MS)
    jumps = [s for s in report.spikes if s.kind == "jump"]
    assert [s.ts for s in jumps] == [T0 + 1000 * HOUR_MS]


def test_long_wick_is_flagged() -> None:
    candles = _candles(_noise(2000))
    candles.low[700] = candles.low[700] * 0.8
    report = candle_quality(candles, HOUR_MS)
    assert [(s.ts, s.kind) for s in report.spikes] == [(T0 + 700 * HOUR_MS, "wick")]


def test_ohlc_inconsistency_zero_volume_and_duplicates() -> None:
    candles = _candles(_noise(50))
    candles.high[10] = candles.low[10] * 0.5
    candles.volume[20] = 0.0
    report = candle_quality(candles, HOUR_MS, duplicates=3)
    assert report.ohlc_inconsistent == [T0 + 10 * HOUR_MS]
    assert report.zero_volume == [T0 + 20 * HOUR_MS]
    assert report.duplicates == 3


def test_funding_gap_is_a_settlement_interval_overshoot() -> None:
    step = 8 * HOUR_MS
    ts = np.array([0, step, 2 * step, 4 * step, 5 * step])
    report = funding_quality(ts)
    assert [(g.last_before, g.missing) for g in report.gaps] == [(2 * step, 1)]
