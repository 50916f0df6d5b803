"""Paged pull projectors: read the global event log in pages, write rows plus tracking atomically.

Each projector remembers the last notification id it has applied in the ``_tracking`` table of
the read DB, in the same transaction as the rows it wrote, so a crash never applies a page twice
or loses one (exactly-once, resumable). Projectors ask the recorder only for the topics they
handle and ignore everything else, so new event types never break old projectors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlite_utils
from eventsourcing.persistence import ApplicationRecorder, Notification

TRACKING = "_tracking"


class Projector:
    """Base class: subclasses set ``name`` and ``topics`` and implement ``apply``/``flush``."""

    name: str = ""
    topics: tuple[str, ...] = ()
    # Bump when the tables change: a read DB built by another schema is dropped and replayed
    # (read models are disposable; the events are the truth).
    schema: int = 1

    def __init__(self, recorder: ApplicationRecorder, db: sqlite_utils.Database) -> None:
        self.recorder = recorder
        self.db = db
        self.db.execute(
            f"CREATE TABLE IF NOT EXISTS {TRACKING} "
            "(projection TEXT PRIMARY KEY, notification_id INTEGER NOT NULL, "
            "schema INTEGER NOT NULL DEFAULT 1)"
        )
        if "schema" not in self.db[TRACKING].columns_dict:  # read DBs from before schemas
            self.db.execute(f"ALTER TABLE {TRACKING} ADD COLUMN schema INTEGER NOT NULL DEFAULT 1")
        if self._stored_schema() not in (None, self.schema):
            with self.db.atomic():
                self.drop_tables()
                self.db.execute(f"DELETE FROM {TRACKING} WHERE projection = ?", [self.name])
        self.create_tables()

    # -- to implement ---------------------------------------------------------------------------
    def create_tables(self) -> None:
        """Create the projector's tables if missing."""

    def drop_tables(self) -> None:
        """Drop the projector's tables (for a rebuild)."""

    def apply(self, notifications: Sequence[Notification]) -> None:
        """Apply one page; may buffer in memory until ``flush``."""
        raise NotImplementedError

    def flush(self) -> None:
        """Write buffered state; called inside the transaction that moves the tracking row."""

    def discard(self) -> None:
        """Forget buffered state after a failed transaction."""

    # -- driving -----------------------------------------------------------------------------------
    def position(self) -> int:
        row = self.db.execute(
            f"SELECT notification_id FROM {TRACKING} WHERE projection = ?", [self.name]
        ).fetchone()
        return int(row[0]) if row else 0

    def pending(self) -> int:
        """How far behind the store this projector is (in notification ids, an upper bound)."""
        return max(0, (self.recorder.max_notification_id() or 0) - self.position())

    def catch_up(
        self,
        page: int = 1000,
        pages_per_commit: int = 50,
        on_page: Callable[[int], None] | None = None,
    ) -> int:
        """Apply everything new; commit every ``pages_per_commit`` pages. Returns events applied."""
        applied = 0
        while True:
            try:
                with self.db.atomic():
                    position = self._claim()
                    moved, count = self._apply_pages(position, page, pages_per_commit, on_page)
                    if moved != position:
                        self.flush()
                        self._track(moved)
            except BaseException:
                self.discard()
                raise
            applied += count
            if moved == position:
                return applied
            position = moved

    def _claim(self) -> int:
        """Take the read DB's write lock, then read the position. Two processes may project
        the same store (``paper`` and ``serve``): SQLite lets one write at a time, so the other
        waits here and then starts after what the first applied, never applying a page twice.
        (Reading the position before the lock would let both apply the same page.)"""
        self.db.execute(
            f"INSERT INTO {TRACKING} (projection, notification_id, schema) VALUES (?, 0, ?) "
            "ON CONFLICT(projection) DO NOTHING",
            [self.name, self.schema],
        )
        return self.position()

    def _stored_schema(self) -> int | None:
        row = self.db.execute(
            f"SELECT schema FROM {TRACKING} WHERE projection = ?", [self.name]
        ).fetchone()
        return None if row is None else int(row[0])

    def _track(self, position: int) -> None:
        self.db.execute(
            f"INSERT INTO {TRACKING} (projection, notification_id, schema) VALUES (?, ?, ?) "
            "ON CONFLICT(projection) DO UPDATE SET notification_id = excluded.notification_id, "
            "schema = excluded.schema",
            [self.name, position, self.schema],
        )

    def _apply_pages(
        self, position: int, page: int, pages: int, on_page: Callable[[int], None] | None
    ) -> tuple[int, int]:
        count = 0
        for _ in range(pages):
            notifications = self.recorder.select_notifications(
                start=position, limit=page, topics=self.topics, inclusive_of_start=False
            )
            if not notifications:
                break
            self.apply(notifications)
            position = notifications[-1].id
            count += len(notifications)
            if on_page is not None:
                on_page(len(notifications))
        return position, count

    def rebuild(self) -> int:
        """Drop and replay from zero in one transaction: readers see the old model until commit."""
        with self.db.atomic():
            self.drop_tables()
            self.db.execute(f"DELETE FROM {TRACKING} WHERE projection = ?", [self.name])
            self.create_tables()
            return self.catch_up(pages_per_commit=1_000_000)
