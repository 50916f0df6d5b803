"""Read-only access to the read DB for request handlers.

Each thread gets its own connection, opened read-only on the read DB file: the projector keeps
writing through the engine's connection, WAL lets readers run beside it, and a handler can
never write by mistake. An in-memory engine (tests) has no file to reopen, so it shares the
engine's connection.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import sqlite_utils


class ReadModels:
    def __init__(self, engine_db: sqlite_utils.Database) -> None:
        self._shared = engine_db
        self._path = _file_of(engine_db)
        self._local = threading.local()

    def db(self) -> sqlite_utils.Database:
        if self._path is None:
            return self._shared
        db = getattr(self._local, "db", None)
        if db is None:
            uri = f"{self._path.as_uri()}?mode=ro"
            db = sqlite_utils.Database(sqlite3.connect(uri, uri=True, check_same_thread=False))
            self._local.db = db
        return db


def _file_of(db: sqlite_utils.Database) -> Path | None:
    for _, name, filename in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return Path(filename) if filename else None
    return None
