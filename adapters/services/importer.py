"""Use case: import CSV(.gz) candle and funding files, and contract-spec files, into the store.

Each file is read and checked whole before anything is written, then written in one transaction:
a bad file stores nothing, a good one is stored entirely. Rows already stored are skipped, so a
second import of the same file adds no event. A refused file does not stop the others; the
caller learns about every refusal. A specs file (``binance-specs.csv``) names its exchange
itself; re-importing the same specs adds nothing either.

One import at a time per home: ``ImportLock`` (``import.lock``, an OS lock that dies with its
process) makes a second ``data import`` wait for the first, which then finds the rows stored and
adds nothing. Another writer of the same series (a ``data fetch``, a second machine on one
PostgreSQL store) is caught by the store's optimistic concurrency: the file is read again
against the store and retried once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from eventsourcing.persistence import IntegrityError

from adapters.files.csv_files import (
    CandleFile,
    CsvError,
    is_specs_file,
    read_series_file,
    read_specs_file,
)
from adapters.store.market_data import MarketData
from adapters.store.writer_lock import WriterLock
from adapters.text.progress import Progress

IMPORT_LOCK = "import.lock"
LOCK_WAIT_S = 600.0


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    path: Path
    series: str
    rows: int = 0
    added: int = 0
    error: str | None = None


class ImportLockBusy(RuntimeError):
    """Another import of this home kept its lock for longer than we would wait."""


class ImportLock(WriterLock):
    """Exclusive lock of a home's imports, held for the whole ``data import``. A busy lock is
    waited for (``on_wait`` is told once) up to ``wait_s`` seconds."""

    busy_error = ImportLockBusy

    def __init__(
        self, path: Path, wait_s: float | None = None, on_wait: Callable[[str], None] | None = None
    ) -> None:
        super().__init__(path, LOCK_WAIT_S if wait_s is None else wait_s, on_wait)

    def busy_message(self) -> str:
        return (
            f"another data import of this home is still running after {self.wait_s:.0f} s "
            f"(lock {self.path}); nothing imported"
        )

    def waiting_message(self) -> str:
        return f"waiting for another data import of this home (lock {self.path})"


def import_file(
    market_data: MarketData, path: Path, exchange: str, now_ms: int | None = None
) -> ImportOutcome:
    if is_specs_file(path):
        return _retried(path, lambda: import_specs(market_data, path, now_ms))
    try:
        parsed = read_series_file(path, exchange)
    except CsvError as exc:
        return ImportOutcome(path, "?", error=str(exc))
    if isinstance(parsed, CandleFile):
        series, rows = parsed.market, parsed.rows

        def append() -> ImportOutcome:
            added = market_data.append_candles(series, rows)
            return ImportOutcome(path, str(series), len(rows), added)
    else:
        funding, rows = parsed.series, parsed.rows

        def append() -> ImportOutcome:
            added = market_data.append_funding(funding, rows)
            return ImportOutcome(path, str(funding), len(rows), added)

    return _retried(path, append)


def _retried(path: Path, append: Callable[[], ImportOutcome]) -> ImportOutcome:
    """``append`` once more if another writer stored in the same series meanwhile (the store
    refused the whole transaction; MarketData forgot its caches, so the retry reads the series
    again and adds only what is still missing)."""
    try:
        return append()
    except IntegrityError:
        pass
    try:
        return append()
    except IntegrityError as exc:
        return ImportOutcome(
            path,
            "?",
            error=f"{path}: another process kept writing the same series ({exc}); "
            "nothing imported from this file, try again",
        )


def import_specs(market_data: MarketData, path: Path, now_ms: int | None = None) -> ImportOutcome:
    try:
        parsed = read_specs_file(path)
    except CsvError as exc:
        return ImportOutcome(path, "?", error=str(exc))
    recorded_at = int(time.time() * 1000) if now_ms is None else now_ms
    added = market_data.record_specs(parsed.specs, path.name, recorded_at)
    return ImportOutcome(path, f"{parsed.exchange} contract specs", len(parsed.specs), added)


def import_files(
    market_data: MarketData, paths: Iterable[Path], exchange: str, progress: Progress | None = None
) -> list[ImportOutcome]:
    outcomes = []
    for path in paths:
        outcome = import_file(market_data, path, exchange)
        outcomes.append(outcome)
        if progress is not None:
            result = "REFUSED" if outcome.error else f"+{outcome.added}"
            progress.advance(1, f"{path.name}: {result}")
    return outcomes
