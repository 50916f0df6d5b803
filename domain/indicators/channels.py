"""Channels around the price: Bollinger bands, Donchian channel, SuperTrend."""

from __future__ import annotations

import numpy as np
from numba import njit

from domain.indicators.averages import sma_nb
from domain.indicators.volatility import atr_nb, rolling_std_nb


@njit(cache=True)
def bollinger_nb(close, n, k):
    """Bollinger bands; returns ``(mid, upper, lower)``.

    ``mid = sma(close, n)``, ``upper/lower = mid ± k * rolling_std(close, n)`` (ddof=0).
    Warm-up: NaN for ``i < n - 1``.
    """
    mid = sma_nb(close, n)
    width = k * rolling_std_nb(close, n)
    return mid, mid + width, mid - width


@njit(cache=True)
def donchian_nb(high, low, n):
    """Donchian channel; returns ``(upper, lower)`` = max(high), min(low) over ``i-n+1..i``.

    The window includes candle ``i``; a strategy wanting "the previous n candles" shifts by one.
    Warm-up: NaN for ``i < n - 1``. A NaN inside the window gives NaN.
    """
    size = high.shape[0]
    upper = np.full(size, np.nan)
    lower = np.full(size, np.nan)
    for i in range(n - 1, size):
        hi = high[i]
        lo = low[i]
        for j in range(i - n + 1, i):
            # `not (a <= b)` rather than `a > b` so that a NaN wins and propagates
            if not high[j] <= hi:
                hi = high[j]
            if not low[j] >= lo:
                lo = low[j]
        upper[i] = hi
        lower[i] = lo
    return upper, lower


@njit(cache=True)
def supertrend_nb(high, low, close, n, multiplier):
    """SuperTrend; returns ``(line, direction)`` with direction +1.0 (up) or -1.0 (down).

    ``atr = atr_nb(high, low, close, n)``; basic bands ``hl2 ± multiplier * atr``.
    Final upper band: the basic one if it is lower than the previous final upper band or the
    previous close broke above that band, else the previous one (it only moves down). The final
    lower band mirrors it (only moves up unless the previous close broke below).
    Direction starts at +1 on the first ATR value; while up it flips to -1 when
    ``close < final lower``, while down it flips to +1 when ``close > final upper``.
    ``line`` = final lower band when up, final upper band when down.
    Warm-up: NaN (line and direction) for ``i < n - 1``.
    """
    size = close.shape[0]
    line = np.full(size, np.nan)
    direction = np.full(size, np.nan)
    atr = atr_nb(high, low, close, n)
    upper = 0.0
    lower = 0.0
    d = 1.0
    for i in range(n - 1, size):
        hl2 = (high[i] + low[i]) / 2.0
        basic_upper = hl2 + multiplier * atr[i]
        basic_lower = hl2 - multiplier * atr[i]
        if i == n - 1:
            upper = basic_upper
            lower = basic_lower
        else:
            if basic_upper < upper or close[i - 1] > upper:
                upper = basic_upper
            if basic_lower > lower or close[i - 1] < lower:
                lower = basic_lower
            if d > 0.0 and close[i] < lower:
                d = -1.0
            elif d < 0.0 and close[i] > upper:
                d = 1.0
        line[i] = lower if d > 0.0 else upper
        direction[i] = d
    return line, direction
