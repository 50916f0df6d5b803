"""The read-model database: a SQLite file written only by projectors, read by web and CLI."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils


def open_read_db(path: Path | str) -> sqlite_utils.Database:
    """Open (creating) the read DB in WAL mode.

    ``check_same_thread=False`` because the single projector writer may be driven from worker
    threads (litestar's ``anyio.to_thread``); readers open their own short-lived connections.
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # a projector of another process may hold the write lock for a long page batch: wait
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=60)
    db = sqlite_utils.Database(conn)
    if str(path) != ":memory:":
        db.enable_wal()
    return db
