"""The PostgreSQL recorder the store uses: the library's, writing without psycopg's pipeline mode.

eventsourcing sends a write's statements (lock the table, notify, insert) in one psycopg
pipeline. In psycopg 3.3, a pipeline whose last flush is partial (the socket is full, as with a
large candle import, or while the server waits for the table lock) leaves the rest of the
messages in the client's buffer and then waits for results: the server waits for those
messages, the client for the server, forever (a ``data import`` hung CI this way;
tests/adapters/test_postgres_recorder.py reproduces it with one large write). The same
statements sent one by one, in one transaction, keep the library's guarantees (the table
lock that orders commits as notification ids, the notify, the ids returned) and flush fully:
psycopg's plain ``execute`` sends until the buffer is empty.

Only this module imports psycopg (through eventsourcing.postgres): the store names it by topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry


class UnpipelinedRecorder(PostgresApplicationRecorder):
    """``PostgresApplicationRecorder`` whose ``insert_events`` does not use pipeline mode."""

    # the library's retry (a dropped connection: nothing was committed, the write is redone)
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            # the table lock, the notify and the insert (the library's own statements)
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
