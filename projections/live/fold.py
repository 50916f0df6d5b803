"""Executors rebuilt from their stored events by the aggregate's own mutators.

The read model must hold the account the live process holds: the same netting of fills
(``domain.executor.apply_fill``), the same order bookkeeping. Rather than a second copy of that
arithmetic, each stored event becomes the domain event the library would make of it and mutates
an ``Executor`` (the library's fold). Folded executors are kept between pages; one that is not
exactly at the version before the next event (another process projected in between, a rolled
back commit) is folded again from the recorder, so the result never depends on the paging.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.utils import resolve_topic

from domain.executor import Executor

Decode = Callable[[bytes], dict[str, Any]]


def executor_event(stored: StoredEvent, decode: Decode) -> CanMutateAggregate:
    """The domain event of ``stored`` (what the store's mapper makes of it: its class from the
    topic, its fields from the state)."""
    kind = resolve_topic(stored.topic)
    return kind(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        **decode(stored.state),
    )


class ExecutorFold:
    """The executors seen so far, each at the version of the last event it applied."""

    def __init__(self, recorder: ApplicationRecorder, decode: Decode) -> None:
        self._recorder, self._decode = recorder, decode
        self._executors: dict[UUID, Executor] = {}

    def apply(self, stored: StoredEvent) -> tuple[Executor, CanMutateAggregate]:
        """The executor after ``stored``, and the event itself (for what the aggregate does not
        keep: a reconciliation's summary, a fill's id)."""
        ident = stored.originator_id
        before = self._executors.get(ident)
        if before is None or before.version != stored.originator_version - 1:
            before = self._replay(ident, stored.originator_version - 1)
        event = executor_event(stored, self._decode)
        executor = event.mutate(before)
        self._executors[ident] = executor
        return executor, event

    def _replay(self, ident: UUID, version: int) -> Executor | None:
        executor = None
        if version > 0:
            for stored in self._recorder.select_events(ident, lte=version):
                executor = executor_event(stored, self._decode).mutate(executor)
        return executor

    def forget(self) -> None:
        self._executors.clear()
