"""``scalp-radar doctor``: a line per finding, a line per problem on stderr, exit 0 when healthy
and 1 when something is wrong; it never writes the store or the read DB."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from adapters.cli.main import main
from adapters.services.engine import Engine
from adapters.services.importer import IMPORT_LOCK, ImportLock
from adapters.store.home import Home
from adapters.store.writer_lock import WriterLock
from tests.projections.unsound_kit import BTC, bricked_home, corrupt_state, put_unchecked_candle
from tests.stubs import CandleStubs, write_csv


def _doctor(home: Path, capsys) -> tuple[int, str, list[str]]:
    code = main(["--home", str(home), "doctor"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err.splitlines()


def _imported_home(tmp_path: Path, capsys) -> Path:
    home = tmp_path / "home"
    path = write_csv(tmp_path / "BTC_USDT-1h.csv", CandleStubs.wave(50))
    assert main(["--home", str(home), "data", "import", str(path)]) == 0
    capsys.readouterr()
    return home


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_home_without_a_store_is_healthy_and_stays_empty(tmp_path: Path, capsys) -> None:
    home = tmp_path / "new"
    code, out, err = _doctor(home, capsys)
    assert code == 0 and err == []
    assert "event store: none yet" in out and out.rstrip().endswith("doctor: healthy")
    assert not home.exists()  # looking created nothing


def test_a_healthy_store(tmp_path: Path, capsys) -> None:
    home = _imported_home(tmp_path, capsys)
    code, out, err = _doctor(home, capsys)
    assert code == 0 and err == [], err
    assert f"event store: SQLite {home / 'events.db'} (" in out and "51 events" in out
    assert "every event decodes" in out
    assert "projection market_data: at event 51 of 51 (schema 3; up to date)" in out
    assert "writer locks: none held" in out and "free of" in out
    assert out.rstrip().endswith("doctor: healthy")


def test_the_stored_bad_timestamp_is_named_and_the_projection_stop_too(
    tmp_path: Path, capsys
) -> None:
    home, bad = bricked_home(tmp_path)
    code, out, err = _doctor(home, capsys)
    assert code == 1
    assert f"problem: event {bad} (scalp_radar:CandleClosed): timestamp" in err[0]
    assert "outside 2009-01-01 .. 2100-01-01 UTC" in err[0]
    assert f"problem: projection 'market_data' stopped at event {bad} " in err[1]
    assert len(err) == 2 and out.rstrip().endswith("doctor: 2 problem(s)")


def test_an_event_that_does_not_decode(tmp_path: Path, capsys) -> None:
    home = _imported_home(tmp_path, capsys)
    corrupt_state(home, 7)
    code, _out, err = _doctor(home, capsys)
    assert code == 1
    assert err[0].startswith("problem: event 7 (scalp_radar:CandleClosed): cannot be decoded")


def test_a_candle_off_its_timeframe_is_named(tmp_path: Path, capsys) -> None:
    """It projects (no overflow), but breaks the rules an older version did not check."""
    home = _imported_home(tmp_path, capsys)
    engine = Engine(Home(home))
    bad = put_unchecked_candle(engine, BTC, CandleStubs.wave(1)[0][0] + 60 * 3_600_000 + 1)
    engine.close()
    code, _out, err = _doctor(home, capsys)
    assert code == 1 and len(err) == 1
    assert f"event {bad} (scalp_radar:CandleClosed): timestamp" in err[0]
    assert "not aligned to the 3600000 ms timeframe" in err[0]


def test_doctor_writes_neither_the_store_nor_the_read_db(tmp_path: Path, capsys) -> None:
    home, _bad = bricked_home(tmp_path)  # behind, and a projector that stops: the worst case
    Engine(Home(home)).close()  # the read DB exists
    before = (_digest(home / "events.db"), _digest(home / "read.db"))
    _doctor(home, capsys)
    assert (_digest(home / "events.db"), _digest(home / "read.db")) == before


def test_a_projection_behind_is_said_not_a_problem(tmp_path: Path, capsys) -> None:
    home = _imported_home(tmp_path, capsys)
    engine = Engine(Home(home))
    engine.market_data.append_candles(BTC, CandleStubs.wave(60)[50:])  # not projected
    engine.close()
    code, out, err = _doctor(home, capsys)
    assert code == 0 and err == []
    assert "projection market_data: at event 51 of 61 (schema 3; 10 of its events to apply)" in out


def test_a_read_db_of_an_older_schema(tmp_path: Path, capsys) -> None:
    home = _imported_home(tmp_path, capsys)
    engine = Engine(Home(home))
    engine.read_db.execute("UPDATE _tracking SET schema = 1 WHERE projection = 'market_data'")
    engine.read_db.conn.commit()
    engine.close()
    code, out, _err = _doctor(home, capsys)
    assert code == 0
    assert "(schema 1, the code's is 3: rebuilt by the next command; up to date)" in out


def test_held_writer_locks_are_listed(tmp_path: Path, capsys) -> None:
    home = _imported_home(tmp_path, capsys)
    WriterLock(home / "paper-idle.lock").__enter__().__exit__(None, None, None)  # released
    with WriterLock(home / "paper-main.lock"), ImportLock(home / IMPORT_LOCK):
        code, out, _err = _doctor(home, capsys)
    assert code == 0
    assert (
        "writer locks: paper portfolio 'main' (a paper process writes it); "
        "a data import is running" in out
    )


def test_low_disk_space_is_a_problem(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr("adapters.services.doctor.MIN_FREE_BYTES", 1 << 62)
    home = _imported_home(tmp_path, capsys)
    code, _out, err = _doctor(home, capsys)
    assert code == 1 and len(err) == 1
    assert err[0].startswith("problem: disk: ") and "writes may fail" in err[0]


@pytest.mark.parametrize("module", ["eventsourcing.postgres"])
def test_a_store_that_cannot_be_opened_is_a_problem(
    tmp_path: Path, capsys, monkeypatch, module: str
) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.setenv("PERSISTENCE_MODULE", module)
    for key, value in {"POSTGRES_DBNAME": "none", "POSTGRES_HOST": "127.0.0.1",
                       "POSTGRES_PORT": "1", "POSTGRES_USER": "x", "POSTGRES_PASSWORD": "x",
                       "POSTGRES_CONNECT_TIMEOUT": "1"}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    code, _out, err = _doctor(tmp_path / "home", capsys)
    assert code == 1 and len(err) == 1
    assert err[0].startswith("problem: event store: cannot be opened")
