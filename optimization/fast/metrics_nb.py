"""Metric kernels shared by the grid and mono fast engines, bit-identical to numpy.

``domain.metrics`` computes the Sharpe ratio with ``np.mean`` and ``np.std``, which sum with
numpy's pairwise algorithm; the kernels below walk the same summation tree, so the fast engine's
metrics equal the event-driven engine's to the last bit, not merely within a tolerance.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

SQRT_YEAR = math.sqrt(365.0)


@njit(cache=True, error_model="numpy")
def _block_sum_nb(a, lo, n):
    """NumPy's pairwise-sum leaf (``n <= 128``): 8 accumulators, then the remainder."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    stop = n - n % 8
    while i < stop:
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True, error_model="numpy")
def pairwise_sum_1d_nb(a, lo, n):
    """Sum of ``a[lo:lo+n]`` in NumPy's order: equivalent to ``np.add.reduce(a[lo:lo+n])`` bit for
    bit. NumPy recurses (halves rounded to multiples of 8 above 128 values, ``_block_sum_nb``
    below); this walks the same tree with an explicit stack, because numba cannot cache
    recursive functions."""
    if n <= 128:
        return _block_sum_nb(a, lo, n)
    # frames: (lo, n, stage); stage 0: descend left, 1: descend right, 2: add the two halves
    f_lo = np.empty(128, np.int64)
    f_n = np.empty(128, np.int64)
    f_stage = np.empty(128, np.int64)
    values = np.empty(128)
    top = 0
    nv = 0
    f_lo[0], f_n[0], f_stage[0] = lo, n, 0
    while top >= 0:
        at, size, stage = f_lo[top], f_n[top], f_stage[top]
        if size <= 128:
            values[nv] = _block_sum_nb(a, at, size)
            nv += 1
            top -= 1
            continue
        half = size // 2
        half -= half % 8
        if stage == 0:
            f_stage[top] = 1
            top += 1
            f_lo[top], f_n[top], f_stage[top] = at, half, 0
        elif stage == 1:
            f_stage[top] = 2
            top += 1
            f_lo[top], f_n[top], f_stage[top] = at + half, size - half, 0
        else:
            nv -= 1
            values[nv - 1] = values[nv - 1] + values[nv]
            top -= 1
    return values[0]


@njit(cache=True, error_model="numpy")
def sharpe_1d_nb(closes, count, returns):
    """Sharpe of the daily closes ``closes[:count]``: equivalent to
    ``domain.metrics.sharpe_ratio(closes[1:] / closes[:-1] - 1.0)`` (ddof=1, x sqrt(365), 0 with
    fewer than two returns or zero deviation). ``returns`` is scratch space of ``count`` values."""
    m = count - 1
    if m < 2:
        return 0.0
    for j in range(m):
        returns[j] = closes[j + 1] / closes[j] - 1.0
    mean = (0.0 + pairwise_sum_1d_nb(returns, 0, m)) / m
    for j in range(m):
        d = returns[j] - mean
        returns[j] = d * d
    std = math.sqrt((0.0 + pairwise_sum_1d_nb(returns, 0, m)) / (m - 1))
    if std == 0.0:
        return 0.0
    return mean / std * SQRT_YEAR
