"""Data-quality report of one series: gaps, duplicates, OHLC inconsistencies, zero volume, spikes.

Spikes are judged against the series' local noise: sigma is the robust standard deviation
(1.4826 x median absolute value) of close-to-close log returns within blocks of
``SIGMA_BLOCK`` candles, so a calm year is not judged by a wild one. Two shapes are flagged:

* ``jump``: a close more than ``JUMP_SIGMAS`` sigma away from the previous close that the next
  close takes back by at least half (a bad print, not a trend);
* ``wick``: a high or low more than ``WICK_SIGMAS`` sigma beyond the candle's body. Real flash
  crashes are flagged too; the report lists them so a person can look.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from projections.market_data import Candles

JUMP_SIGMAS = 10.0
WICK_SIGMAS = 20.0
SIGMA_BLOCK = 720  # 30 days of 1h candles


@dataclass(frozen=True, slots=True)
class Gap:
    last_before: int  # open time of the last candle before the hole
    first_after: int  # open time of the first candle after it
    missing: int  # candles missing


@dataclass(frozen=True, slots=True)
class Spike:
    ts: int
    kind: str  # "jump" | "wick"
    sigmas: float


@dataclass(frozen=True, slots=True)
class QualityReport:
    rows: int
    first_ts: int | None
    last_ts: int | None
    gaps: list[Gap] = field(default_factory=list)
    duplicates: int = 0
    unsorted: int = 0
    ohlc_inconsistent: list[int] = field(default_factory=list)
    zero_volume: list[int] = field(default_factory=list)
    spikes: list[Spike] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(g.missing for g in self.gaps)


def find_gaps(ts: np.ndarray, step_ms: int) -> list[Gap]:
    """Holes in a sorted timestamp array where consecutive times are more than one step apart."""
    if len(ts) < 2:
        return []
    diffs = np.diff(ts)
    holes = np.flatnonzero(diffs > step_ms)
    # ceil(diff / step) - 1: a 16 h hole in 8 h settlements misses one, so does a 12 h one.
    return [Gap(int(ts[i]), int(ts[i + 1]), int(-(-diffs[i] // step_ms)) - 1) for i in holes]


def candle_quality(candles: Candles, tf_ms: int, duplicates: int = 0) -> QualityReport:
    ts = candles.ts
    if len(ts) == 0:
        return QualityReport(0, None, None, duplicates=duplicates)
    diffs = np.diff(ts)
    o, h, l, c = candles.open, candles.high, candles.low, candles.close
    bad = (h < l) | (h < np.maximum(o, c)) | (l > np.minimum(o, c))
    return QualityReport(
        rows=len(ts),
        first_ts=int(ts[0]),
        last_ts=int(ts[-1]),
        gaps=find_gaps(ts, tf_ms),
        duplicates=duplicates + int(np.sum(diffs == 0)),
        unsorted=int(np.sum(diffs < 0)),
        ohlc_inconsistent=ts[bad].tolist(),
        zero_volume=ts[candles.volume == 0].tolist(),
        spikes=find_spikes(candles),
    )


def find_spikes(candles: Candles) -> list[Spike]:
    close = candles.close
    if len(close) < 3:
        return []
    returns = np.diff(np.log(close))
    sigma = local_sigma(returns)
    spikes = _jumps(candles.ts, returns, sigma[1:]) + _wicks(candles, sigma)
    return sorted(spikes, key=lambda s: s.ts)


def local_sigma(returns: np.ndarray, block: int = SIGMA_BLOCK) -> np.ndarray:
    """Per-candle robust sigma, one value per block; entry i belongs to candle i (candle 0 copies
    candle 1's block). Zero where a block has no movement at all."""
    sigma = np.empty(len(returns) + 1)
    for start in range(0, len(returns), block):
        chunk = np.abs(returns[start : start + block])
        sigma[start + 1 : start + 1 + len(chunk)] = 1.4826 * float(np.median(chunk))
    sigma[0] = sigma[1] if len(returns) else 0.0
    return sigma


def _jumps(ts: np.ndarray, returns: np.ndarray, sigma: np.ndarray) -> list[Spike]:
    # returns[i] moves from candle i to candle i+1: the suspicious print is candle i+1, judged
    # by sigma[i] (its own block) and confirmed when returns[i+1] takes half of it back.
    current, following, scale = returns[:-1], returns[1:], sigma[:-1]
    reverts = (np.sign(current) == -np.sign(following)) & (
        np.abs(following) >= 0.5 * np.abs(current)
    )
    hits = np.flatnonzero((scale > 0) & (np.abs(current) > JUMP_SIGMAS * scale) & reverts)
    return [Spike(int(ts[i + 1]), "jump", float(abs(current[i]) / scale[i])) for i in hits]


def _wicks(candles: Candles, sigma: np.ndarray) -> list[Spike]:
    body_top = np.maximum(candles.open, candles.close)
    body_low = np.minimum(candles.open, candles.close)
    excess = np.maximum(np.log(candles.high / body_top), np.log(body_low / candles.low))
    hits = np.flatnonzero((sigma > 0) & (excess > WICK_SIGMAS * sigma))
    return [Spike(int(candles.ts[i]), "wick", float(excess[i] / sigma[i])) for i in hits]


def funding_quality(ts: np.ndarray, duplicates: int = 0, interval_ms: int = 8 * 3_600_000):
    """Funding settlements: gaps are holes longer than the usual settlement interval."""
    if len(ts) == 0:
        return QualityReport(0, None, None, duplicates=duplicates)
    return QualityReport(
        rows=len(ts),
        first_ts=int(ts[0]),
        last_ts=int(ts[-1]),
        gaps=find_gaps(ts, interval_ms),
        duplicates=duplicates,
    )
