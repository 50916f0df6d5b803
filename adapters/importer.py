"""Use case: import CSV(.gz) candle and funding files into the event store.

Each file is read and checked whole before anything is written, then written in one transaction:
a bad file stores nothing, a good one is stored entirely. Rows already stored are skipped, so a
second import of the same file adds no event. A refused file does not stop the others; the
caller learns about every refusal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from adapters.csv_files import CandleFile, CsvError, read_series_file
from adapters.market_data import MarketData
from adapters.progress import Progress


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    path: Path
    series: str
    rows: int = 0
    added: int = 0
    error: str | None = None


def import_file(market_data: MarketData, path: Path, exchange: str) -> ImportOutcome:
    try:
        parsed = read_series_file(path, exchange)
    except CsvError as exc:
        return ImportOutcome(path, "?", error=str(exc))
    if isinstance(parsed, CandleFile):
        added = market_data.append_candles(parsed.market, parsed.rows)
        return ImportOutcome(path, str(parsed.market), len(parsed.rows), added)
    added = market_data.append_funding(parsed.series, parsed.rows)
    return ImportOutcome(path, str(parsed.series), len(parsed.rows), added)


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
