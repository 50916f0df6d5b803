"""Paged pull projectors: read the global event log in pages, write rows plus tracking atomically.

Each projector remembers the last notification id it has applied in the ``_tracking`` table of
the read DB, in the same transaction as the rows it wrote, so a crash never applies a page twice
or loses one (exactly-once, resumable). Beside it, ``scanned``: how far it has read the log. A
projector of rare events (paper, live) would otherwise rescan every candle since its last event
on each catch-up; ``notification_id`` itself moves only with rows, so the web's page cache,
keyed by it, keeps a page until the data under it changes. Projectors ask the recorder only
for the topics they handle and ignore everything else, so new event types never break old
projectors.

An event a projector cannot apply (a value its tables cannot hold, a state that does not
decode) stops it with a ``ProjectionError`` naming the event instead of a traceback: what came
before that event is committed, so the read model stays at the last good position, and every
later catch-up stops at the same event with the same message (``scalp-radar doctor`` lists it).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Sequence

import sqlite_utils
from eventsourcing.persistence import ApplicationRecorder, Notification

TRACKING = "_tracking"
_INT64 = (-(2**63), 2**63 - 1)
# failures of the database or the machine, not of an event: never blamed on one
_NOT_THE_EVENT = (sqlite3.OperationalError, OSError, MemoryError)


class ProjectionError(RuntimeError):
    """A projector met an event it cannot apply; its read model stays at ``position``."""

    def __init__(
        self,
        projection: str,
        notification_id: int,
        topic: str,
        field: str | None,
        reason: str,
        position: int,
        rebuild: bool = False,
    ) -> None:
        self.projection = projection
        self.notification_id = notification_id
        self.topic = topic
        self.field = field
        self.reason = reason
        self.position = position
        where = f"{topic}, field {field!r}" if field else topic
        kept = "the rebuild is undone and its read model" if rebuild else "its read model"
        super().__init__(
            f"projection {projection!r} stopped at event {notification_id} ({where}): {reason}; "
            f"{kept} stays at event {position} (see 'scalp-radar doctor')"
        )


class _CommitFailed(Exception):
    """A commit of (start, reached] raised ``cause`` and was rolled back."""

    def __init__(self, start: int, reached: int, cause: Exception) -> None:
        super().__init__(str(cause))
        self.start, self.reached, self.cause = start, reached, cause


def lag(
    db: sqlite_utils.Database,
    recorder: ApplicationRecorder,
    projector: type[Projector] | Projector,
    limit: int,
) -> int:
    """How many events of the projector's topics the read model has not applied yet (at most
    ``limit``: the count is a query), read from any connection to the read DB (a web request's,
    not the projector's own). The store's newest id would overstate the lag of a projector of
    rare events, so its own topics are counted, from where it has scanned to."""
    row = None
    if TRACKING in db.table_names():
        row = db.execute(
            f"SELECT max(notification_id, scanned) FROM {TRACKING} WHERE projection = ?",
            [projector.name],
        ).fetchone()
    found = recorder.select_notifications(
        start=int(row[0]) if row else 0,
        limit=limit,
        topics=projector.topics,
        inclusive_of_start=False,
    )
    return len(found)


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
            "schema INTEGER NOT NULL DEFAULT 1, scanned INTEGER NOT NULL DEFAULT 0)"
        )
        columns = self.db[TRACKING].columns_dict
        if "schema" not in columns:  # read DBs from before schemas
            self.db.execute(f"ALTER TABLE {TRACKING} ADD COLUMN schema INTEGER NOT NULL DEFAULT 1")
        if "scanned" not in columns:  # read DBs from before the scan position
            self.db.execute(f"ALTER TABLE {TRACKING} ADD COLUMN scanned INTEGER NOT NULL DEFAULT 0")
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
        """The id of the last event applied."""
        return self._read("notification_id")

    def scanned(self) -> int:
        """The id up to which the log has been read (applied or not of this projector's topics)."""
        return self._read("max(notification_id, scanned)")

    def _read(self, column: str) -> int:
        row = self.db.execute(
            f"SELECT {column} FROM {TRACKING} WHERE projection = ?", [self.name]
        ).fetchone()
        return int(row[0]) if row else 0

    def pending(self) -> int:
        """How far behind the store this projector is (in notification ids, an upper bound)."""
        return max(0, (self.recorder.max_notification_id() or 0) - self.scanned())

    def catch_up(
        self,
        page: int = 1000,
        pages_per_commit: int = 50,
        on_page: Callable[[int], None] | None = None,
    ) -> int:
        """Apply everything the store held when called; commit every ``pages_per_commit``
        pages. Returns events applied. (Events written meanwhile wait for the next call, so a
        busy writer never keeps a reader here.)

        Raises ``ProjectionError`` at an event that cannot be applied, once every event before
        it is committed."""
        target = self.recorder.max_notification_id() or 0
        applied = 0
        while True:
            try:
                start, scanned, count = self._commit(page, pages_per_commit, on_page, target)
            except _CommitFailed as failed:
                error = self._stop_at(failed)
                if isinstance(error, ProjectionError):
                    raise error from failed.cause
                raise error from None
            applied += count
            if scanned >= target or scanned == start:
                return applied

    def _commit(
        self,
        page: int,
        pages: int,
        on_page: Callable[[int], None] | None,
        stop: int,
    ) -> tuple[int, int, int]:
        """One transaction: apply up to ``pages`` pages (up to id ``stop``), flush, track.
        Returns (scanned before, scanned after, events applied)."""
        self._reached = 0
        try:
            with self.db.atomic():
                start = self._claim()
                try:
                    scanned, count = self._apply_pages(start, page, pages, on_page, stop)
                    if count:
                        self.flush()
                    if scanned != start:
                        self._track(self._reached if count else None, scanned)
                except _NOT_THE_EVENT:
                    raise
                except Exception as exc:
                    raise _CommitFailed(start, self._reached, exc) from exc
        except BaseException:
            self.discard()
            raise
        return start, scanned, count

    def _stop_at(self, failed: _CommitFailed) -> Exception:
        """The error to raise for a failed commit: find its first event that cannot be applied
        by bisecting the span (committing the good half each time) and name it; if no single
        event fails alone, the original failure."""
        good, bad, cause = failed.start, failed.reached, failed.cause
        while True:
            ids = self._ids(good, bad)
            if not ids:  # nothing to blame (the span moved under us)
                return cause
            if len(ids) == 1:
                try:
                    self._commit(1, 1, None, stop=ids[0])
                except _CommitFailed as again:
                    return self._error(ids[0], again.cause)
                return cause  # it applies alone: the failure was not about one event
            middle = ids[len(ids) // 2 - 1]
            try:
                self._commit(1000, len(ids), None, stop=middle)
                good = middle
            except _CommitFailed as again:
                bad, cause = middle, again.cause

    def _ids(self, after: int, upto: int) -> list[int]:
        """Ids of this projector's notifications in (after, upto], read in pages (a rebuild's
        span may be the whole log: only the ids are kept)."""
        ids: list[int] = []
        while True:
            page = self.recorder.select_notifications(
                start=after, limit=10_000, stop=upto, topics=self.topics, inclusive_of_start=False
            )
            if not page:
                return ids
            ids.extend(n.id for n in page)
            after = page[-1].id

    def _error(self, notification_id: int, cause: Exception) -> ProjectionError:
        found = self.recorder.select_notifications(
            start=notification_id, limit=1, stop=notification_id
        )
        topic = found[0].topic if found else "?"
        field = self.suspect_field(found[0]) if found else None
        reason = f"{type(cause).__name__}: {cause}"
        return ProjectionError(self.name, notification_id, topic, field, reason, self.position())

    def suspect_field(self, notification: Notification) -> str | None:
        """The field of ``notification`` that most likely stopped the projector (a number no
        int64 or float64 column holds), or None. Only projectors holding the store's decode as
        ``_decode`` (all of ours) can be inspected; a state that does not decode is ``state``."""
        decode = getattr(self, "_decode", None)
        if decode is None:
            return None
        try:
            state = decode(notification.state)
        except Exception:
            return "state"
        return _odd_field(state) if isinstance(state, dict) else None

    def _claim(self) -> int:
        """Take the read DB's write lock, then read the position. Two processes may project
        the same store (``paper`` and ``serve``): SQLite lets one write at a time, so the other
        waits here and then starts after what the first applied, never applying a page twice.
        (Reading the position before the lock would let both apply the same page.)
        Returns where to read from: what it has scanned."""
        self.db.execute(
            f"INSERT INTO {TRACKING} (projection, notification_id, schema) VALUES (?, 0, ?) "
            "ON CONFLICT(projection) DO NOTHING",
            [self.name, self.schema],
        )
        return self.scanned()

    def _stored_schema(self) -> int | None:
        row = self.db.execute(
            f"SELECT schema FROM {TRACKING} WHERE projection = ?", [self.name]
        ).fetchone()
        return None if row is None else int(row[0])

    def _track(self, applied: int | None, scanned: int) -> None:
        """Move the scan position, and the applied one when rows were written (the row exists:
        ``_claim`` made it in this transaction)."""
        self.db.execute(
            f"UPDATE {TRACKING} SET notification_id = coalesce(?, notification_id), "
            "scanned = ?, schema = ? WHERE projection = ?",
            [applied, scanned, self.schema, self.name],
        )

    def _apply_pages(
        self,
        position: int,
        page: int,
        pages: int,
        on_page: Callable[[int], None] | None,
        stop: int,
    ) -> tuple[int, int]:
        """Apply up to ``pages`` pages of events after ``position`` up to id ``stop``; returns
        (scanned to, events applied). A short page means every id up to ``stop`` was read:
        ``stop`` is at most the store's newest id, and ids commit in order (SQLite has one
        writer, the PostgreSQL recorder locks the table), so none can appear below it later."""
        count = 0
        for _ in range(pages):
            notifications = self.recorder.select_notifications(
                start=position,
                limit=page,
                stop=stop,
                topics=self.topics,
                inclusive_of_start=False,
            )
            if notifications:
                self._reached = notifications[-1].id
                self.apply(notifications)
                position = notifications[-1].id
                count += len(notifications)
                if on_page is not None:
                    on_page(len(notifications))
            if len(notifications) < page:
                return max(position, stop), count
        return position, count

    def rebuild(self) -> int:
        """Drop and replay from zero in one transaction: readers see the old model until commit.
        A rebuild that stops at an event is undone whole (the old model stays)."""
        try:
            with self.db.atomic():
                self.drop_tables()
                self.db.execute(f"DELETE FROM {TRACKING} WHERE projection = ?", [self.name])
                self.create_tables()
                return self.catch_up(pages_per_commit=1_000_000)
        except ProjectionError as exc:
            e = exc
            again = ProjectionError(
                e.projection, e.notification_id, e.topic, e.field, e.reason, self.position(), True
            )
            raise again from exc.__cause__


def _odd_field(state: dict, prefix: str = "") -> str | None:
    """The first field holding an int outside int64 or a float that is not finite (nested
    dicts and lists searched), as a dotted path."""
    for key, value in state.items():
        path = f"{prefix}{key}"
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and not _INT64[0] <= value <= _INT64[1]:
            return path
        if isinstance(value, float) and not math.isfinite(value):
            return path
        nested = dict(enumerate(value)) if isinstance(value, list) else value
        if isinstance(nested, dict):
            found = _odd_field(nested, f"{path}.")
            if found:
                return found
    return None
