"""Importing files into the event store: all or nothing per file, and idempotent."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np
import pytest

from adapters.services.engine import Engine
from adapters.services.importer import import_file
from adapters.store.home import Home
from domain.market import Market
from tests.stubs import SAMPLE_DATA, CandleStubs, write_csv

BTC = Market("binance", "BTC/USDT", "1h")


@pytest.fixture
def engine(tmp_path: Path):
    engine = Engine(Home(tmp_path / "home"))
    yield engine
    engine.close()


def _events(engine: Engine) -> int:
    return engine.store.recorder.max_notification_id() or 0


def _reference_arrays(path: Path) -> np.ndarray:
    """Independent reading of a CSV.gz with the csv module."""
    with gzip.open(path, "rt") as handle:
        rows = list(csv.reader(handle))[1:]
    return np.array(rows, dtype=np.float64)


def test_import_writes_a_sqlite_event_store_in_the_home(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "BTC_USDT-1h.csv.gz", CandleStubs.wave(100))
    outcome = import_file(engine.market_data, path, "binance")
    assert (outcome.rows, outcome.added, outcome.error) == (100, 100, None)
    assert (tmp_path / "home" / "events.db").stat().st_size > 0
    # 100 candles + the one-off listing of the new series
    assert _events(engine) == 101


def test_second_import_adds_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "BTC_USDT-1h.csv.gz", CandleStubs.wave(100))
    import_file(engine.market_data, path, "binance")
    before = _events(engine)
    # a fresh engine on the same home: the idempotence must not rely on in-memory caches
    again = Engine(engine.home)
    outcome = import_file(again.market_data, path, "binance")
    again.close()
    assert outcome.added == 0
    assert _events(engine) == before


def test_overlapping_and_older_files_add_only_the_missing_rows(
    engine: Engine, tmp_path: Path
) -> None:
    rows = CandleStubs.wave(300)
    recent = write_csv(tmp_path / "BTC_USDT-1h.csv", rows[200:])
    import_file(engine.market_data, recent, "binance")
    older = write_csv(tmp_path / "BTC_USDT-1h.csv.gz", rows[:250])
    outcome = import_file(engine.market_data, older, "binance")
    assert outcome.added == 200
    engine.project()
    info = engine.market_reader().find("binance", "BTC/USDT", "1h")
    candles = engine.market_reader().candles(info.series_id)
    assert candles.ts.tolist() == [r[0] for r in rows]  # sorted, whatever the arrival order
    assert candles.close.tolist() == [r[4] for r in rows]


def test_a_bad_file_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "ETH_USDT-1h.csv", CandleStubs.wave(20))
    import_file(engine.market_data, good, "binance")
    before = _events(engine)
    rows = CandleStubs.wave(500)
    rows[400] = (rows[400][0], 1.0, 0.5, 2.0, 1.0, 1.0)  # high < low, deep in the file
    outcome = import_file(engine.market_data, write_csv(tmp_path / "BTC_USDT-1h.csv", rows), "x")
    assert outcome.added == 0 and outcome.error and ":402: high 0.5 < low 2.0" in outcome.error
    assert _events(engine) == before


def test_failed_write_leaves_store_and_cache_consistent(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "BTC_USDT-1h.csv", CandleStubs.wave(50))

    def broken_insert(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(engine.store.recorder, "insert_events", broken_insert)
    with pytest.raises(OSError, match="disk full"):
        import_file(engine.market_data, path, "binance")
    monkeypatch.undo()
    assert _events(engine) == 0
    assert import_file(engine.market_data, path, "binance").added == 50


def test_sample_file_round_trips_through_store_and_read_model(engine: Engine) -> None:
    path = SAMPLE_DATA / "SOL_USDT-1h.csv.gz"
    import_file(engine.market_data, path, "binance")
    engine.project()
    reader = engine.market_reader()
    candles = reader.candles(reader.find("binance", "SOL/USDT", "1h").series_id)
    expected = _reference_arrays(path)
    assert candles.ts.tolist() == expected[:, 0].astype(np.int64).tolist()
    for column, values in enumerate(
        (candles.open, candles.high, candles.low, candles.close, candles.volume), start=1
    ):
        assert np.array_equal(values, expected[:, column])
