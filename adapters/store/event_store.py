"""The one append-only event store: an ``eventsourcing.Application`` and how it is configured.

Persistence is chosen by environment variables alone, the library's own mechanism:

* nothing set -> SQLite file ``<home>/events.db`` (WAL, created on first use);
* ``PERSISTENCE_MODULE=eventsourcing.postgres`` plus ``POSTGRES_DBNAME``, ``POSTGRES_HOST``,
  ``POSTGRES_USER``, ``POSTGRES_PASSWORD`` (each may also be prefixed ``SCALP_RADAR_``)
  -> PostgreSQL, with no code change;
* ``memory=True`` (unit tests, scratch backtests) -> the library's in-memory POPO recorder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Transcoder
from eventsourcing.utils import Environment, EnvType

from adapters.store.home import Home
from adapters.store.transcoder import FastJSONTranscoder

APP_NAME = "scalp_radar"  # the env prefix and tracking key: never rename it
_MODULE_KEYS = ("PERSISTENCE_MODULE", f"{APP_NAME.upper()}_PERSISTENCE_MODULE")
# PostgreSQL writes go through this recorder (why: its module's docstring)
POSTGRES_RECORDER = "adapters.store.postgres_recorder:UnpipelinedRecorder"


class Store(Application):
    """The engine's one event store, an eventsourcing ``Application``: every candle, decision and
    order lives in its recorder. (The library's own ``EventStore`` is a part of it, ``.events``,
    hence this name.)"""

    name = APP_NAME
    # snapshots are taken by hand (adapters.services.paper_trader), see notes
    is_snapshotting_enabled = True

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        environment = super().construct_env(name, env)
        module = environment.get("PERSISTENCE_MODULE") or ""
        if module.endswith("postgres") and not environment.get("APPLICATION_RECORDER_TOPIC"):
            environment["APPLICATION_RECORDER_TOPIC"] = POSTGRES_RECORDER
        return environment

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder


def chosen_by_environment(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the environment selects the persistence module (PostgreSQL), not the home."""
    env = os.environ if environ is None else environ
    return any(env.get(key) for key in _MODULE_KEYS)


def store_exists(home: Home) -> bool:
    """Events may be stored already: the home's SQLite file exists, or the environment names
    a server store (whose tables are created on first use; a fresh one reads as empty)."""
    return chosen_by_environment() or home.events_db.is_file()


def store_env(home: Home, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Constructor env for the store: SQLite in ``home`` unless the environment chose a module.

    The constructor env outranks ``os.environ`` in the library, so the SQLite defaults are only
    passed when the environment selected nothing; otherwise an operator's PostgreSQL settings
    would be overridden.
    """
    if chosen_by_environment(environ):
        return {}
    home.ensure()
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(home.events_db),
        "SQLITE_LOCK_TIMEOUT": "10",
    }


def open_store(home: Home | None = None, *, memory: bool = False) -> Store:
    """Open the event store for ``home`` (or an in-memory one for tests)."""
    env: dict[str, Any]
    if memory:
        env = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    elif home is None:
        raise ValueError("open_store needs a home directory unless memory=True")
    else:
        env = store_env(home)
    return Store(env=env)


def open_sqlite_store(home: Home) -> Store:
    """The home's SQLite store whatever the environment selects (``store migrate`` reads it
    while the environment names its PostgreSQL target)."""
    env = store_env(home, environ={})
    # the library reads a prefixed name before the plain one: set both, so neither of the
    # environment's (SCALP_RADAR_)PERSISTENCE_MODULE can win
    return Store(env=env | {f"{APP_NAME.upper()}_{key}": value for key, value in env.items()})


def describe_store(store: Store) -> str:
    """Human description of where events live (for status lines; never prints secrets)."""
    module = store.env.get("PERSISTENCE_MODULE") or "eventsourcing.popo"
    if module.endswith("sqlite"):
        return f"SQLite {store.env.get('SQLITE_DBNAME')}"
    if module.endswith("postgres"):
        host, db = store.env.get("POSTGRES_HOST"), store.env.get("POSTGRES_DBNAME")
        return f"PostgreSQL {host}/{db}"
    return "in memory"
