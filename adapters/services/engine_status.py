"""Is the engine running? A paper process holds its portfolio's writer lock (an flock) while it
writes, so "online" means some known portfolio's lock is held now. Nothing writes a heartbeat.

The last state shown when offline is the newest candle time any portfolio has processed
(``paper_portfolios.last_ts``): it tells how old the pages' figures are in market time.

Probing a lock takes it for a few microseconds; a paper process starting in exactly that
instant would be told "busy". ``EngineStatusProbe`` therefore probes at most once per ``ttl``
seconds, however many pages are served.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import sqlite_utils

from adapters.services.portfolio_commands import is_running

DEFAULT_PORTFOLIO = "paper"


@dataclass(frozen=True, slots=True)
class EngineStatus:
    online: bool
    last_ts: int | None  # newest candle open time processed (epoch ms); None: never ran
    running: tuple[str, ...] = ()  # the portfolios being written now
    times: tuple[tuple[str, int | None], ...] = ()  # (portfolio, its last candle), by name
    portfolio: str | None = None  # set by ``of``: ``last_ts`` is this portfolio's

    def shown(self, asked: str | None) -> str | None:
        """The portfolio the paper pages show: the one asked for if it exists, else the
        default one, else the first by name (None: no portfolio yet)."""
        names = [name for name, _ in self.times]
        if asked in names:
            return asked
        return default_portfolio(names)

    def of(self, portfolio: str) -> EngineStatus:
        """This status with ``portfolio``'s last candle: a badge beside that portfolio's
        figures must not show another portfolio's newer time."""
        return replace(self, last_ts=dict(self.times).get(portfolio), portfolio=portfolio)


def default_portfolio(names: list[str]) -> str | None:
    """``DEFAULT_PORTFOLIO`` when it exists, else the first by name (None: no name)."""
    return DEFAULT_PORTFOLIO if DEFAULT_PORTFOLIO in names else min(names, default=None)


def portfolio_states(read_db: sqlite_utils.Database) -> list[tuple[str, int | None]]:
    """(portfolio, last candle time) of every paper portfolio in the read model."""
    try:
        return read_db.execute("SELECT portfolio, last_ts FROM paper_portfolios").fetchall()
    except sqlite3.OperationalError:  # no paper table yet: paper trading never ran here
        return []


def engine_status(home: Path, read_db: sqlite_utils.Database) -> EngineStatus:
    states = portfolio_states(read_db)
    names = {name for name, _ in states} | {DEFAULT_PORTFOLIO}
    running = tuple(sorted(n for n in names if is_running(home, n)))
    stamps = [ts for _, ts in states if ts is not None]
    times = tuple(sorted((name, ts) for name, ts in states))
    return EngineStatus(bool(running), max(stamps) if stamps else None, running, times)


class EngineStatusProbe:
    """``engine_status`` remembered for ``ttl`` seconds (thread-safe)."""

    def __init__(
        self, home: Path, read_db: Callable[[], sqlite_utils.Database], ttl: float = 1.0
    ) -> None:
        self.home, self._read_db, self.ttl = home, read_db, ttl
        self._lock = threading.Lock()
        self._at = -float("inf")
        self._status = EngineStatus(False, None)

    def status(self) -> EngineStatus:
        with self._lock:
            now = time.monotonic()
            if now - self._at >= self.ttl:
                self._status = engine_status(self.home, self._read_db())
                self._at = now
            return self._status
