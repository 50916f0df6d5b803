"""Market regime of a window of candles (seed, Sprint 15b), checked in this order:

1. ``crash``: the closes fall by more than 30 % from a peak to a trough less than 14 days later;
2. ``bull``: the window return (last close / first close - 1) is above +20 %;
3. ``bear``: the window return is below -20 %;
4. ``range``: otherwise.

Crash comes first because a crash inside a window that ends higher is still the regime that
decides whether a grid survives. Thresholds are strict (> 30 %, < 14 days, > +20 %, < -20 %).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from domain.metrics import DAY_MS, max_drawdown_pct

CRASH_DRAWDOWN = 0.30
CRASH_SPAN_MS = 14 * DAY_MS
TREND = 0.20
# Thresholds are strict; a move of exactly 30 % or 20 % written in decimals (100 -> 70) must not
# cross them through binary rounding (1 - 70/100 = 0.30000000000000004).
_EPS = 1e-12


# the rule in words, for the dashboard's glossary: from the constants the classifier uses
RULE = (
    f"Market state of a window's out-of-sample candles, checked in this order: crash (the "
    f"closes fall more than {CRASH_DRAWDOWN * 100:.0f} % from a peak to a trough less than "
    f"{CRASH_SPAN_MS // DAY_MS} days later, even if the window ends higher), bull (last close "
    f"over first close above +{TREND * 100:.0f} %), bear (below -{TREND * 100:.0f} %), else "
    f"range. Shown with the window's market return and its largest fall."
)


@dataclass(frozen=True, slots=True)
class Regime:
    name: str  # crash | bull | bear | range
    return_pct: float  # last close / first close - 1, in percent
    max_dd_pct: float  # largest peak-to-trough fall of the closes over the whole window, percent
    fast_dd_pct: float  # largest fall whose trough is less than 14 days after its peak, percent


def fast_drawdown(ts: np.ndarray, close: np.ndarray, span_ms: int = CRASH_SPAN_MS) -> float:
    """Largest ``1 - close[j] / close[i]`` with ``i <= j`` and ``ts[j] - ts[i] < span_ms``."""
    if len(close) == 0:
        return 0.0
    return float(
        fast_drawdown_nb(
            np.ascontiguousarray(ts, dtype=np.int64),
            np.ascontiguousarray(close, dtype=np.float64),
            span_ms,
        )
    )


@njit(cache=True)
def fast_drawdown_nb(ts: np.ndarray, close: np.ndarray, span_ms: int) -> float:
    """O(n): ``peaks[head:tail]`` is a monotonic deque of the indices of candidate peaks of the
    sliding window (closes decreasing from front to back), so each candle enters and leaves it
    once."""
    peaks = np.empty(len(close), dtype=np.int64)
    head, tail = 0, 0
    worst = 0.0
    for j in range(len(close)):
        while tail > head and close[peaks[tail - 1]] <= close[j]:
            tail -= 1  # a lower, older close can never be the peak again
        peaks[tail] = j
        tail += 1
        while ts[j] - ts[peaks[head]] >= span_ms:
            head += 1  # too old to count as the peak of a fast fall
        worst = max(worst, 1.0 - close[j] / close[peaks[head]])
    return worst


def classify_regime(ts: np.ndarray, close: np.ndarray) -> Regime:
    if len(close) < 2:
        return Regime("range", 0.0, 0.0, 0.0)
    window_return = float(close[-1]) / float(close[0]) - 1.0
    fast = fast_drawdown(ts, close)
    if fast > CRASH_DRAWDOWN + _EPS:
        name = "crash"
    elif window_return > TREND + _EPS:
        name = "bull"
    elif window_return < -TREND - _EPS:
        name = "bear"
    else:
        name = "range"
    return Regime(name, window_return * 100.0, max_drawdown_pct(close), fast * 100.0)


def regime_before(ts: np.ndarray, close: np.ndarray, at_ms: int, window_ms: int, tf_ms: int) -> str:
    """Regime of the candles closed in the ``window_ms`` before ``at_ms``: what a live runner
    can know at ``at_ms`` (a candle opened at ``t`` closes at ``t + tf_ms``)."""
    hi = int(np.searchsorted(ts, at_ms - tf_ms, side="right"))
    lo = int(np.searchsorted(ts, at_ms - window_ms, side="left"))
    return classify_regime(ts[lo:hi], close[lo:hi]).name
