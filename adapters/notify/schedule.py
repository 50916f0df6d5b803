"""When the reports are due (pure): from ``notify.yaml``'s schedule and the wall time ``now``
(UTC epoch ms), the latest period of each report whose time has come.

Only the latest: a notifier that was down through ten heartbeats and a daily report sends one
of each on restart, never the flood of old ones. A report is identified by its kind and the
start of its period (the heartbeat's slot, the reported day's or week's 00:00 UTC), which is
what ``adapters.notify.reports`` records as sent.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from config.notify import NotifyFile
from domain.metrics import DAY_MS

ReportKind = Literal["heartbeat", "daily_report", "weekly_report"]
MINUTE_MS = 60_000
WEEK_MS = 7 * DAY_MS
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday


class Due(msgspec.Struct, frozen=True):
    """A report whose time has come: its ``kind`` and the period ``[start, end)`` it covers
    (a heartbeat's period is its slot; it tells the state at the moment it is sent)."""

    kind: ReportKind
    start: int
    end: int


def latest_due(rules: NotifyFile, now: int) -> list[Due]:
    """The latest period of each scheduled report at ``now``, heartbeat first, then the daily
    report before the weekly one (both fall on the same minute once a week)."""
    due = []
    if rules.heartbeat_minutes:
        every = rules.heartbeat_minutes * MINUTE_MS
        slot = now - now % every
        due.append(Due("heartbeat", slot, slot + every))
    at = _minute_of_day(rules.daily_report_at)
    if at is not None:
        sent_on = _day_of(now - at)  # the last day whose report time has passed
        due.append(Due("daily_report", sent_on - DAY_MS, sent_on))
    if rules.weekly_report_on != "off":
        due.append(_weekly(WEEKDAYS.index(rules.weekly_report_on), at or 0, now))
    return due


def previous(kind: ReportKind, now: int) -> Due:
    """The report of ``kind`` for the last complete period before ``now`` (``notify
    --report``, whatever the schedule): the heartbeat of the moment, yesterday, last week."""
    today = _day_of(now)
    if kind == "daily_report":
        return Due(kind, today - DAY_MS, today)
    if kind == "weekly_report":
        monday = today - _weekday(today) * DAY_MS
        return Due(kind, monday - WEEK_MS, monday)
    return Due(kind, now, now)


def _weekly(weekday: int, at: int, now: int) -> Due:
    """The week reported on the last ``weekday`` at minute ``at`` that has passed: the Monday
    to Sunday week before the one it falls in."""
    day = _day_of(now - at)  # the last day whose report minute has passed
    sent_on = day - (_weekday(day) - weekday) % 7 * DAY_MS
    monday = sent_on - _weekday(sent_on) * DAY_MS
    return Due("weekly_report", monday - WEEK_MS, monday)


def _minute_of_day(hh_mm: str) -> int | None:
    """ms after 00:00 UTC of a validated "HH:MM", None for "off"."""
    if hh_mm == "off":
        return None
    hours, minutes = hh_mm.split(":")
    return (int(hours) * 60 + int(minutes)) * MINUTE_MS


def _day_of(ms: int) -> int:
    return ms - ms % DAY_MS


def _weekday(day_ms: int) -> int:
    """0 for Monday ... 6 for Sunday."""
    return (day_ms // DAY_MS + _EPOCH_WEEKDAY) % 7
