"""``VenueClock``: the venue's time, asked once per refresh period, advanced locally between."""

from __future__ import annotations

import time

from adapters.exchanges.venue_clock import VenueClock


def test_the_venue_is_asked_once_per_period_and_the_time_advances_between() -> None:
    asked = []

    def fetch_time() -> int:
        asked.append(1)
        return 1_000_000

    clock = VenueClock(fetch_time, refresh_s=3600.0)
    first = clock()
    time.sleep(0.05)
    later = clock()
    assert len(asked) == 1
    assert first >= 1_000_000 and 1_000_040 <= later < 1_000_000 + 5_000


def test_refresh_zero_asks_the_venue_every_time() -> None:
    answers = iter([5_000, 9_000])
    clock = VenueClock(lambda: next(answers), refresh_s=0.0)
    assert clock() < 5_100 and 9_000 <= clock() < 9_100
