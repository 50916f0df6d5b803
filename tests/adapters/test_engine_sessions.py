"""A portfolio's session log: started, stopped with why, and a start after a run that never
said it stopped (killed outright) marked as such."""

from __future__ import annotations

import pytest
from eventsourcing.application import EventSourcedLog

from adapters.store.engine_sessions import engine_session
from adapters.store.event_store import Store, open_store
from domain.engine_session import EngineStarted, EngineStopped, session_log_id


def _told(store: Store) -> list[tuple]:
    log = EventSourcedLog(store.events, session_log_id("p"), EngineStarted)
    return [
        (type(e).__name__, e.after_crash if isinstance(e, EngineStarted) else e.reason)
        for e in log.get()
    ]


def test_a_run_that_ends_is_told_finished() -> None:
    store = open_store(memory=True)
    with engine_session(store, "p", "replay"):
        pass
    assert _told(store) == [("EngineStarted", False), ("EngineStopped", "finished")]


def test_an_error_and_an_interrupt_are_told_with_their_reason() -> None:
    store = open_store(memory=True)
    with pytest.raises(ValueError), engine_session(store, "p", "paper on bitget"):
        raise ValueError("feed\n  gave up")
    with pytest.raises(KeyboardInterrupt), engine_session(store, "p", "paper on bitget"):
        raise KeyboardInterrupt
    stops = [reason for kind, reason in _told(store) if kind == "EngineStopped"]
    assert stops == ["ValueError: feed gave up", "interrupted"]


def test_a_start_after_a_run_killed_outright_says_so() -> None:
    store = open_store(memory=True)
    killed = engine_session(store, "p", "live on bitget")
    killed.__enter__()  # SIGKILL: the body never ends, no stop is written
    with engine_session(store, "p", "live on bitget"):
        pass
    assert _told(store) == [
        ("EngineStarted", False),
        ("EngineStarted", True),
        ("EngineStopped", "finished"),
    ]
    assert isinstance(
        EventSourcedLog(store.events, session_log_id("p"), EngineStopped).get_last(), EngineStopped
    )
