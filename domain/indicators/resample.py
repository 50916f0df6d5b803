"""Higher timeframes from closed lower-timeframe candles, and the index that forbids look-ahead."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def resample_nb(ts, open_, high, low, close, volume, tf_ms, target_ms):
    """UTC-aligned buckets ``[k * target_ms, (k + 1) * target_ms)`` built from the candles present.

    Returns ``(ts, open, high, low, close, volume, closed_index)``: one row per bucket holding at
    least one candle (first open, max high, min low, last close, summed volume, ``ts`` = bucket
    start), and for every input candle ``i`` the index of the last bucket complete at its close,
    i.e. whose end ``<= ts[i] + tf_ms``, or -1. A bucket with a missing candle still completes
    when its end time passes. At candle ``i`` only buckets ``<= closed_index[i]`` may be used;
    the last bucket may be partial. Inputs: ``ts`` int64 sorted, ``tf_ms`` divides ``target_ms``.
    """
    size = ts.shape[0]
    b_ts = np.empty(size, np.int64)
    b_open = np.empty(size)
    b_high = np.empty(size)
    b_low = np.empty(size)
    b_close = np.empty(size)
    b_volume = np.empty(size)
    closed = np.full(size, -1, np.int64)
    b = -1
    key = 0
    for i in range(size):
        k = ts[i] // target_ms
        if b < 0 or k != key:
            b += 1
            key = k
            b_ts[b] = k * target_ms
            b_open[b] = open_[i]
            b_high[b] = high[i]
            b_low[b] = low[i]
            b_volume[b] = 0.0
        b_high[b] = max(b_high[b], high[i])
        b_low[b] = min(b_low[b], low[i])
        b_close[b] = close[i]
        b_volume[b] += volume[i]
        # the current bucket is complete only once this candle closes at (or after) its end;
        # every earlier bucket ended before this candle opened
        closed[i] = b if ts[i] + tf_ms >= b_ts[b] + target_ms else b - 1
    m = b + 1
    return (
        b_ts[:m].copy(),
        b_open[:m].copy(),
        b_high[:m].copy(),
        b_low[:m].copy(),
        b_close[:m].copy(),
        b_volume[:m].copy(),
        closed,
    )


@njit(cache=True)
def align_closed_nb(values, closed_index):
    """``out[i] = values[closed_index[i]]``, NaN where ``closed_index[i] == -1``.

    Maps per-bucket values (e.g. a 4h SuperTrend) back onto the input candles without look-ahead.
    """
    size = closed_index.shape[0]
    out = np.full(size, np.nan)
    for i in range(size):
        if closed_index[i] >= 0:
            out[i] = values[closed_index[i]]
    return out
