"""Checked entry points: validate shapes and parameters, then call the compiled kernel.

Each wrapper has the kernel's name without ``_nb``. Inputs may be any 1-D array-like; they are
converted to contiguous float64 (timestamps to int64) so each kernel compiles once. A bad argument
raises ``ValueError`` naming it.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from domain.indicators.averages import ema_nb, sma_nb, vwap_nb
from domain.indicators.channels import bollinger_nb, donchian_nb, supertrend_nb
from domain.indicators.oscillators import adx_nb, rsi_nb
from domain.indicators.resample import align_closed_nb, resample_nb
from domain.indicators.volatility import atr_nb, rolling_std_nb, true_range_nb

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class Bollinger(NamedTuple):
    mid: FloatArray
    upper: FloatArray
    lower: FloatArray


class Donchian(NamedTuple):
    upper: FloatArray
    lower: FloatArray


class Adx(NamedTuple):
    adx: FloatArray
    plus_di: FloatArray
    minus_di: FloatArray


class SuperTrend(NamedTuple):
    line: FloatArray
    direction: FloatArray  # +1.0 up, -1.0 down, NaN during warm-up


class Resampled(NamedTuple):
    ts: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    closed_index: IntArray  # one per input candle: last bucket complete at its close, or -1


# --- checks -----------------------------------------------------------------------------------


def _one_d(name: str, x: npt.ArrayLike) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    return arr


def _floats(name: str, x: npt.ArrayLike) -> FloatArray:
    arr = _one_d(name, x)
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name} must hold numbers, got dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def _series(**named: npt.ArrayLike) -> list[FloatArray]:
    arrays = [_floats(name, x) for name, x in named.items()]
    _same_length(dict(zip(named, arrays, strict=True)))
    return arrays


def _same_length(arrays: dict[str, np.ndarray]) -> None:
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"inputs must have the same length, got {lengths}")


def _period(name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {n!r}")
    return int(n)


def _factor(name: str, k: object) -> float:
    if isinstance(k, bool) or not isinstance(k, int | float | np.number):
        raise ValueError(f"{name} must be a number, got {k!r}")
    value = float(k)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {k!r}")
    return value


def _timestamps(name: str, ts: npt.ArrayLike) -> IntArray:
    arr = _one_d(name, ts)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must hold integer epoch milliseconds, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.int64)
    if arr.size > 1 and not np.all(np.diff(arr) > 0):
        raise ValueError(f"{name} must be strictly increasing")
    return arr


# --- indicators -------------------------------------------------------------------------------


def sma(x: npt.ArrayLike, n: int) -> FloatArray:
    """Simple moving average; see ``sma_nb``."""
    return sma_nb(_floats("x", x), _period("n", n))


def ema(x: npt.ArrayLike, n: int) -> FloatArray:
    """Exponential moving average seeded with the SMA of the first n values; see ``ema_nb``."""
    return ema_nb(_floats("x", x), _period("n", n))


def rolling_std(x: npt.ArrayLike, n: int) -> FloatArray:
    """Population standard deviation of the last n values; see ``rolling_std_nb``."""
    return rolling_std_nb(_floats("x", x), _period("n", n))


def rsi(close: npt.ArrayLike, n: int) -> FloatArray:
    """Wilder's RSI; see ``rsi_nb``."""
    return rsi_nb(_floats("close", close), _period("n", n))


def true_range(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike) -> FloatArray:
    """True range; see ``true_range_nb``."""
    return true_range_nb(*_series(high=high, low=low, close=close))


def atr(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, n: int) -> FloatArray:
    """Wilder's ATR; see ``atr_nb``."""
    return atr_nb(*_series(high=high, low=low, close=close), _period("n", n))


def adx(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, n: int) -> Adx:
    """Wilder's ADX with +DI and -DI; see ``adx_nb``."""
    return Adx(*adx_nb(*_series(high=high, low=low, close=close), _period("n", n)))


def supertrend(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, n: int, multiplier: float
) -> SuperTrend:
    """SuperTrend line and direction; see ``supertrend_nb``."""
    arrays = _series(high=high, low=low, close=close)
    return SuperTrend(*supertrend_nb(*arrays, _period("n", n), _factor("multiplier", multiplier)))


def bollinger(close: npt.ArrayLike, n: int, k: float) -> Bollinger:
    """Bollinger bands (mid, upper, lower); see ``bollinger_nb``."""
    return Bollinger(*bollinger_nb(_floats("close", close), _period("n", n), _factor("k", k)))


def donchian(high: npt.ArrayLike, low: npt.ArrayLike, n: int) -> Donchian:
    """Donchian channel (upper, lower) over the last n candles, current included."""
    return Donchian(*donchian_nb(*_series(high=high, low=low), _period("n", n)))


def vwap(
    ts: npt.ArrayLike,
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
) -> FloatArray:
    """Session VWAP resetting at 00:00 UTC; see ``vwap_nb``."""
    stamps = _timestamps("ts", ts)
    arrays = _series(high=high, low=low, close=close, volume=volume)
    _same_length({"ts": stamps, "high": arrays[0]})
    return vwap_nb(stamps, *arrays)


def resample(
    ts: npt.ArrayLike,
    open: npt.ArrayLike,
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
    tf_ms: int,
    target_ms: int,
) -> Resampled:
    """Candles of ``tf_ms`` into UTC-aligned ``target_ms`` buckets; see ``resample_nb``."""
    tf = _period("tf_ms", tf_ms)
    target = _period("target_ms", target_ms)
    if target % tf:
        raise ValueError(f"target_ms ({target}) must be a multiple of tf_ms ({tf})")
    stamps = _timestamps("ts", ts)
    if np.any(stamps % tf):
        raise ValueError(f"ts must be aligned to tf_ms ({tf})")
    arrays = _series(open=open, high=high, low=low, close=close, volume=volume)
    _same_length({"ts": stamps, "open": arrays[0]})
    return Resampled(*resample_nb(stamps, *arrays, tf, target))


def align_closed(values: npt.ArrayLike, closed_index: npt.ArrayLike) -> FloatArray:
    """Per-bucket ``values`` onto the input candles via ``closed_index`` (NaN where -1)."""
    vals = _floats("values", values)
    index = _one_d("closed_index", closed_index)
    if index.size and not np.issubdtype(index.dtype, np.integer):
        raise ValueError(f"closed_index must hold integers, got dtype {index.dtype}")
    index = np.ascontiguousarray(index, dtype=np.int64)
    if index.size and (index.min() < -1 or index.max() >= len(vals)):
        raise ValueError(f"closed_index must lie in [-1, {len(vals) - 1}] (len(values) - 1)")
    return align_closed_nb(vals, index)
