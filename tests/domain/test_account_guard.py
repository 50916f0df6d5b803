"""The live account's kill switch on hand-made balance histories."""

from __future__ import annotations

import pytest

from domain.account_guard import HOUR_MS, AccountLimits, account_trip

LIMITS = AccountLimits(drawdown_percent=10.0, window_hours=24)


def test_a_fall_of_the_threshold_from_the_windows_peak_trips() -> None:
    history = [(0, 1_000.0), (HOUR_MS, 1_200.0), (2 * HOUR_MS, 1_080.0)]
    trip = account_trip(history, LIMITS, 2 * HOUR_MS)
    # 1,200 -> 1,080 is exactly 10 %
    assert trip is not None and (trip.peak, trip.total) == (1_200.0, 1_080.0)
    assert trip.drawdown_pct == pytest.approx(10.0)


def test_a_peak_older_than_the_window_does_not_count() -> None:
    history = [(0, 1_200.0), (25 * HOUR_MS, 1_100.0), (26 * HOUR_MS, 1_000.0)]
    # the 1,200 is 26 h old: the window's peak is 1,100, and 1,000 is 9.1 % below it
    assert account_trip(history, LIMITS, 26 * HOUR_MS) is None


def test_a_smaller_fall_does_not_trip() -> None:
    assert account_trip([(0, 1_000.0), (1, 901.0)], LIMITS, 1) is None
