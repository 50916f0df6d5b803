"""Where events live: SQLite in the home by default, PostgreSQL chosen by environment alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.services.engine import Engine
from adapters.store.event_store import describe_store, open_store, store_env
from adapters.store.home import Home
from domain.backtest import run_backtest
from domain.execution import Costs
from domain.market import Market
from domain.strategies import REGISTRY
from tests.domain.test_lookahead import params, random_market
from tests.store_kit import Stores, require_postgres
from tests.stubs import CandleStubs

BTC = Market("binance", "BTC/USDT", "1h")


def test_default_is_a_sqlite_file_in_the_home(tmp_path: Path) -> None:
    env = store_env(Home(tmp_path), environ={})
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert env["SQLITE_DBNAME"] == str(tmp_path / "events.db")


def test_environment_choice_is_not_overridden(tmp_path: Path) -> None:
    environ = {"PERSISTENCE_MODULE": "eventsourcing.postgres"}
    assert store_env(Home(tmp_path), environ=environ) == {}
    assert store_env(Home(tmp_path), environ={"SCALP_RADAR_PERSISTENCE_MODULE": "x"}) == {}


def test_home_resolution_order(tmp_path: Path) -> None:
    env = {"SCALP_RADAR_HOME": str(tmp_path / "env")}
    assert Home.resolve(str(tmp_path / "cli"), env).root == tmp_path / "cli"
    assert Home.resolve(None, env).root == tmp_path / "env"
    assert Home.resolve(None, {}).root == Path("var").resolve()


def test_writer_locks_may_live_in_a_folder_the_services_share(tmp_path: Path) -> None:
    env = {"SCALP_RADAR_HOME": str(tmp_path / "dashboard"), "SCALP_RADAR_LOCK_DIR": str(tmp_path)}
    assert Home.resolve(None, env).locks == tmp_path
    assert Home.resolve(None, {"SCALP_RADAR_HOME": str(tmp_path / "h")}).locks == tmp_path / "h"


def test_in_memory_store_for_unit_tests() -> None:
    store = open_store(memory=True)
    assert describe_store(store) == "in memory"


@pytest.mark.postgres
def test_postgres_selected_by_environment_alone(tmp_path: Path) -> None:
    require_postgres()
    with Stores("postgres").fresh():
        _store_and_read_candles(tmp_path)


def _store_and_read_candles(tmp_path: Path) -> None:
    engine = Engine(Home(tmp_path))
    try:
        assert describe_store(engine.store).startswith("PostgreSQL")
        rows = CandleStubs.wave(120)
        assert engine.market_data.append_candles(BTC, rows) == 120
        assert engine.market_data.append_candles(BTC, rows) == 0
        engine.project()
        reader = engine.market_reader()
        candles = reader.candles(reader.find("binance", "BTC/USDT", "1h").series_id)
        assert candles.close.tolist() == [r[4] for r in rows]
        assert not (tmp_path / "events.db").exists()
    finally:
        engine.close()


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_strategys_decisions_can_be_stored(name: str) -> None:
    """Decision events go through the real transcoder (no NaN, no numpy scalars): what paper
    trading saves for any strategy is storable and reads back."""
    store = open_store(memory=True)
    result = run_backtest(
        random_market(600, 3),
        name,
        "X/USDT",
        params(name),
        Costs(0.0002, 0.0006, 0.0005),
        save=lambda events: store.save(*events),
    )
    assert result.events > 0
    assert store.repository.get(result.simulator.id).trades_closed == len(result.trades)
