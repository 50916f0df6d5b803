"""Writes portfolio backtests into the store: one ``PortfolioBacktestCompleted`` per run."""

from __future__ import annotations

from uuid import uuid4

import msgspec
from eventsourcing.application import EventSourcedLog

from adapters.store.event_store import Store
from domain.portfolio_report import PortfolioReport
from domain.portfolio_run import PORTFOLIO_LOG_ID, PortfolioBacktestCompleted, PortfolioSettings


class PortfolioLog:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.log = EventSourcedLog(store.events, PORTFOLIO_LOG_ID, PortfolioBacktestCompleted)

    def record_run(self, settings: PortfolioSettings, report: PortfolioReport) -> str:
        run_id = str(uuid4())  # identity of a run: never derived from its content
        event = self.log.trigger_event(
            run_id=run_id,
            settings=msgspec.to_builtins(settings),
            report=msgspec.to_builtins(report),
        )
        self.store.save(event)
        return run_id
