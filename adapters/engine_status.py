"""Is the engine running? Read from the heartbeat row the running engine refreshes.

The paper engine upserts ``engine_heartbeat(name, ts_ms)`` in the read DB while it runs; the
dashboard and the CLI only read it. A missing table or row means the engine never ran here, so
it is offline; a row older than ``STALE_AFTER_MS`` means it stopped (or hung).
"""

from __future__ import annotations

import sqlite3
import time

import sqlite_utils

TABLE = "engine_heartbeat"
STALE_AFTER_MS = 90_000  # three missed beats of a 30 s heartbeat


def engine_status(
    read_db: sqlite_utils.Database, now_ms: int | None = None
) -> tuple[bool, int | None]:
    """(online, last heartbeat in epoch ms or None when the engine never ran)."""
    try:
        row = read_db.execute(f"SELECT MAX(ts_ms) FROM {TABLE}").fetchone()
    except sqlite3.OperationalError:  # no such table: no engine has ever run on this read DB
        return False, None
    last = row[0] if row else None
    if last is None:
        return False, None
    now = int(time.time() * 1000) if now_ms is None else now_ms
    return now - int(last) <= STALE_AFTER_MS, int(last)
