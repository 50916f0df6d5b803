"""Fault injection: rules that make the next matching requests fail the way the venue does.

Kinds: ``error`` (answer Bitget's error ``code`` without acting), ``429`` (HTTP 429 with Bitget's
body), ``lose_answer`` (act, then drop the connection unanswered), ``delay`` (act, answer after
``seconds``), ``malformed`` / ``nan_price`` / ``missing_field`` (act, answer a broken body), and
``partial`` (the next limit fills fill only ``fraction``; the matcher takes it). ``path`` ""
matches any path; each rule fires ``times`` times. On the private websocket:
``drop_ws_frames`` (the next ``times`` pushes are silently not sent) and ``ws_disconnect``
(every private socket is cut at once, when ``VenueSim.inject`` receives it).
"""

from __future__ import annotations

import threading
from typing import Literal

import msgspec

Kind = Literal[
    "error", "429", "lose_answer", "delay", "partial", "malformed", "nan_price", "missing_field",
    "drop_ws_frames", "ws_disconnect",
]  # fmt: skip
BEFORE = ("error", "429")  # answered instead of acting
NOT_HTTP = ("partial", "drop_ws_frames", "ws_disconnect")  # taken by the matcher or the WS


class Fault(msgspec.Struct):
    kind: Kind
    path: str = ""
    times: int = 1
    code: str = "40015"
    seconds: float = 0.0
    fraction: float = 1.0

    def __post_init__(self) -> None:
        if self.times < 1:
            raise ValueError(f"fault {self.kind}: times must be >= 1, got {self.times}")
        if self.kind == "partial" and not 0.0 < self.fraction < 1.0:
            raise ValueError(f"fault partial: fraction must be in (0, 1), got {self.fraction}")


class Faults:
    """The pending rules (thread-safe: the HTTP threads and the test both use it)."""

    def __init__(self) -> None:
        self._rules: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._rules.append(fault)

    def take(self, path: str, before: bool) -> Fault | None:
        """The first rule for ``path`` of the phase asked (before acting, or after), used once."""
        with self._lock:
            for rule in self._rules:
                phase_ok = rule.kind not in NOT_HTTP and (rule.kind in BEFORE) == before
                if phase_ok and rule.path in ("", path):
                    return self._use(rule)
        return None

    def take_partial(self) -> float | None:
        rule = self.take_kind("partial")
        return None if rule is None else rule.fraction

    def take_kind(self, kind: Kind) -> Fault | None:
        """The first rule of ``kind``, used once."""
        with self._lock:
            rule = next((r for r in self._rules if r.kind == kind), None)
            return None if rule is None else self._use(rule)

    def _use(self, rule: Fault) -> Fault:
        rule.times -= 1
        if rule.times == 0:
            self._rules.remove(rule)
        return rule
