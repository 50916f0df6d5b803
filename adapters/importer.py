"""Use case: import CSV(.gz) candle and funding files, and contract-spec files, into the store.

Each file is read and checked whole before anything is written, then written in one transaction:
a bad file stores nothing, a good one is stored entirely. Rows already stored are skipped, so a
second import of the same file adds no event. A refused file does not stop the others; the
caller learns about every refusal. A specs file (``binance-specs.csv``) names its exchange
itself; re-importing the same specs adds nothing either.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from adapters.csv_files import (
    CandleFile,
    CsvError,
    is_specs_file,
    read_series_file,
    read_specs_file,
)
from adapters.market_data import MarketData
from adapters.progress import Progress


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    path: Path
    series: str
    rows: int = 0
    added: int = 0
    error: str | None = None


def import_file(
    market_data: MarketData, path: Path, exchange: str, now_ms: int | None = None
) -> ImportOutcome:
    if is_specs_file(path):
        return import_specs(market_data, path, now_ms)
    try:
        parsed = read_series_file(path, exchange)
    except CsvError as exc:
        return ImportOutcome(path, "?", error=str(exc))
    if isinstance(parsed, CandleFile):
        added = market_data.append_candles(parsed.market, parsed.rows)
        return ImportOutcome(path, str(parsed.market), len(parsed.rows), added)
    added = market_data.append_funding(parsed.series, parsed.rows)
    return ImportOutcome(path, str(parsed.series), len(parsed.rows), added)


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
