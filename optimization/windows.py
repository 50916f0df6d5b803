"""Walk-forward windows: rolling in-sample / out-of-sample spans over a candle series.

Window k covers in-sample ``[t0 + k*step, t0 + k*step + IS)`` and, after an embargo of ``E``
days, out-of-sample ``[t0 + k*step + IS + E, ... + OOS)``. The embargo's candles belong to neither
side: nothing is selected on them and nothing is graded on them. With the default step = OOS, the
out-of-sample periods tile the history without overlap. Windows are expressed as candle index
ranges ``[start, end)`` of the series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAY_MS = 86_400_000


class WindowError(ValueError):
    """The data is too short for even one window."""


@dataclass(frozen=True, slots=True)
class Window:
    index: int
    is_start: int
    is_end: int
    oos_start: int
    oos_end: int


def walk_forward_windows(
    ts: np.ndarray,
    is_days: int,
    oos_days: int,
    step_days: int,
    first: int = 0,
    embargo_days: int = 0,
) -> list[Window]:
    """Windows over candles ``ts[first:]`` (earlier candles only warm indicators up)."""
    if len(ts) <= first:
        raise WindowError("no candles to optimise on")
    t0, t_end = int(ts[first]), int(ts[-1])
    is_ms, oos_ms, step_ms = is_days * DAY_MS, oos_days * DAY_MS, step_days * DAY_MS
    gap_ms = embargo_days * DAY_MS
    windows: list[Window] = []
    k = 0
    while t0 + k * step_ms + is_ms + gap_ms + oos_ms <= t_end + 1:
        begin = t0 + k * step_ms
        oos_begin = begin + is_ms + gap_ms
        edges = np.searchsorted(ts, [begin, begin + is_ms, oos_begin, oos_begin + oos_ms])
        windows.append(Window(k, *(int(e) for e in edges)))
        k += 1
    if not windows:
        span = (t_end - t0) / DAY_MS
        raise WindowError(
            f"the data spans {span:.0f} days; one walk-forward window needs "
            f"{is_days} + {embargo_days} + {oos_days} = {is_days + embargo_days + oos_days} days "
            "(in-sample, embargo, out-of-sample)"
        )
    return windows
