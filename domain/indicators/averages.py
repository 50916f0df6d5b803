"""Moving averages: simple, exponential, Wilder's running mean, and the session VWAP."""

from __future__ import annotations

import numpy as np
from numba import njit

DAY_MS = 86_400_000


@njit(cache=True)
def _finite_sum_nb(x, start, stop):
    total = 0.0
    for j in range(start, stop):
        if np.isfinite(x[j]):
            total += x[j]
    return total


@njit(cache=True)
def sma_nb(x, n):
    """Simple moving average: ``out[i] = (x[i-n+1] + ... + x[i]) / n``.

    Warm-up: NaN for ``i < n - 1``. A window holding a NaN gives NaN (an infinity gives what the
    plain sum gives). Equivalent to ``pd.Series(x).rolling(n).mean()``.

    The window sum is a running sum of the finite values, re-summed from scratch whenever
    ``(i + 1) % n == 0``, so round-off cannot accumulate for more than one window; the schedule
    depends on ``i`` only, which keeps the kernel exactly causal.
    """
    size = x.shape[0]
    out = np.full(size, np.nan)
    total = 0.0
    bad = 0  # non-finite values inside the window
    for i in range(size):
        if np.isfinite(x[i]):
            total += x[i]
        else:
            bad += 1
        if i >= n:
            if np.isfinite(x[i - n]):
                total -= x[i - n]
            else:
                bad -= 1
        if i < n - 1:
            continue
        if (i + 1) % n == 0:
            total = _finite_sum_nb(x, i - n + 1, i + 1)
        if bad == 0:
            out[i] = total / n
        else:
            direct = 0.0  # let NaN/inf propagate exactly as a plain sum would
            for j in range(i - n + 1, i + 1):
                direct += x[j]
            out[i] = direct / n
    return out


@njit(cache=True)
def ema_nb(x, n):
    """Exponential moving average with ``alpha = 2 / (n + 1)``, seeded with an SMA.

    ``e[n-1] = mean(x[0..n-1])``, then ``e[i] = alpha * x[i] + (1 - alpha) * e[i-1]``.
    Warm-up: NaN for ``i < n - 1`` (TA-Lib's EMA seeding). A NaN input stays in every later value.
    """
    size = x.shape[0]
    out = np.full(size, np.nan)
    if size < n:
        return out
    seed = 0.0
    for j in range(n):
        seed += x[j]
    e = seed / n
    out[n - 1] = e
    alpha = 2.0 / (n + 1)
    for i in range(n, size):
        e = alpha * x[i] + (1.0 - alpha) * e
        out[i] = e
    return out


@njit(cache=True)
def wilder_mean_nb(x, n, first):
    """Wilder's running mean (RMA) of ``x`` starting at index ``first``.

    ``out[first+n-1] = mean(x[first..first+n-1])``, then ``out[i] = (out[i-1] * (n-1) + x[i]) / n``.
    Warm-up: NaN for ``i < first + n - 1``. Shared by RSI (first=1), ATR (first=0) and ADX.
    """
    size = x.shape[0]
    out = np.full(size, np.nan)
    start = first + n - 1
    if size <= start:
        return out
    total = 0.0
    for j in range(first, start + 1):
        total += x[j]
    avg = total / n
    out[start] = avg
    for i in range(start + 1, size):
        avg = (avg * (n - 1) + x[i]) / n
        out[i] = avg
    return out


@njit(cache=True)
def vwap_nb(ts, high, low, close, volume):
    """Session VWAP, reset at 00:00 UTC (``ts`` = candle open time in epoch ms, int64).

    With ``tp = (h + l + c) / 3``: ``out[i] = sum(tp * v) / sum(v)`` over the candles of the same
    UTC day up to ``i``; while that volume is 0, ``out[i] = tp[i]``. No warm-up.
    """
    size = ts.shape[0]
    out = np.full(size, np.nan)
    day = 0
    pv = 0.0
    vol = 0.0
    for i in range(size):
        d = ts[i] // DAY_MS
        if i == 0 or d != day:
            day = d
            pv = 0.0
            vol = 0.0
        tp = (high[i] + low[i] + close[i]) / 3.0
        pv += tp * volume[i]
        vol += volume[i]
        out[i] = pv / vol if vol > 0 else tp
    return out
