"""``store migrate --to postgres``: a home's SQLite store copied into PostgreSQL and verified;
run again it copies nothing; a target holding other events is refused in one line."""

from __future__ import annotations

from pathlib import Path

from adapters.cli.main import main
from adapters.services.engine import Engine
from adapters.store.home import Home
from domain.market import Market
from tests.store_kit import Stores, require_postgres
from tests.stubs import SAMPLE_DATA, CandleStubs
from tests.web.serving import free_port

BTC = Market("binance", "BTC/USDT", "1h")
MIGRATE = ["store", "migrate", "--to", "postgres"]


def _sqlite_home(root: Path, candles: int) -> Path:
    """A home whose SQLite store holds ``candles`` candles and the sample's Bitget specs."""
    root.mkdir(exist_ok=True)
    home = root / "home"
    assert main(["--home", str(home), "data", "import", str(SAMPLE_DATA / "bitget-specs.csv")]) == 0
    engine = Engine(Home(home))
    try:
        engine.market_data.append_candles(BTC, CandleStubs.wave(candles))
    finally:
        engine.close()
    return home


def _log(home: Path) -> list[tuple]:
    """The store the environment selects, as (aggregate, version, topic) in log order."""
    engine = Engine(Home(home))
    try:
        log = engine.store.recorder.select_notifications(1, 100_000)
        return [(str(n.originator_id), n.originator_version, n.topic) for n in log]
    finally:
        engine.close()


def test_the_copy_holds_the_same_events(tmp_path: Path, capsys) -> None:
    require_postgres()
    home = _sqlite_home(tmp_path, 300)
    source = _log(home)
    capsys.readouterr()
    with Stores("postgres").fresh():
        assert main(["--home", str(home), *MIGRATE]) == 0
        assert _log(tmp_path / "elsewhere") == source  # another home, the same store
    captured = capsys.readouterr()
    assert f"{len(source)} events copied" in captured.out
    assert "the same events, and the same" in captured.out
    assert "copying" in captured.err  # progress


def test_a_second_run_copies_nothing(tmp_path: Path, capsys) -> None:
    require_postgres()
    home = _sqlite_home(tmp_path, 50)
    with Stores("postgres").fresh():
        assert main(["--home", str(home), *MIGRATE]) == 0
        assert main(["--home", str(home), *MIGRATE]) == 0
    assert "0 events copied" in capsys.readouterr().out


def test_a_target_with_other_events_is_refused(tmp_path: Path, capsys) -> None:
    require_postgres()
    first, other = _sqlite_home(tmp_path / "a", 50), _sqlite_home(tmp_path / "b", 60)
    with Stores("postgres").fresh():
        assert main(["--home", str(first), *MIGRATE]) == 0
        held = _log(tmp_path / "reader")
        capsys.readouterr()
        assert main(["--home", str(other), *MIGRATE]) == 2
        err = capsys.readouterr().err
        assert _log(tmp_path / "reader") == held  # nothing written
    assert err.count("\n") == 1 and "already holds other events" in err


def test_without_postgres_in_the_environment_it_is_refused(tmp_path: Path, capsys) -> None:
    home = _sqlite_home(tmp_path, 10)
    capsys.readouterr()
    assert main(["--home", str(home), *MIGRATE]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "selects no PostgreSQL store" in err


def test_a_home_without_a_sqlite_store_is_refused(tmp_path: Path, capsys) -> None:
    assert main(["--home", str(tmp_path), *MIGRATE]) == 2
    assert "no SQLite store to copy" in capsys.readouterr().err


def test_a_target_that_cannot_be_reached_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    home = _sqlite_home(tmp_path, 10)
    capsys.readouterr()
    nothing_listens = {"POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": str(free_port())}
    for var, value in {"PERSISTENCE_MODULE": "eventsourcing.postgres", **nothing_listens}.items():
        monkeypatch.setenv(var, value)
    for var in ("POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DBNAME"):
        monkeypatch.setenv(var, "scalp")
    monkeypatch.setenv("POSTGRES_CONNECT_TIMEOUT", "2")
    assert main(["--home", str(home), *MIGRATE]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot open the target store" in err
