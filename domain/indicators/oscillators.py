"""Oscillators: Wilder's RSI and ADX (with the directional indicators +DI / -DI)."""

from __future__ import annotations

import numpy as np
from numba import njit

from domain.indicators.averages import wilder_mean_nb
from domain.indicators.volatility import true_range_nb


@njit(cache=True)
def _rsi_value_nb(gain, loss):
    if loss == 0.0:
        return 100.0 if gain > 0.0 else 50.0
    return 100.0 - 100.0 / (1.0 + gain / loss)


@njit(cache=True)
def rsi_nb(close, n):
    """Wilder's relative strength index.

    With ``d[i] = c[i] - c[i-1]``: the first average gain/loss at ``i = n`` is the mean of the
    gains/losses of ``d[1..n]``, then ``avg = (avg * (n-1) + current) / n``.
    ``rsi = 100 - 100 / (1 + gain / loss)``; 100 when only gains, 50 when neither.
    Warm-up: NaN for ``i < n``.
    """
    size = close.shape[0]
    out = np.full(size, np.nan)
    if size <= n:
        return out
    gain = 0.0
    loss = 0.0
    for j in range(1, n + 1):
        d = close[j] - close[j - 1]
        if d > 0.0:
            gain += d
        elif d < 0.0:
            loss -= d
    gain /= n
    loss /= n
    out[n] = _rsi_value_nb(gain, loss)
    for i in range(n + 1, size):
        d = close[i] - close[i - 1]
        gain = (gain * (n - 1) + (d if d > 0.0 else 0.0)) / n
        loss = (loss * (n - 1) + (-d if d < 0.0 else 0.0)) / n
        out[i] = _rsi_value_nb(gain, loss)
    return out


@njit(cache=True)
def adx_nb(high, low, close, n):
    """Wilder's average directional index; returns ``(adx, plus_di, minus_di)``.

    ``up = h[i] - h[i-1]``, ``down = l[i-1] - l[i]``; ``+DM = up`` if ``up > down and up > 0``
    else 0, ``-DM = down`` if ``down > up and down > 0`` else 0. TR, +DM and -DM are smoothed
    as Wilder sums: ``s[n] = sum(x[1..n])``, then ``s = s - s / n + x[i]``.
    ``±DI = 100 * ±DM_s / TR_s`` (0 when ``TR_s == 0``); ``DX = 100 * |+DI - -DI| / (+DI + -DI)``
    (0 when the sum is 0); ADX is Wilder's mean of DX, first at ``2n - 1`` = mean(DX[n..2n-1]).
    Warm-up: NaN for ``i < n`` (DI) and ``i < 2n - 1`` (ADX).
    """
    size = close.shape[0]
    plus_di = np.full(size, np.nan)
    minus_di = np.full(size, np.nan)
    dx = np.full(size, np.nan)
    tr = true_range_nb(high, low, close)
    tr_s = 0.0
    plus_s = 0.0
    minus_s = 0.0
    for i in range(1, size):
        up = high[i] - high[i - 1]
        down = low[i - 1] - low[i]
        plus_dm = up if up > down and up > 0.0 else 0.0
        minus_dm = down if down > up and down > 0.0 else 0.0
        if i <= n:
            tr_s += tr[i]
            plus_s += plus_dm
            minus_s += minus_dm
        else:
            tr_s = tr_s - tr_s / n + tr[i]
            plus_s = plus_s - plus_s / n + plus_dm
            minus_s = minus_s - minus_s / n + minus_dm
        if i < n:
            continue
        pdi = 100.0 * plus_s / tr_s if tr_s > 0.0 else 0.0
        mdi = 100.0 * minus_s / tr_s if tr_s > 0.0 else 0.0
        plus_di[i] = pdi
        minus_di[i] = mdi
        dx[i] = 100.0 * abs(pdi - mdi) / (pdi + mdi) if pdi + mdi > 0.0 else 0.0
    return wilder_mean_nb(dx, n, n), plus_di, minus_di
