"""Order prices on the market's tick grid: the one rounding rule every engine applies.

A venue accepts order prices only on multiples of its tick size (``0.01`` for BTC/USDT spot on
Binance). An order price computed from indicators (a running-sum SMA, ``SMA - ATR x k``, an
average entry minus a stop fraction) lands a few ulp off that grid, and a touch test against a
candle's high or low (which is on the grid) then depends on round-off: a take-profit at
``81.24000000000002`` is missed by a candle whose high is ``81.24``. Every order price compared
with a candle (grid levels, take-profit, stop-loss, trailing stop, mono take-profit and stop) is
therefore rounded to the nearest multiple of the tick *before* the touch test, and the rounded
price is also the fill price, so the same candle always gives the same answer.

The arithmetic is chosen to give exactly the float a decimal price string parses to: when
``1 / tick`` is an integer ``inv`` (every decimal tick: 0.01, 0.1, 1e-5, 0.5 ...) the price is
``rint(price * inv) / inv``, a correctly rounded quotient of two integers, hence the float nearest
to the decimal multiple (``float("81.24")``); other ticks (5, 0.3) use ``rint(price / tick) *
tick``. ``rint`` rounds an exact half to the even multiple. A tick of 0, a negative one, NaN or
None means "no rounding" (a market without a stored contract spec).

The functions are numba ``@njit`` so the fast kernels call literally the same code as the
event-driven engine (which calls them from Python). ``price_scale`` turns a tick into the pair
``(inv, step)`` once; ``round_scaled`` rounds one price with it. Numba's on-disk cache does not
notice changes in a callee's module: after editing this file, delete the ``*.nbi``/``*.nbc``
files of ``optimization/fast`` (or touch its kernel modules) so the kernels recompile.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# 1 / tick within this relative distance of an integer counts as that integer (float(0.01) is
# not exactly 1/100, so 1 / 0.01 may come out an ulp away from 100)
_INTEGER_TOLERANCE = 1e-9


@njit(cache=True, error_model="numpy")
def price_scale(tick: float) -> tuple[float, float]:
    """``(inv, step)`` for ``round_scaled``: ``(1 / tick, 0)`` when that is an integer and the
    tick is below 1, ``(0, tick)`` for any other positive finite tick, ``(0, 0)`` (no rounding)
    for 0, negative, NaN or infinite ticks."""
    if not (tick > 0.0) or not math.isfinite(tick):
        return 0.0, 0.0
    if tick < 1.0:
        quotient = 1.0 / tick
        inv = np.rint(quotient)
        if abs(quotient - inv) <= _INTEGER_TOLERANCE * inv:
            return inv, 0.0
    return 0.0, tick


@njit(cache=True, error_model="numpy")
def round_scaled(price: float, inv: float, step: float) -> float:
    """``price`` on the tick grid described by ``price_scale``; NaN and infinities pass
    through, and ``(0, 0)`` returns the price unchanged."""
    if inv > 0.0:
        return np.rint(price * inv) / inv
    if step > 0.0:
        return np.rint(price / step) * step
    return price


@njit(cache=True, error_model="numpy")
def _round_flat(values: np.ndarray, inv: float, step: float) -> np.ndarray:
    out = np.empty_like(values)
    for k in range(values.shape[0]):
        out[k] = round_scaled(values[k], inv, step)
    return out


def round_to_tick(price: float, tick: float | None) -> float:
    """The multiple of ``tick`` nearest to ``price`` (``price`` itself when ``tick`` is None,
    NaN or not positive)."""
    if tick is None:
        return float(price)
    inv, step = price_scale(float(tick))
    return float(round_scaled(float(price), inv, step))


def round_prices(values: np.ndarray, tick: float | None) -> np.ndarray:
    """``round_to_tick`` of every element (a float64 array of the same shape; NaN stays NaN)."""
    array = np.asarray(values, dtype=np.float64)
    if tick is None:
        return array.copy()
    inv, step = price_scale(float(tick))
    flat = _round_flat(np.ascontiguousarray(array).ravel(), inv, step)
    return flat.reshape(array.shape)


def has_tick(tick: float | None) -> bool:
    """Whether ``tick`` rounds anything (a positive finite tick size)."""
    return tick is not None and price_scale(float(tick)) != (0.0, 0.0)
