"""Market-data benchmark: import throughput, projection throughput, re-import, candle load time.

Usage: ``python benchmarks/bench_market_data.py [DATA_DIR ...]``. Without arguments it imports
every file of ``../shared/data/{spot,perp,funding}`` when present, else the bundled sample.
Targets (issue 2): the full shared set imports in under 90 s; five years of 1h candles (~44k rows)
of one market load in under 50 ms.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from adapters.services.engine import Engine
from adapters.services.importer import import_files
from adapters.store.home import Home

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
FIVE_YEARS_MS = 5 * 365 * 24 * 3_600_000


def data_files(dirs: list[Path]) -> list[Path]:
    if not dirs:
        shared = [SHARED / d for d in ("spot", "perp", "funding")]
        dirs = shared if SHARED.is_dir() else [ROOT / "sample_data"]
    return sorted(p for d in dirs for p in d.glob("*.csv*"))


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main(argv: list[str]) -> None:
    files = data_files([Path(a) for a in argv])
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Home(Path(tmp)))
        outcomes, t_write = timed(lambda: import_files(engine.market_data, files, "binance"))
        events = sum(o.added for o in outcomes)
        projected, t_project = timed(engine.project)
        engine.close()
        print(f"files                {len(files)}")
        print(f"events written       {events:,} in {t_write:.1f} s = {events / t_write:,.0f} ev/s")
        print(
            f"events projected     {projected:,} in {t_project:.1f} s = "
            f"{projected / t_project:,.0f} ev/s"
        )
        print(f"first import total   {t_write + t_project:.1f} s (target < 90 s on the shared set)")

        again = Engine(Home(Path(tmp)))
        outcomes, t_again = timed(lambda: import_files(again.market_data, files, "binance"))
        added = sum(o.added for o in outcomes)
        print(f"second import        {added} new events in {t_again:.1f} s")
        load_benchmark(again)
        again.close()


def load_benchmark(engine: Engine) -> None:
    reader = engine.market_reader()
    info = max(reader.series(kind="candles"), key=lambda s: s.rows)
    start = info.last_ts - FIVE_YEARS_MS if info.last_ts else None
    for label, lo in (("5 years", start), ("whole series", None)):
        times, rows = [], 0
        for _ in range(31):
            candles, seconds = timed(lambda lo=lo: reader.candles(info.series_id, start=lo))
            times.append(seconds * 1000)
            rows = len(candles)
        print(
            f"load {info.label} {label}: {rows:,} rows, median {statistics.median(times):.2f} ms "
            f"(min {min(times):.2f}, max {max(times):.2f}) over 31 loads (target < 50 ms)"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
