"""Appends and reads operator requests (see ``domain.operator``)."""

from __future__ import annotations

from eventsourcing.application import EventSourcedLog

from adapters.store.event_store import Store
from domain.operator import KillSwitchResetRequested, requests_log_id


class OperatorLog:
    def __init__(self, store: Store, portfolio: str) -> None:
        self.store, self.portfolio = store, portfolio
        log_id = requests_log_id(portfolio)
        self.log = EventSourcedLog(store.events, log_id, KillSwitchResetRequested)

    def request_reset(self, key: str, source: str) -> int:
        """Append a reset request; returns its number (its position in the log)."""
        event = self.log.trigger_event(portfolio=self.portfolio, key=key, source=source)
        self.store.save(event)
        return event.originator_version

    def pending(self, done: int) -> list[KillSwitchResetRequested]:
        """Requests after number ``done``, oldest first."""
        return list(self.log.get(gt=done))
