"""Slow, plain-Python indicators written straight from their definitions (lists and loops).

They share no code with ``domain.indicators`` and serve only as the oracle of the kernel tests.
Each returns lists of floats, with NaN during the warm-up.
"""

from __future__ import annotations

import math

NAN = math.nan
DAY_MS = 86_400_000


def sma(x: list[float], n: int) -> list[float]:
    return [sum(x[i - n + 1 : i + 1]) / n if i >= n - 1 else NAN for i in range(len(x))]


def ema(x: list[float], n: int) -> list[float]:
    out = [NAN] * len(x)
    if len(x) < n:
        return out
    alpha = 2 / (n + 1)
    e = sum(x[:n]) / n
    out[n - 1] = e
    for i in range(n, len(x)):
        e = alpha * x[i] + (1 - alpha) * e
        out[i] = e
    return out


def rolling_std(x: list[float], n: int) -> list[float]:
    out = [NAN] * len(x)
    for i in range(n - 1, len(x)):
        window = x[i - n + 1 : i + 1]
        mean = sum(window) / n
        out[i] = math.sqrt(sum((v - mean) ** 2 for v in window) / n)
    return out


def rsi(close: list[float], n: int) -> list[float]:
    out = [NAN] * len(close)
    if len(close) <= n:
        return out
    changes = [0.0] + [close[i] - close[i - 1] for i in range(1, len(close))]
    gains = [max(d, 0.0) for d in changes]
    losses = [max(-d, 0.0) for d in changes]
    gain = sum(gains[1 : n + 1]) / n
    loss = sum(losses[1 : n + 1]) / n
    for i in range(n, len(close)):
        if i > n:
            gain = (gain * (n - 1) + gains[i]) / n
            loss = (loss * (n - 1) + losses[i]) / n
        if loss == 0:
            out[i] = 100.0 if gain > 0 else 50.0
        else:
            out[i] = 100 - 100 / (1 + gain / loss)
    return out


def true_range(high: list[float], low: list[float], close: list[float]) -> list[float]:
    return [
        high[i] - low[i]
        if i == 0
        else max(high[i] - low[i], abs(high[i] - close[i - 1]), abs(low[i] - close[i - 1]))
        for i in range(len(high))
    ]


def atr(high: list[float], low: list[float], close: list[float], n: int) -> list[float]:
    tr = true_range(high, low, close)
    out = [NAN] * len(tr)
    if len(tr) < n:
        return out
    out[n - 1] = sum(tr[:n]) / n
    for i in range(n, len(tr)):
        out[i] = (out[i - 1] * (n - 1) + tr[i]) / n
    return out


def adx(
    high: list[float], low: list[float], close: list[float], n: int
) -> tuple[list[float], list[float], list[float]]:
    size = len(close)
    tr = true_range(high, low, close)
    plus_dm = [0.0] * size
    minus_dm = [0.0] * size
    for i in range(1, size):
        up = high[i] - high[i - 1]
        down = low[i - 1] - low[i]
        plus_dm[i] = up if up > down and up > 0 else 0.0
        minus_dm[i] = down if down > up and down > 0 else 0.0
    plus_di, minus_di, dx, adx_ = ([NAN] * size for _ in range(4))
    if size <= n:
        return adx_, plus_di, minus_di
    tr_s, plus_s, minus_s = sum(tr[1 : n + 1]), sum(plus_dm[1 : n + 1]), sum(minus_dm[1 : n + 1])
    for i in range(n, size):
        if i > n:
            tr_s = tr_s - tr_s / n + tr[i]
            plus_s = plus_s - plus_s / n + plus_dm[i]
            minus_s = minus_s - minus_s / n + minus_dm[i]
        plus_di[i] = 100 * plus_s / tr_s if tr_s > 0 else 0.0
        minus_di[i] = 100 * minus_s / tr_s if tr_s > 0 else 0.0
        total = plus_di[i] + minus_di[i]
        dx[i] = 100 * abs(plus_di[i] - minus_di[i]) / total if total > 0 else 0.0
    if size > 2 * n - 1:
        adx_[2 * n - 1] = sum(dx[n : 2 * n]) / n
        for i in range(2 * n, size):
            adx_[i] = (adx_[i - 1] * (n - 1) + dx[i]) / n
    return adx_, plus_di, minus_di


def supertrend(
    high: list[float], low: list[float], close: list[float], n: int, multiplier: float
) -> tuple[list[float], list[float]]:
    size = len(close)
    average = atr(high, low, close, n)
    line, direction = [NAN] * size, [NAN] * size
    upper = lower = NAN
    for i in range(n - 1, size):
        hl2 = (high[i] + low[i]) / 2
        basic_upper = hl2 + multiplier * average[i]
        basic_lower = hl2 - multiplier * average[i]
        if i == n - 1:
            upper, lower, up = basic_upper, basic_lower, True
        else:
            upper = basic_upper if basic_upper < upper or close[i - 1] > upper else upper
            lower = basic_lower if basic_lower > lower or close[i - 1] < lower else lower
            if up and close[i] < lower:
                up = False
            elif not up and close[i] > upper:
                up = True
        line[i] = lower if up else upper
        direction[i] = 1.0 if up else -1.0
    return line, direction


def bollinger(close: list[float], n: int, k: float) -> tuple[list[float], list[float], list[float]]:
    mid = sma(close, n)
    std = rolling_std(close, n)
    upper = [m + k * s for m, s in zip(mid, std, strict=True)]
    lower = [m - k * s for m, s in zip(mid, std, strict=True)]
    return mid, upper, lower


def donchian(high: list[float], low: list[float], n: int) -> tuple[list[float], list[float]]:
    upper = [max(high[i - n + 1 : i + 1]) if i >= n - 1 else NAN for i in range(len(high))]
    lower = [min(low[i - n + 1 : i + 1]) if i >= n - 1 else NAN for i in range(len(low))]
    return upper, lower


def vwap(
    ts: list[int], high: list[float], low: list[float], close: list[float], volume: list[float]
) -> list[float]:
    out = []
    for i in range(len(ts)):
        day = ts[i] // DAY_MS
        same_day = [j for j in range(i + 1) if ts[j] // DAY_MS == day]
        pv = vol = 0.0
        for j in same_day:
            pv += (high[j] + low[j] + close[j]) / 3 * volume[j]
            vol += volume[j]
        out.append(pv / vol if vol > 0 else (high[i] + low[i] + close[i]) / 3)
    return out


def resample(
    ts: list[int],
    open_: list[float],
    high: list[float],
    low: list[float],
    close: list[float],
    volume: list[float],
    tf_ms: int,
    target_ms: int,
) -> tuple[list[list], list[int]]:
    """Buckets as rows ``[ts, o, h, l, c, v]`` and the closed index of every input candle."""
    members: dict[int, list[int]] = {}
    for i, t in enumerate(ts):
        members.setdefault(t // target_ms * target_ms, []).append(i)
    buckets = [
        [
            start,
            open_[idx[0]],
            max(high[j] for j in idx),
            min(low[j] for j in idx),
            close[idx[-1]],
            sum(volume[j] for j in idx),
        ]
        for start, idx in sorted(members.items())
    ]
    closed = []
    for t in ts:
        done = [b for b, row in enumerate(buckets) if row[0] + target_ms <= t + tf_ms]
        closed.append(max(done) if done else -1)
    return buckets, closed
