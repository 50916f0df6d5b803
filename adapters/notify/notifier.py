"""The notifier: a pull projector of the event log whose output is Telegram messages.

Like the read-model projectors it pages the store by notification id from its own tracking
position, asking only for the topics ``projections.notifier`` reads. Unlike them its output
cannot be rolled back, so delivery is recorded per message part, in its own SQLite file, right
after the Bot API answered ok, and the tracking position (with the notifier's memory) moves
once the backlog is delivered: a crash after an ok resends nothing recorded, and on restart the
parts already recorded are skipped (at least once, never twice, except for a crash in the
instant between Telegram's ok and that commit).

Rules per message type (on / silent / off) and cooldowns per (type, subject) come from
``notify.yaml``; cooldowns are measured in event time against the last message sent, so a
replay and a live run are told the same things. A backlog with more routine messages than
``digest_after`` (a replay, a restart after a long stop) sends them as one digest; alerts
still go one by one, in event order, before it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import msgspec
from eventsourcing.persistence import ApplicationRecorder, Notification

from adapters.notify.telegram import Refused, Sent
from config.notify import NotifyFile
from projections.notifier import (
    ROUTINE,
    TOPICS,
    Memory,
    Message,
    OrderRef,
    digest,
    fold,
    split,
)

_PAGE = 500  # events read per query
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS tracking (notification_id INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS delivered (notification_id INTEGER NOT NULL, "
    "part INTEGER NOT NULL, status TEXT NOT NULL, message_id INTEGER, kind TEXT NOT NULL, "
    "subject TEXT NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (notification_id, part))",
    # the memory of earlier events, as of the tracking position (``orders`` apart: it only grows)
    "CREATE TABLE IF NOT EXISTS memory (state BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS orders (oid TEXT PRIMARY KEY, ref BLOB NOT NULL)",
)


class Bot(Protocol):
    def send(self, text: str, silent: bool) -> Sent | Refused: ...


class Outgoing(msgspec.Struct, frozen=True):
    """One message to send and the events it tells (one, or every event of a digest)."""

    ids: tuple[int, ...]
    message: Message


class Backlog(msgspec.Struct):
    """What is pending after the tracking position: the messages in event order, the position
    of the newest event read and the memory once every event is folded."""

    pending: list[Outgoing]
    position: int
    memory: Memory


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
        # WAL without a sync per commit: a commit survives the process being killed (not a
        # power cut), and takes microseconds, which keeps the instant between Telegram's ok
        # and its record (the one place a kill can make a duplicate) as short as it can be
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
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
        shown = []
        for item in self._plan(self._backlog().pending):
            message = item.message
            if not self._cooling(message, last):
                last[message.kind, message.subject] = message.ts
                shown.append(message)
        return shown

    def deliver(self, bot: Bot, budget: int | None = None) -> int:
        """Send every pending message, in event order; returns the parts sent. With a
        ``budget``, return once that many parts were sent: the rest stays pending and the
        position where it was (the next call reads the backlog again and skips what was
        sent), so that a long backlog leaves the caller time for its reports. Raises
        ``TelegramUnavailable`` (from the bot) with what was sent before it recorded."""
        backlog = self._backlog()
        sent = 0
        for item in self._plan(backlog.pending):
            if budget is not None and sent >= budget:
                return sent
            sent += self._deliver_one(bot, item)
        self._advance(backlog)
        return sent

    def _backlog(self) -> Backlog:
        memory = self._memory()
        pending: list[Outgoing] = []
        position = self.position()
        while notifications := self._page(position):
            for notification in notifications:
                message = self._fold(memory, notification)
                if message is not None and not self._finished(notification.id, message):
                    pending.append(Outgoing((notification.id,), message))
            position = notifications[-1].id
        return Backlog(pending, position, memory)

    def _fold(self, memory: Memory, notification: Notification) -> Message | None:
        state = self._decode(notification.state)
        originator = str(notification.originator_id)
        message = fold(memory, notification.topic, state, originator)
        if message is None or self._rules.rule(message.kind) == "off":
            return None
        return message

    def _plan(self, pending: list[Outgoing]) -> list[Outgoing]:
        """``pending`` as sent: one by one, or, past ``digest_after`` routine messages, the
        alerts one by one then one digest of the routine ones."""
        routine = [item for item in pending if item.message.kind in ROUTINE]
        limit = self._rules.digest_after
        if not limit or len(routine) <= limit or self._rules.rule("digest") == "off":
            return pending
        alerts = [item for item in pending if item.message.kind not in ROUTINE]
        ids = tuple(i for item in routine for i in item.ids)
        return [*alerts, Outgoing(ids, digest([item.message for item in routine]))]

    def _deliver_one(self, bot: Bot, item: Outgoing) -> int:
        message, first = item.message, item.ids[0]
        done = self._parts_done(first)
        if self._cooling(message, self._last) and not done:
            self._record(item.ids, 0, "cooled", None, message)
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
                    f"{first} (HTTP {outcome.status}: {outcome.description})"
                )
                self._record(item.ids, part, "refused", None, message)
                return sent
            status = "sent" if len(item.ids) == 1 else "digest"
            self._record(item.ids, part, status, outcome.message_id, message)
            sent += 1
        self._last[message.kind, message.subject] = message.ts
        return sent

    def _page(self, position: int) -> Sequence[Notification]:
        return self._recorder.select_notifications(
            start=position, limit=_PAGE, topics=TOPICS, inclusive_of_start=False
        )

    def _memory(self) -> Memory:
        row = self._db.execute("SELECT state FROM memory").fetchone()
        memory = msgspec.json.decode(row[0], type=Memory) if row else Memory()
        memory.orders = {
            oid: msgspec.json.decode(ref, type=OrderRef)
            for oid, ref in self._db.execute("SELECT oid, ref FROM orders")
        }
        return memory

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
        """Recorded as cooled, refused or digested, or every part of its text sent."""
        rows = self._db.execute(
            "SELECT status FROM delivered WHERE notification_id = ?", [notification_id]
        ).fetchall()
        if any(status != "sent" for (status,) in rows):
            return True
        return bool(rows) and len(rows) == len(split(message.text))

    def _record(
        self, ids: tuple[int, ...], part: int, status: str, message_id: int | None, m: Message
    ) -> None:
        with self._db:
            self._db.executemany(
                "INSERT INTO delivered VALUES (?, ?, ?, ?, ?, ?, ?)",
                [[i, part, status, message_id, m.kind, m.subject, m.ts] for i in ids],
            )

    def _advance(self, backlog: Backlog) -> None:
        orders = backlog.memory.orders
        state = msgspec.json.encode(msgspec.structs.replace(backlog.memory, orders={}))
        with self._db:
            self._db.execute("DELETE FROM tracking")
            self._db.execute("INSERT INTO tracking VALUES (?)", [backlog.position])
            self._db.execute("DELETE FROM memory")
            self._db.execute("INSERT INTO memory VALUES (?)", [state])
            self._db.executemany(
                "INSERT OR IGNORE INTO orders VALUES (?, ?)",
                [(oid, msgspec.json.encode(ref)) for oid, ref in orders.items()],
            )

    def close(self) -> None:
        self._db.close()
