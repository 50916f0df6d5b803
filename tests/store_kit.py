"""Where a test's events live: SQLite in its home (the default), or PostgreSQL in a schema of its
own, selected by the environment exactly as an operator selects it (README, "Where state lives").

The ``store`` fixture (tests/conftest.py) runs a test once per kind. ``Stores.fresh()`` puts an
empty store in ``os.environ`` for the block: code in the test process and the subprocesses it
starts then use it, and two blocks never see each other's events. The PostgreSQL kind needs
``TEST_POSTGRES_HOST``, ``_PORT``, ``_USER``, ``_PASSWORD``, ``_DBNAME`` (``.ci/postgres.sh``
prints them); it skips without a reachable server, except under ``TEST_POSTGRES_REQUIRED``.
"""

from __future__ import annotations

import itertools
import os
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_VARS = (
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_DBNAME",
)
EVENTS_TABLE = "scalp_radar_events"  # eventsourcing's name: the application's name + _events
_schemas = itertools.count()


def pg_settings() -> dict[str, str]:
    """The test server's settings under the names the store reads (POSTGRES_HOST ...)."""
    settings = {var: os.environ.get(f"TEST_{var}", "") for var in PG_VARS}
    settings["POSTGRES_PORT"] = settings["POSTGRES_PORT"] or "5432"
    return settings


def postgres_reachable() -> bool:
    settings = pg_settings()
    if not settings["POSTGRES_HOST"]:
        return False
    try:
        address = (settings["POSTGRES_HOST"], int(settings["POSTGRES_PORT"]))
        socket.create_connection(address, 2).close()
    except OSError:
        return False
    return True


def require_postgres() -> None:
    """Skip the calling test without a server, unless CI says it must run."""
    if not postgres_reachable():
        if os.environ.get("TEST_POSTGRES_REQUIRED"):
            pytest.fail("TEST_POSTGRES_REQUIRED is set but no PostgreSQL server answers")
        pytest.skip("set TEST_POSTGRES_HOST/USER/PASSWORD/DBNAME (CI sets TEST_POSTGRES_REQUIRED)")


def connect(settings: dict[str, str]):
    import psycopg

    return psycopg.connect(**{var.split("_")[1].lower(): settings[var] for var in PG_VARS})


def fresh_schema(settings: dict[str, str]) -> str:
    """An empty schema, named after this process and a counter: tests never share one."""
    schema = f"test_{os.getpid()}_{next(_schemas)}"
    with connect(settings) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema


def drop_schema(settings: dict[str, str], schema: str) -> None:
    with connect(settings) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def postgres_env(schema: str) -> dict[str, str]:
    """The environment that selects PostgreSQL, in ``schema``."""
    return {"PERSISTENCE_MODULE": "eventsourcing.postgres", **pg_settings()} | {
        "POSTGRES_SCHEMA": schema
    }


@dataclass(frozen=True)
class Stores:
    kind: str  # "sqlite" or "postgres"

    @contextmanager
    def fresh(self) -> Iterator[dict[str, str]]:
        """An empty store selected in ``os.environ`` for the block (SQLite: each home holds
        its own, nothing to set); yields the variables set, for subprocess environments."""
        if self.kind == "sqlite":
            yield {}
            return
        settings = pg_settings()
        schema = fresh_schema(settings)
        env = postgres_env(schema)
        try:
            with pytest.MonkeyPatch.context() as patch:
                for var, value in env.items():
                    patch.setenv(var, value)
                yield env
        finally:
            drop_schema(settings, schema)


def stored_events(home: Path) -> int:
    """Events in the store the environment selects for ``home``, read as another process
    would (read-only, its own connection): cheap enough to poll."""
    schema = os.environ.get("POSTGRES_SCHEMA")
    if os.environ.get("PERSISTENCE_MODULE") == "eventsourcing.postgres" and schema:
        with connect(pg_settings()) as conn:
            exists = conn.execute("SELECT to_regclass(%s)", (f"{schema}.{EVENTS_TABLE}",))
            if exists.fetchone()[0] is None:
                return 0
            return conn.execute(f"SELECT COUNT(*) FROM {schema}.{EVENTS_TABLE}").fetchone()[0]
    path = home / "events.db"
    if not path.exists():
        return 0
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)) as db:
        return db.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
