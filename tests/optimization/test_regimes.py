"""Regimes on hand-made hourly price paths."""

from __future__ import annotations

import numpy as np
import pytest

from optimization.regimes import classify_regime, fast_drawdown, regime_before

H = 3_600_000
DAY = 24 * H


def path(*legs: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Hourly closes from 100, moving linearly to each (price, days) leg in turn."""
    closes = [100.0]
    for price, days in legs:
        hours = round(days * 24)
        closes += list(np.linspace(closes[-1], price, hours + 1)[1:])
    return np.arange(len(closes)) * H, np.array(closes)


def test_bull_bear_range() -> None:
    ts, close = path((125.0, 60))
    regime = classify_regime(ts, close)
    assert (regime.name, regime.return_pct, regime.max_dd_pct) == ("bull", pytest.approx(25), 0)
    assert classify_regime(*path((75.0, 60))).name == "bear"  # -25 %
    assert classify_regime(*path((110.0, 30), (95.0, 30))).name == "range"  # -5 %
    assert classify_regime(*path((120.0, 60))).name == "range"  # +20 % is not above +20 %
    assert classify_regime(*path((80.0, 60))).name == "range"  # -20 % is not below -20 %


def test_crash_has_priority_over_bull() -> None:
    # 100 -> 200 in 30 days, 200 -> 130 (-35 %) in 3 days, back to 180: window +80 %
    ts, close = path((200.0, 30), (130.0, 3), (180.0, 20))
    regime = classify_regime(ts, close)
    assert regime.name == "crash"
    assert regime.return_pct == pytest.approx(80.0)
    assert regime.fast_dd_pct == pytest.approx(35.0)
    assert regime.max_dd_pct == pytest.approx(35.0)


def test_a_30_percent_fall_over_20_days_is_a_bear_not_a_crash() -> None:
    # 100 -> 70 linearly over 20 days, 1.5 a day. "Less than 14 days" on hourly candles is at
    # most 335 hours: worst fall 1.5 * 335 / 24 = 20.9375 from 90.9375 to 70 = 23.0 %
    ts, close = path((70.0, 20))
    regime = classify_regime(ts, close)
    assert regime.name == "bear"
    assert regime.max_dd_pct == pytest.approx(30.0)
    assert regime.fast_dd_pct == pytest.approx(20.9375 / 90.9375 * 100)


def test_the_14_day_limit_is_strict() -> None:
    ts, close = path((60.0, 14))  # -40 % exactly 14 days after the peak
    assert fast_drawdown(ts, close) == pytest.approx(1 - 60 / (100 - 40 / (14 * 24)))
    assert classify_regime(ts, close).name == "crash"  # one hour short of 14 days: -39.7 %
    two_points = (np.array([0, 14 * DAY]), np.array([100.0, 50.0]))
    assert classify_regime(*two_points).name == "bear"  # 14 days is not "less than 14 days"
    assert classify_regime(np.array([0, 14 * DAY - 1]), np.array([100.0, 50.0])).name == "crash"


def test_exactly_30_or_20_percent_is_not_over_the_threshold() -> None:
    days = np.array([0, DAY, 2 * DAY])
    assert classify_regime(days, np.array([100.0, 70.0, 100.0])).name == "range"
    assert classify_regime(days, np.array([100.0, 69.9, 100.0])).name == "crash"
    assert classify_regime(days, np.array([10.0, 11.0, 12.0])).name == "range"  # +20 %
    assert classify_regime(days, np.array([10.0, 9.0, 8.0])).name == "range"  # -20 %


def test_fast_drawdown_uses_the_peak_inside_the_span() -> None:
    # peak 200 at day 0, 150 at day 10, 100 at day 20: within 14 days at most 25 %, 150 -> 100
    # is 33 % in 10 days
    ts = np.array([0, 10 * DAY, 20 * DAY])
    assert fast_drawdown(ts, np.array([200.0, 150.0, 100.0])) == pytest.approx(1 / 3)
    assert fast_drawdown(ts, np.array([200.0, 160.0, 120.0])) == pytest.approx(0.25)


def test_short_windows_are_range() -> None:
    assert classify_regime(np.array([0]), np.array([100.0])).name == "range"
    assert classify_regime(np.array([], dtype=np.int64), np.array([])).name == "range"


def test_regime_before_sees_only_candles_closed_inside_the_window() -> None:
    # 30 days up 25 % (bull), then a fall to 60 within 5 days (crash)
    ts, close = path((125.0, 30), (60.0, 5))
    at = 30 * DAY  # the first candle after the rise opens now; it is not closed yet
    assert regime_before(ts, close, at, 30 * DAY, H) == "bull"
    # the last 30 candles are the start of the fall (65 over 120 h): 125 -> 109.3, -12.6 %
    assert regime_before(ts, close, at + 30 * H, 30 * H, H) == "range"
    # 60 candles: 125 -> 93.0, -25.6 %, still no 30 % fall
    assert regime_before(ts, close, at + 60 * H, 60 * H, H) == "bear"
    assert regime_before(ts, close, 35 * DAY + H, 10 * DAY, H) == "crash"
    # moving a candle that is not closed yet changes nothing
    spoiled = close.copy()
    spoiled[30 * 24] = 1.0
    assert regime_before(ts, spoiled, at, 30 * DAY, H) == "bull"
