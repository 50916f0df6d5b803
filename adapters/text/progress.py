"""A dependency-free progress bar for long CLI work (imports, fetches, walk-forward runs).

On a terminal it redraws one line at most ten times a second; when the output is not a
terminal (CI logs, pipes) it prints a plain line at every 10 % step, so logs stay short.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Counts work done out of ``total`` units (``total=None`` when the end is unknown)."""

    def __init__(
        self, label: str, total: int | None = None, unit: str = "", stream: TextIO | None = None
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        self._tty = bool(getattr(self._stream, "isatty", lambda: False)())
        self._started = time.perf_counter()
        self._last_draw = 0.0
        self._last_decile = -1

    def advance(self, n: int = 1, note: str = "") -> None:
        self.done += n
        self._draw(note, final=False)

    def set_note(self, note: str) -> None:
        self._draw(note, final=False, force=True)

    def close(self, note: str = "") -> None:
        self._draw(note, final=True, force=True)
        if self._tty:
            self._stream.write("\n")
        self._stream.flush()

    def _draw(self, note: str, final: bool, force: bool = False) -> None:
        now = time.perf_counter()
        if self._tty:
            if not force and now - self._last_draw < 0.1:
                return
            self._last_draw = now
            self._stream.write("\r" + self._line(note, now) + "\x1b[K")
            self._stream.flush()
            return
        decile = self._decile()
        # A closing line is printed unless it would repeat the 100 % line word for word.
        if decile > self._last_decile or (force and (not final or note or decile < 10)):
            self._last_decile = decile
            self._stream.write(self._line(note, now) + "\n")

    def _decile(self) -> int:
        if not self.total:
            return -1
        return min(10, self.done * 10 // self.total)

    def _line(self, note: str, now: float) -> str:
        elapsed = now - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        unit = f" {self.unit}" if self.unit else ""
        if self.total:
            frac = min(1.0, self.done / self.total)
            bar = "#" * int(frac * 24)
            head = f"{self.label} [{bar:<24}] {frac:6.1%} {self.done}/{self.total}{unit}"
        else:
            head = f"{self.label} {self.done}{unit}"
        tail = f" {rate:,.0f}{unit}/s" if self.done else ""
        return head + tail + (f"  {note}" if note else "")
