"""The engine's health now (``projections.health``): the read models' figures plus what only
this machine knows, which portfolios a process is writing (their writer locks) and how far each
read model trails the store."""

from __future__ import annotations

import time

import sqlite_utils

from adapters.services.engine import Engine
from adapters.services.engine_status import engine_status
from projections.health import LAG_LIMIT, Health, Processes, assess, gather
from projections.projector import lag


def engine_health(engine: Engine, db: sqlite_utils.Database, now: int | None = None) -> Health:
    """``db``: a connection to the engine's read DB usable in this thread (a web request's)."""
    running = engine_status(engine.home.locks, db).running
    recorder = engine.store.recorder
    lags = {p.name: lag(db, recorder, p, LAG_LIMIT + 1) for p in engine.projectors}
    processes = Processes(list(running), lags)
    return assess(gather(db, now if now is not None else int(time.time() * 1000), processes))
