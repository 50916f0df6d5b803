"""Appends a portfolio's EngineStarted / EngineStopped facts around a trading run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from eventsourcing.application import EventSourcedLog

from adapters.store.event_store import Store
from domain.engine_session import EngineStarted, EngineStopped, session_log_id


@contextmanager
def engine_session(store: Store, portfolio: str, mode: str) -> Iterator[None]:
    """Records the start, runs the body, records the stop with why it ended. Call it while
    holding the portfolio's writer lock (one writer per session log)."""
    log = EventSourcedLog(store.events, session_log_id(portfolio), EngineStarted)
    last = log.get_last()
    crashed = isinstance(last, EngineStarted)
    store.save(log.trigger_event(portfolio=portfolio, mode=mode, after_crash=crashed))
    reason = "finished"
    try:
        yield
    except KeyboardInterrupt:
        reason = "interrupted"
        raise
    except BaseException as exc:  # told, then re-raised: the caller reports it as before
        reason = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
        raise
    finally:
        stopped = log._trigger_event(EngineStopped, portfolio=portfolio, mode=mode, reason=reason)
        store.save(stopped)
