"""Base class of the events that no aggregate folds: market data and research results.

Their explicit topics (``scalp_radar:CandleClosed`` ...) are registered when the class is
defined, so a fresh process that only reads the store can resolve them; aggregate events get this
from the event library, plain ``DomainEvent`` subclasses do not.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import DomainEvent
from eventsourcing.utils import register_topic


class Fact(DomainEvent):
    TOPIC = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("TOPIC"):
            raise TypeError(f"{cls.__name__} needs an explicit TOPIC: stored topics are forever")
        register_topic(cls.TOPIC, cls)
