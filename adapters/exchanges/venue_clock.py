"""The venue's time, read from the venue: a machine whose clock drifts must not decide which
candle has closed (nor stamp events) by its own time.

The venue is asked once (``fetch_time``) and again every ``refresh_s`` seconds; in between the
local monotonic clock measures the elapsed time. A rehearsal's local Bitget runs in market time,
far behind the wall clock: the same reading serves it.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class VenueClock:
    def __init__(self, fetch_time: Callable[[], int], refresh_s: float = 60.0) -> None:
        self.fetch_time, self.refresh_s = fetch_time, refresh_s
        self._venue_ms = 0
        self._read_at = -float("inf")

    def __call__(self) -> int:
        now = time.monotonic()
        if now - self._read_at >= self.refresh_s:
            self._venue_ms, self._read_at = int(self.fetch_time()), now
        return self._venue_ms + int((now - self._read_at) * 1000)
