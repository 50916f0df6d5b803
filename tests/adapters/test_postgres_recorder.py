"""The store's PostgreSQL writes (adapters/store/postgres_recorder.py): a large write completes,
and the library's guarantees hold without its pipeline: the table lock that makes commit order
notification order, the ids returned, a conflicting version refused.

The large write is the case that hung: through eventsourcing's own recorder (psycopg's pipeline
mode) a single write of 100,000 events never returns on this machine, the server waiting for
the rest of the messages the client never flushes. It runs in a subprocess with a deadline, so
a regression fails here instead of stalling the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from adapters.store.event_store import open_store
from adapters.store.home import Home
from tests.store_kit import EVENTS_TABLE, Stores, connect, pg_settings, require_postgres

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_store(tmp_path: Path):
    require_postgres()
    with Stores("postgres").fresh():
        yield open_store(Home(tmp_path))


def _events(count: int, size: int = 100) -> list[StoredEvent]:
    originator = uuid.uuid4()
    return [StoredEvent(originator, v + 1, "tests:Big", os.urandom(size)) for v in range(count)]


def test_the_store_writes_postgres_without_the_pipeline(pg_store) -> None:
    assert type(pg_store.recorder).__name__ == "UnpipelinedRecorder"


def test_a_write_of_100k_events_completes(tmp_path: Path) -> None:
    require_postgres()
    script = textwrap.dedent(
        """
        import os, sys, uuid
        from eventsourcing.persistence import StoredEvent
        from adapters.store.event_store import open_store
        from adapters.store.home import Home
        store = open_store(Home(sys.argv[1]))
        originator = uuid.uuid4()
        events = [StoredEvent(originator, v + 1, "tests:Big", os.urandom(200))
                  for v in range(100_000)]
        ids = store.recorder.insert_events(events)
        print(len(ids), ids[-1] - ids[0] + 1, len(store.recorder.select_events(originator)))
        """
    )
    with Stores("postgres").fresh():
        done = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,  # seconds (it takes about 2); the pipelined write never returned
            cwd=ROOT,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["100000", "100000", "100000"]


def test_ids_are_returned_in_order_one_per_event(pg_store) -> None:
    first = pg_store.recorder.insert_events(_events(3))
    second = pg_store.recorder.insert_events(_events(2))
    assert len(first) == 3 and len(second) == 2
    assert first + second == list(range(first[0], first[0] + 5))
    listed = pg_store.recorder.select_notifications(first[0], limit=10)
    assert [n.id for n in listed] == first + second


def test_a_version_written_twice_is_refused_and_nothing_of_its_write_is_kept(pg_store) -> None:
    events = _events(3)
    pg_store.recorder.insert_events(events[:2])
    with pytest.raises(IntegrityError):
        pg_store.recorder.insert_events(events[1:])  # version 2 again, with version 3
    assert [
        e.originator_version for e in pg_store.recorder.select_events(events[0].originator_id)
    ] == [1, 2]


def test_a_write_waits_for_the_table_lock_a_plain_insert_would_not(pg_store) -> None:
    """Another transaction holding ROW EXCLUSIVE (what an INSERT takes) does not block a plain
    insert, but blocks the EXCLUSIVE lock each write takes so that commits come in id order."""
    pg_store.recorder.insert_events(_events(1))  # the table exists
    schema = os.environ["POSTGRES_SCHEMA"]
    locked = threading.Event()

    def hold(seconds: float) -> None:
        with connect(pg_settings()) as conn:
            conn.execute(f"LOCK TABLE {schema}.{EVENTS_TABLE} IN ROW EXCLUSIVE MODE")
            locked.set()
            time.sleep(seconds)

    holder = threading.Thread(target=hold, args=(1.0,))
    holder.start()
    locked.wait(10)
    started = time.monotonic()
    pg_store.recorder.insert_events(_events(1))
    waited = time.monotonic() - started
    holder.join()
    assert waited > 0.5
