"""Writes research results into the store: one event per completed run or applied parameters."""

from __future__ import annotations

from uuid import uuid4

import msgspec
from eventsourcing.application import EventSourcedLog

from adapters.store.event_store import Store
from domain.research import RESEARCH_LOG_ID, OptimizationCompleted, ParamsApplied
from domain.walk_forward_summary import WalkForwardSummary


class ResearchLog:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.log = EventSourcedLog(store.events, RESEARCH_LOG_ID, OptimizationCompleted)

    def record_run(self, summary: WalkForwardSummary) -> str:
        run_id = str(uuid4())  # identity of a run: never derived from its content
        event = self.log.trigger_event(
            run_id=run_id,
            strategy=summary.strategy,
            symbol=summary.symbol,
            summary=msgspec.to_builtins(summary),
        )
        self.store.save(event)
        return run_id

    def applied_history(self) -> list[ParamsApplied]:
        """Every ``ParamsApplied`` ever recorded, oldest first (the read model keeps only the
        latest per pair; a forward test needs what was applied before a date)."""
        found: list[ParamsApplied] = []
        start = 1
        while True:
            page = self.store.recorder.select_notifications(
                start, 1000, topics=[ParamsApplied.TOPIC]
            )
            found += [self.store.mapper.to_domain_event(n) for n in page]
            if len(page) < 1000:
                return found
            start = page[-1].id + 1

    def record_applied(self, strategy: str, symbol: str, params: dict, grade: str, run_id: str):
        event = self.log._trigger_event(
            ParamsApplied,
            strategy=strategy,
            symbol=symbol,
            params=params,
            grade=grade,
            run_id=run_id,
        )
        self.store.save(event)
