"""Volatility: rolling standard deviation, true range, Wilder's ATR."""

from __future__ import annotations

import numpy as np
from numba import njit

from domain.indicators.averages import wilder_mean_nb


@njit(cache=True)
def rolling_std_nb(x, n):
    """Population standard deviation (ddof=0) of the window ``x[i-n+1..i]``.

    Two passes over each window (mean, then squared deviations) rather than running sums of
    squares, which lose all precision when the mean is large against the spread (prices).
    Warm-up: NaN for ``i < n - 1``. Equivalent to ``pd.Series(x).rolling(n).std(ddof=0)``.
    """
    size = x.shape[0]
    out = np.full(size, np.nan)
    for i in range(n - 1, size):
        total = 0.0
        for j in range(i - n + 1, i + 1):
            total += x[j]
        mean = total / n
        squares = 0.0
        for j in range(i - n + 1, i + 1):
            squares += (x[j] - mean) ** 2
        out[i] = np.sqrt(squares / n)
    return out


@njit(cache=True)
def true_range_nb(high, low, close):
    """True range: ``tr[0] = h[0] - l[0]``, ``tr[i] = max(h-l, |h-c[i-1]|, |l-c[i-1]|)``.

    No warm-up: the first candle has no previous close, so its range is its own.
    """
    size = high.shape[0]
    out = np.empty(size)
    for i in range(size):
        tr = high[i] - low[i]
        if i > 0:
            up = abs(high[i] - close[i - 1])
            down = abs(low[i] - close[i - 1])
            if up > tr:
                tr = up
            if down > tr:
                tr = down
        out[i] = tr
    return out


@njit(cache=True)
def atr_nb(high, low, close, n):
    """Wilder's average true range.

    ``atr[n-1] = mean(tr[0..n-1])``, then ``atr[i] = (atr[i-1] * (n-1) + tr[i]) / n``.
    Warm-up: NaN for ``i < n - 1``.
    """
    return wilder_mean_nb(true_range_nb(high, low, close), n, 0)
