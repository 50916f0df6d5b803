"""Appends and reads operator requests (see ``domain.operator``).

Every kind goes to one ``EventSourcedLog`` per portfolio: eventsourcing numbers a log's next event
from the last one stored whatever its class (``get_last``), and reads each back by its own topic,
so one log per kind over the same id continues a single sequence; stored reset requests keep
their topic and numbers."""

from __future__ import annotations

from eventsourcing.application import EventSourcedLog

from adapters.store.event_store import Store
from domain.operator import (
    EntriesHaltRequested,
    FlattenRequested,
    KillSwitchResetRequested,
    OperatorRequest,
    requests_log_id,
)


class OperatorLog:
    def __init__(self, store: Store, portfolio: str) -> None:
        self.store, self.portfolio = store, portfolio
        log_id = requests_log_id(portfolio)
        self.log = EventSourcedLog(store.events, log_id, KillSwitchResetRequested)
        self._halts = EventSourcedLog(store.events, log_id, EntriesHaltRequested)
        self._flattens = EventSourcedLog(store.events, log_id, FlattenRequested)

    def request_reset(self, key: str, source: str) -> int:
        """Append a reset request; returns its number (its position in the log)."""
        event = self.log.trigger_event(portfolio=self.portfolio, key=key, source=source)
        self.store.save(event)
        return event.originator_version

    def request_halt(self, halt: bool, source: str) -> int:
        """Append a request to stop (``halt``) or allow again new entries; returns its number."""
        event = self._halts.trigger_event(portfolio=self.portfolio, halt=halt, source=source)
        self.store.save(event)
        return event.originator_version

    def request_flatten(self, source: str) -> int:
        """Append a request to close every position and stop new entries; returns its number."""
        event = self._flattens.trigger_event(portfolio=self.portfolio, source=source)
        self.store.save(event)
        return event.originator_version

    def pending(self, done: int) -> list[OperatorRequest]:
        """Requests of every kind after number ``done``, oldest first."""
        return list(self.log.get(gt=done))
