"""The notifier: a pull projector of the event log whose output is Telegram messages.

Like the read-model projectors it pages the store by notification id from its own tracking
position, asking only for the topics ``projections.notifier`` words. Unlike them its output
cannot be rolled back, so delivery is recorded per message part, in its own SQLite file, right
after the Bot API answered ok, and the tracking position moves after a page: a crash after an
ok resends nothing recorded, and on restart the parts already recorded are skipped (at least
once, never twice, except for a crash in the instant between Telegram's ok and that commit).

Rules per message type (on / silent / off) and cooldowns per (type, subject) come from
``notify.yaml``; cooldowns are measured in event time against the last message sent, so a
replay and a live run are told the same things.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder, Notification

from adapters.notify.telegram import Refused, Sent
from config.notify import NotifyFile
from projections.notifier import TOPICS, Message, message_for, split

_PAGE = 100  # events read per query; the tracking position moves after each page
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS tracking (notification_id INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS delivered (notification_id INTEGER NOT NULL, "
    "part INTEGER NOT NULL, status TEXT NOT NULL, message_id INTEGER, kind TEXT NOT NULL, "
    "subject TEXT NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (notification_id, part))",
)


class Bot(Protocol):
    def send(self, text: str, silent: bool) -> Sent | Refused: ...


class Notifier:
    def __init__(
        self,
        recorder: ApplicationRecorder,
        decode: Callable[[bytes], Any],
        path: Path | str,
        rules: NotifyFile,
        log: Callable[[str], None] = print,
    ) -> None:
        self._recorder, self._decode, self._rules, self._log = recorder, decode, rules, log
        self._db = sqlite3.connect(str(path), timeout=60)
        for statement in _SCHEMA:
            self._db.execute(statement)
        self._db.commit()
        # last message sent per (kind, subject), in event time: the cooldowns' memory
        self._last: dict[tuple[str, str], int] = dict(
            ((kind, subject), ts)
            for kind, subject, ts in self._db.execute(
                "SELECT kind, subject, MAX(ts) FROM delivered WHERE status = 'sent' "
                "GROUP BY kind, subject"
            )
        )

    def position(self) -> int:
        row = self._db.execute("SELECT notification_id FROM tracking").fetchone()
        return int(row[0]) if row else 0

    def preview(self) -> list[Message]:
        """The messages ``deliver`` would send now, sending and recording nothing."""
        last = dict(self._last)
        shown, position = [], self.position()
        while notifications := self._page(position):
            for notification in notifications:
                message = self._pending(notification)
                if message is not None and not self._cooling(message, last):
                    last[message.kind, message.subject] = message.ts
                    shown.append(message)
            position = notifications[-1].id
        return shown

    def deliver(self, bot: Bot, budget: int | None = None) -> int:
        """Send every pending message, in event order; returns the parts sent. With a
        ``budget``, return once that many parts were sent (the rest stays pending), so that a
        long backlog leaves the caller time for its reports. Raises ``TelegramUnavailable``
        (from the bot) with what was sent before it recorded."""
        sent = 0
        while notifications := self._page(self.position()):
            for notification in notifications:
                message = self._pending(notification)
                if message is not None:
                    sent += self._deliver_one(bot, notification.id, message)
                if budget is not None and sent >= budget:
                    self._advance(notification.id)
                    return sent
            self._advance(notifications[-1].id)
        return sent

    def _deliver_one(self, bot: Bot, notification_id: int, message: Message) -> int:
        done = self._parts_done(notification_id)
        if self._cooling(message, self._last) and not done:
            self._record(notification_id, 0, "cooled", None, message)
            return 0
        silent = self._rules.rule(message.kind) == "silent"
        sent = 0
        for part, text in enumerate(split(message.text)):
            if part in done:
                continue
            outcome = bot.send(text, silent)
            if isinstance(outcome, Refused):
                self._log(
                    f"notify: Telegram refused the {message.kind} message of event "
                    f"{notification_id} (HTTP {outcome.status}: {outcome.description})"
                )
                self._record(notification_id, part, "refused", None, message)
                return sent
            self._record(notification_id, part, "sent", outcome.message_id, message)
            sent += 1
        self._last[message.kind, message.subject] = message.ts
        return sent

    def _page(self, position: int) -> Sequence[Notification]:
        return self._recorder.select_notifications(
            start=position, limit=_PAGE, topics=TOPICS, inclusive_of_start=False
        )

    def _pending(self, notification: Notification) -> Message | None:
        """The message of an event whose type the rules do not turn off and whose delivery is
        not finished (every part sent, or refused, or cooled), else None."""
        message = message_for(notification.topic, self._decode(notification.state))
        if message is None or self._rules.rule(message.kind) == "off":
            return None
        return None if self._finished(notification.id, message) else message

    def _cooling(self, message: Message, last: dict[tuple[str, str], int]) -> bool:
        cooldown = self._rules.cooldown_ms(message.kind)
        before = last.get((message.kind, message.subject))
        return cooldown > 0 and before is not None and message.ts - before < cooldown

    def _parts_done(self, notification_id: int) -> set[int]:
        rows = self._db.execute(
            "SELECT part FROM delivered WHERE notification_id = ?", [notification_id]
        )
        return {part for (part,) in rows}

    def _finished(self, notification_id: int, message: Message) -> bool:
        """Recorded as cooled or refused, or every part of its text sent."""
        rows = self._db.execute(
            "SELECT status FROM delivered WHERE notification_id = ?", [notification_id]
        ).fetchall()
        if any(status != "sent" for (status,) in rows):
            return True
        return bool(rows) and len(rows) == len(split(message.text))

    def _record(
        self, notification_id: int, part: int, status: str, message_id: int | None, m: Message
    ) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO delivered VALUES (?, ?, ?, ?, ?, ?, ?)",
                [notification_id, part, status, message_id, m.kind, m.subject, m.ts],
            )

    def _advance(self, position: int) -> None:
        with self._db:
            self._db.execute("DELETE FROM tracking")
            self._db.execute("INSERT INTO tracking VALUES (?)", [position])

    def close(self) -> None:
        self._db.close()
