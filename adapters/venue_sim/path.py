"""The documented intra-candle path and a cursor walking it.

A candle's price path is open -> low -> high -> close when close >= open, else
open -> high -> low -> close. A position along it is the distance travelled from the open (the
sum of absolute price moves), so "which order is touched first" is "whose touch distance is
smallest", and a walk that pauses mid-candle resumes at the price where it stopped.
"""

from __future__ import annotations

import msgspec


class Walk(msgspec.Struct):
    """A cursor ``at`` (distance from the open) on one candle's path."""

    points: list[float]
    at: float = 0.0

    @classmethod
    def of(cls, o: float, h: float, low: float, c: float) -> Walk:
        return cls([o, low, h, c] if c >= o else [o, h, low, c])

    @property
    def length(self) -> float:
        return sum(abs(b - a) for a, b in zip(self.points, self.points[1:], strict=False))

    def price(self) -> float:
        """The price at the cursor."""
        travelled = 0.0
        for a, b in zip(self.points, self.points[1:], strict=False):
            span = abs(b - a)
            if self.at <= travelled + span:
                direction = 1.0 if b >= a else -1.0
                return a + direction * (self.at - travelled)
            travelled += span
        return self.points[-1]

    def touch(self, level: float, below: bool) -> float | None:
        """The first distance, from the cursor on, where the price is at or beyond ``level``
        (at or under it when ``below``); the cursor itself when it already is (a gap), None when
        the rest of the path never gets there."""

        def beyond(p: float) -> bool:
            return p <= level if below else p >= level

        if beyond(self.price()):
            return self.at
        travelled = 0.0
        for a, b in zip(self.points, self.points[1:], strict=False):
            span = abs(b - a)
            if travelled + span > self.at and beyond(b):
                return travelled + abs(level - a)
            travelled += span
        return None

    def finish(self) -> None:
        self.at = self.length
