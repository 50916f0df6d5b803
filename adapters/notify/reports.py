"""The scheduled reports (heartbeat, daily, weekly) sent through the bot: which are due at wall
time ``now``, their text from the read models, and the record of what was sent.

Each part of a report is recorded in the home's ``notify.db`` (table ``reports``, keyed by kind
and period start) right after Telegram's ok, and a report is due only while no report of its
kind for that period or a later one is recorded: a restart never sends one twice, nor an old
one after a newer. A report Telegram refuses is recorded as refused and not tried again. A
crash between the parts of a long report loses its remaining parts rather than repeating
the first ones.

The rules of ``notify.yaml`` apply as to the event messages: a type "off" is never sent,
"silent" is sent without a sound (the heartbeat's default).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from adapters.notify.notifier import Bot
from adapters.notify.schedule import Due, latest_due
from adapters.notify.telegram import Refused
from config.notify import NotifyFile
from projections import report_figures
from projections.notifier import split
from projections.notify_reports import daily_text, heartbeat_text, weekly_text

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS reports (kind TEXT NOT NULL, period_start INTEGER NOT NULL, "
    "part INTEGER NOT NULL, status TEXT NOT NULL, message_id INTEGER, sent_ts INTEGER NOT NULL, "
    "PRIMARY KEY (kind, period_start, part))"
)


def report_text(db: sqlite_utils.Database, due: Due, now: int) -> str:
    """The text of one report from the read DB ``db``: a heartbeat tells the state at ``now``,
    the daily and weekly reports their period."""
    if due.kind == "heartbeat":
        return heartbeat_text(report_figures.heartbeat(db, now))
    figures = report_figures.period(db, due.start, due.end)
    return daily_text(figures) if due.kind == "daily_report" else weekly_text(figures)


class Reports:
    """``refresh`` brings the read models up to the store before a report is computed (the
    notifier's process projects nothing otherwise); it runs only when a report is due."""

    def __init__(
        self,
        path: Path | str,
        rules: NotifyFile,
        db: sqlite_utils.Database,
        refresh: Callable[[], object] = lambda: None,
        log: Callable[[str], None] = print,
    ) -> None:
        self._rules, self._db, self._refresh, self._log = rules, db, refresh, log
        self._sent = sqlite3.connect(str(path), timeout=60)
        with self._sent:
            self._sent.execute(_SCHEMA)

    def due(self, now: int) -> list[Due]:
        """The reports to send at ``now``: scheduled, not turned off, not sent yet."""
        return [
            d
            for d in latest_due(self._rules, now)
            if self._rules.rule(d.kind) != "off" and not self._recorded(d)
        ]

    def preview(self, now: int) -> list[str]:
        """The texts ``send_due`` would send at ``now``, sending and recording nothing."""
        due = self.due(now)
        if due:
            self._refresh()
        return [report_text(self._db, d, now) for d in due]

    def send_due(self, bot: Bot, now: int) -> int:
        """Send the reports due at ``now``; returns the parts sent. Raises
        ``TelegramUnavailable`` (from the bot) with what was sent before it recorded."""
        due = self.due(now)
        if due:
            self._refresh()
        return sum(self._send(bot, d, now) for d in due)

    def _send(self, bot: Bot, due: Due, now: int) -> int:
        silent = self._rules.rule(due.kind) == "silent"
        parts = split(report_text(self._db, due, now))
        for part, text in enumerate(parts):
            outcome = bot.send(text, silent)
            if isinstance(outcome, Refused):
                self._log(
                    f"notify: Telegram refused the {due.kind} "
                    f"(HTTP {outcome.status}: {outcome.description})"
                )
                self._record(due, part, "refused", None, now)
                return part
            self._record(due, part, "sent", outcome.message_id, now)
        return len(parts)

    def _recorded(self, due: Due) -> bool:
        row = self._sent.execute(
            "SELECT 1 FROM reports WHERE kind = ? AND period_start >= ? LIMIT 1",
            [due.kind, due.start],
        ).fetchone()
        return row is not None

    def _record(self, due: Due, part: int, status: str, message_id: int | None, now: int) -> None:
        with self._sent:
            self._sent.execute(
                "INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?)",
                [due.kind, due.start, part, status, message_id, now],
            )

    def close(self) -> None:
        self._sent.close()
