"""``store migrate``: copy a home's SQLite event store into another store (PostgreSQL), then
prove the copy: the same events in the same order, and the same read models rebuilt from each.

The copy appends the source's notification log page by page, each page one transaction of the
target. A target that already holds events is accepted only when they are the source's own
first events (a finished migration run again copies nothing; an interrupted one goes on from
where it stopped); anything else is refused before a row is written. Snapshots are not copied:
they are a cache, and the paper process replays the events and takes new ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from eventsourcing.persistence import Notification, StoredEvent

from adapters.services.engine import PROJECTOR_TYPES
from adapters.store.event_store import Store
from projections.read_db import open_read_db

PAGE = 2_000  # events per read and per target transaction
Progress = Callable[[int], None]


class MigrationRefused(ValueError):
    """The target holds events that are not the source's: nothing was written."""


class VerificationFailed(RuntimeError):
    """The copy does not equal its source: the events or a rebuilt read model differ."""


@dataclass(frozen=True, slots=True)
class Migration:
    copied: int  # events appended to the target by this run
    total: int  # events in the source (and now in the target)
    read_models: list[str]  # the tables found equal once rebuilt from each store


def events(store: Store) -> Iterator[Notification]:
    """The store's notification log from its first event, read a page at a time."""
    start = 1
    while page := store.recorder.select_notifications(start, PAGE):
        yield from page
        start = page[-1].id + 1


def identity(event: StoredEvent) -> tuple:
    """What makes two stored events the same event: its aggregate, version, topic and state
    (the notification id is only the target's numbering)."""
    return (str(event.originator_id), event.originator_version, event.topic, bytes(event.state))


def count(store: Store) -> int:
    return sum(1 for _ in events(store))


def already_copied(source: Store, target: Store) -> int:
    """How many of the source's first events the target holds, or ``MigrationRefused`` when
    the target holds anything else."""
    held = 0
    mine = events(source)
    for theirs in events(target):
        ours = next(mine, None)
        if ours is None or identity(ours) != identity(theirs):
            raise MigrationRefused(
                f"the target already holds other events (its event {held + 1} is not the "
                "source's): migrate into an empty database or schema"
            )
        held += 1
    return held


def copy(source: Store, target: Store, skip: int, on_page: Progress) -> int:
    """Append the source's events after its first ``skip`` to the target; returns how many."""
    copied = 0
    batch: list[StoredEvent] = []
    for position, event in enumerate(events(source), 1):
        if position <= skip:
            continue
        batch.append(
            StoredEvent(event.originator_id, event.originator_version, event.topic, event.state)
        )
        if len(batch) == PAGE:
            copied += _append(target, batch, on_page)
    return copied + (_append(target, batch, on_page) if batch else 0)


def _append(target: Store, batch: list[StoredEvent], on_page: Progress) -> int:
    target.recorder.insert_events(batch)
    done = len(batch)
    batch.clear()
    on_page(done)
    return done


def same_events(source: Store, target: Store) -> int:
    """How many events both logs hold, having compared them event by event
    (``VerificationFailed`` names the first that differs)."""
    mine, theirs = events(source), events(target)
    position = 0
    while True:
        ours, copied = next(mine, None), next(theirs, None)
        if ours is None and copied is None:
            return position
        position += 1
        if ours is None or copied is None or identity(ours) != identity(copied):
            raise VerificationFailed(f"event {position} differs between the source and the copy")


def read_models(store: Store, on_page: Progress) -> dict[str, list[tuple]]:
    """Every read model rebuilt from ``store`` into a scratch database, as comparable rows
    (without ``seq``, an event's place in the log, and the tracking positions: the target's
    numbering may have gaps where a page was retried)."""
    db = open_read_db(":memory:")
    try:
        decode = store.mapper.transcoder.decode
        for kind in PROJECTOR_TYPES:
            kind(store.recorder, db, decode).catch_up(on_page=on_page)
        return {t: _rows(db, t) for t in sorted(db.table_names()) if not t.startswith("_")}
    finally:
        db.conn.close()


def _rows(db, table: str) -> list[tuple]:
    kept = [c.name for c in db[table].columns if c.name != "seq"]
    listed = ", ".join(f'"{c}"' for c in kept)
    return sorted((tuple(r) for r in db.execute(f'SELECT {listed} FROM "{table}"')), key=repr)


def migrate(
    source: Store, target: Store, skip: int, on_copy: Progress, on_verify: Progress
) -> Migration:
    """Copy what the target lacks (it holds the source's first ``skip`` events, as
    ``already_copied`` found), then verify the events and the read models."""
    copied = copy(source, target, skip, on_copy)
    total = same_events(source, target)
    mine, theirs = read_models(source, on_verify), read_models(target, on_verify)
    differing = sorted(t for t in mine.keys() | theirs.keys() if mine.get(t) != theirs.get(t))
    if differing:
        raise VerificationFailed(f"read model tables differ once rebuilt: {', '.join(differing)}")
    return Migration(copied, total, sorted(mine))
