"""A projector that meets an event it cannot apply stops with one message naming it, and its
read model stays at the last good position (issue 12). Stores are real SQLite files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from adapters.cli.main import main
from adapters.services.engine import Engine
from adapters.store.home import Home
from projections.market_data import MarketDataProjector
from projections.projector import ProjectionError
from tests.projections.unsound_kit import BTC, ETH, bricked_home, corrupt_state
from tests.stubs import CandleStubs, write_csv

TOPIC = "scalp_radar:CandleClosed"


@pytest.fixture
def bricked(tmp_path: Path):
    home, bad = bricked_home(tmp_path)
    engine = Engine(Home(home))
    yield engine, bad
    engine.close()


def _market(engine: Engine) -> MarketDataProjector:
    return engine.projectors[0]  # type: ignore[return-value]


def test_the_stop_names_the_event_topic_and_field(bricked) -> None:
    engine, bad = bricked
    with pytest.raises(ProjectionError) as caught:
        _market(engine).catch_up()
    error = caught.value
    assert (error.projection, error.notification_id, error.topic, error.field) == (
        "market_data",
        bad,
        TOPIC,
        "ts",
    )
    assert "OverflowError" in error.reason and "\n" not in str(error)
    assert f"stopped at event {bad} ({TOPIC}, field 'ts')" in str(error)


def test_the_read_model_stays_at_the_last_good_event(bricked) -> None:
    """The 30 candles before the bad one were in the same page and commit: they are kept."""
    engine, bad = bricked
    with pytest.raises(ProjectionError):
        _market(engine).catch_up()
    assert _market(engine).position() == bad - 1
    info = engine.market_reader().find("binance", "BTC/USDT", "1h")
    assert info is not None and len(engine.market_reader().candles(info.series_id)) == 30


def test_every_later_catch_up_stops_at_the_same_event(bricked) -> None:
    engine, bad = bricked
    for _ in range(2):
        with pytest.raises(ProjectionError, match=f"stopped at event {bad} "):
            _market(engine).catch_up(page=7, pages_per_commit=2)
    assert _market(engine).position() == bad - 1


def test_small_pages_stop_at_the_same_place(tmp_path: Path) -> None:
    home, bad = bricked_home(tmp_path, before=1234, after=5)
    engine = Engine(Home(home))
    try:
        with pytest.raises(ProjectionError) as caught:
            _market(engine).catch_up(page=100, pages_per_commit=3)
        assert caught.value.notification_id == bad and _market(engine).position() == bad - 1
    finally:
        engine.close()


def test_the_other_read_models_still_catch_up(bricked) -> None:
    engine, _bad = bricked
    with pytest.raises(ProjectionError):
        engine.project()
    for projector in engine.projectors[1:]:
        assert projector.catch_up() == 0  # already brought up to date by engine.project()


def test_a_rebuild_that_stops_is_undone(bricked) -> None:
    engine, bad = bricked
    with pytest.raises(ProjectionError):
        engine.project()
    before = engine.read_db.execute("SELECT * FROM series_chunks").fetchall()
    with pytest.raises(ProjectionError, match="the rebuild is undone") as caught:
        _market(engine).rebuild()
    assert caught.value.position == bad - 1
    assert engine.read_db.execute("SELECT * FROM series_chunks").fetchall() == before


def test_a_state_that_does_not_decode_stops_on_field_state(tmp_path: Path) -> None:
    home = tmp_path / "home"
    engine = Engine(Home(home))
    engine.market_data.append_candles(BTC, CandleStubs.wave(10))
    engine.close()
    corrupt_state(home, 5)
    engine = Engine(Home(home))
    try:
        with pytest.raises(ProjectionError) as caught:
            engine.project()
        assert (caught.value.notification_id, caught.value.field) == (5, "state")
        assert _market(engine).position() == 4
    finally:
        engine.close()


def test_a_failure_of_the_database_is_not_blamed_on_an_event(bricked, monkeypatch) -> None:
    engine, _bad = bricked

    def locked(self, notifications):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(MarketDataProjector, "apply", locked)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        _market(engine).catch_up()
    assert _market(engine).position() == 0


def test_a_failure_no_single_event_causes_is_raised_as_it_is(tmp_path: Path, monkeypatch) -> None:
    engine = Engine(Home(tmp_path / "home"))
    engine.market_data.append_candles(ETH, CandleStubs.wave(40))
    calls = {"n": 0}
    original = MarketDataProjector.apply

    def once(self, notifications):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("a hiccup")
        return original(self, notifications)

    monkeypatch.setattr(MarketDataProjector, "apply", once)
    try:
        with pytest.raises(RuntimeError, match="a hiccup"):
            _market(engine).catch_up()
        assert _market(engine).catch_up() == 0  # the search committed everything meanwhile
    finally:
        engine.close()


# -- on the CLI: one line on stderr, exit code 1 ------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [["status"], ["data", "check"], ["projections", "rebuild"], ["data", "import", "GOOD"]],
    ids=["status", "data-check", "projections-rebuild", "import-a-valid-file"],
)
def test_every_command_that_projects_says_it_in_one_line(tmp_path: Path, capsys, argv) -> None:
    home, bad = bricked_home(tmp_path)
    good = write_csv(tmp_path / "SOL_USDT-1h.csv", CandleStubs.wave(5))
    argv = [str(good) if a == "GOOD" else a for a in argv]
    assert main(["--home", str(home), *argv]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if "stopped at" in line]
    assert len(err) == 1 and "Traceback" not in err[0]
    assert err[0].startswith(f"scalp-radar: projection 'market_data' stopped at event {bad} ")
