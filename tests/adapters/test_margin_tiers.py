"""A perpetual's maintenance-margin tiers, part of its contract spec: imported from the specs
file's ``tiers`` column or fetched from Bitget's position-tier endpoint (real ccxt against the
fake venue), stored in ``ContractSpecRecorded``, projected, and obeyed as the ``Contract`` a
backtest trades under.

``data/specs_store_v1.json`` was written by the code of commit 6bd1f16 (before tiers were
recorded): ``data import`` of a ``bitget-specs.csv`` of BTC/USDT:USDT and ETH/USDT:USDT
(figures of the ccxt markets fixture, no tiers column) at ``recorded_at`` 1764979200000, the two
``ContractSpecRecorded`` events as stored (notification id, originator, version, topic, state).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from adapters.cli.main import main
from adapters.services.engine import Engine
from adapters.services.traded_contract import VenueContracts
from adapters.store.home import Home
from config.loader import DEFAULT_CONFIG_DIR, load_settings
from domain.candles import ContractSpec, ContractSpecRecorded
from domain.contracts import Contract, MarginTier, tier_mmr
from domain.market import Instrument
from projections.market_data import StoredSpec
from tests.adapters.fake_venue import FakeVenue

HEADER = "symbol,price_tick,amount_step,min_amount,min_notional,max_leverage,tiers\n"
BTC_TIERS = "150000:0.004:125;900000:0.005:100;12000000:0.01:50"
TIERS = (
    MarginTier(150_000.0, 0.004, 125.0),
    MarginTier(900_000.0, 0.005, 100.0),
    MarginTier(12_000_000.0, 0.01, 50.0),
)
OLD_STORE = Path(__file__).parent / "data" / "specs_store_v1.json"
NOW = int(time.time() * 1000)


def _specs_file(directory: Path, body: str) -> Path:
    path = directory / "bitget-specs.csv"
    path.write_text(HEADER + body)
    return path


def _import(home: Path, path: Path) -> int:
    return main(["--home", str(home), "data", "import", str(path)])


def _engine(home: Path) -> Engine:
    engine = Engine(Home(home))
    engine.project()
    return engine


def _spec(home: Path, symbol: str) -> StoredSpec | None:
    engine = _engine(home)
    try:
        return engine.market_reader().spec("bitget", symbol)
    finally:
        engine.close()


def _recorded(home: Path, symbol: str) -> list[ContractSpecRecorded]:
    """The instrument's log, each event as the event library decodes it."""
    engine = Engine(Home(home))
    try:
        stream = Instrument("bitget", symbol).stream_id
        return list(engine.store.events.get(stream))  # type: ignore[arg-type]
    finally:
        engine.close()


# --- import ---------------------------------------------------------------------------------------


def test_a_specs_file_with_tiers_is_stored_projected_and_obeyed(tmp_path: Path) -> None:
    body = f"BTC/USDT:USDT,0.1,0.001,0.001,5,125,{BTC_TIERS}\nBTC/USDT,0.01,,,,,\n"
    home = tmp_path / "h"
    assert _import(home, _specs_file(tmp_path, body)) == 0
    (event,) = _recorded(home, "BTC/USDT:USDT")
    assert event.tiers == [[150_000.0, 0.004, 125.0], [900_000.0, 0.005, 100.0],
                           [12_000_000.0, 0.01, 50.0]]  # fmt: skip
    (spot,) = _recorded(home, "BTC/USDT")
    assert spot.tiers == []
    stored = _spec(home, "BTC/USDT:USDT")
    assert stored is not None and stored.tiers == TIERS
    expected = Contract(0.1, 0.001, 0.001, 5.0, 125.0, TIERS)
    assert stored.contract() == expected
    # a position worth 200,000 USDT is in tier 2 (150,000 < 200,000 <= 900,000): 0.5 %
    assert tier_mmr(expected.tier_table(), 200_000.0) == 0.005
    # the spot symbol a backtest names trades as this perpetual on Bitget
    engine = _engine(home)
    try:
        traded = VenueContracts.of(load_settings()).traded(engine.market_reader(), "BTC/USDT")
    finally:
        engine.close()
    assert (traded.venue, traded.symbol, traded.contract, traded.source) == (
        "bitget", "BTC/USDT:USDT", expected, "bitget-specs.csv",
    )  # fmt: skip


def test_a_changed_tier_is_recorded_again_and_an_unchanged_one_is_not(tmp_path: Path) -> None:
    home = tmp_path / "h"
    path = _specs_file(tmp_path, f"BTC/USDT:USDT,0.1,0.001,0.001,5,125,{BTC_TIERS}\n")
    assert _import(home, path) == 0
    assert _import(home, path) == 0  # a fresh engine reads the last spec back, tiers too
    assert len(_recorded(home, "BTC/USDT:USDT")) == 1
    # the same figures, tier 2's rate changed: a changed spec
    changed = BTC_TIERS.replace("900000:0.005:100", "900000:0.006:100")
    _specs_file(tmp_path, f"BTC/USDT:USDT,0.1,0.001,0.001,5,125,{changed}\n")
    assert _import(home, path) == 0
    assert [e.tiers[1][1] for e in _recorded(home, "BTC/USDT:USDT")] == [0.005, 0.006]
    stored = _spec(home, "BTC/USDT:USDT")
    assert stored is not None and stored.tiers[1] == MarginTier(900_000.0, 0.006, 100.0)
    # a file without the column says "no tiers": that too is a change
    path.write_text(HEADER.replace(",tiers", "") + "BTC/USDT:USDT,0.1,0.001,0.001,5,125\n")
    assert _import(home, path) == 0
    assert [len(e.tiers) for e in _recorded(home, "BTC/USDT:USDT")] == [3, 3, 0]


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("150000:0.004", "tier 1 '150000:0.004' is not max_notional:mmr:max_leverage"),
        ("150000:0.004:125;abc:0.005:100", "tier 2 'abc:0.005:100' holds something not a number"),
        ("150000:nan:125", "tier 1 mmr is nan"),
        ("150000:0.004:125;100000:0.005:100", "tier 2 max_notional 100000 is not above tier 1's"),
        ("150000:0.004:125;150000:0.005:100", "tiers must increase"),
        ("0:0.004:125", "tier 1 max_notional 0 is not above 0"),
        ("150000:1.5:125", "tier 1 mmr 1.5 is not a fraction in (0, 1)"),
        ("150000:0:125", "tier 1 mmr 0 is not a fraction in (0, 1)"),
        ("150000:0.004:0.5", "tier 1 max_leverage 0.5 must be >= 1"),
        ("150000:0.004:125;", "tier 2 '' is not max_notional:mmr:max_leverage"),
    ],
)
def test_a_bad_tiers_cell_is_refused_in_one_line_and_stores_nothing(
    tmp_path: Path, capsys, cell: str, why: str
) -> None:
    path = _specs_file(tmp_path, f"ETH/USDT:USDT,0.01,,,,,\nBTC/USDT:USDT,0.1,,,,,{cell}\n")
    home = tmp_path / "h"
    assert _import(home, path) == 2
    (refusal,) = [line for line in capsys.readouterr().err.splitlines() if str(path) in line]
    assert refusal.startswith(f"{path}:3: tiers: "), refusal
    assert why in refusal and "nothing stored" in refusal
    assert _spec(home, "ETH/USDT:USDT") is None


# --- events stored before tiers ---------------------------------------------------------------


@pytest.fixture
def old_home(tmp_path: Path) -> Path:
    """A home holding the events the code before tiers stored."""
    home = tmp_path / "h"
    engine = Engine(Home(home))
    try:
        events = json.loads(OLD_STORE.read_text())["events"]
        engine.store.recorder.insert_events(
            [StoredEvent(UUID(o), v, topic, state.encode()) for _, o, v, topic, state in events]
        )
    finally:
        engine.close()
    return home


def test_an_event_stored_before_tiers_decodes_with_none(old_home: Path, tmp_path: Path) -> None:
    (event,) = _recorded(old_home, "BTC/USDT:USDT")
    assert (event.price_tick, event.max_leverage, event.tiers) == (0.1, 125.0, [])
    assert event.recorded_at == 1_764_979_200_000
    stored = _spec(old_home, "BTC/USDT:USDT")
    assert stored is not None and stored.tiers == ()
    assert stored.contract() == Contract(0.1, 0.001, 0.001, 5.0, 125.0)  # no liquidation known
    # the same figures without tiers are the same spec; with tiers, a changed one
    path = tmp_path / "bitget-specs.csv"
    path.write_text(HEADER.replace(",tiers", "") + "BTC/USDT:USDT,0.1,0.001,0.001,5,125\n")
    assert _import(old_home, path) == 0
    assert len(_recorded(old_home, "BTC/USDT:USDT")) == 1
    _specs_file(tmp_path, f"BTC/USDT:USDT,0.1,0.001,0.001,5,125,{BTC_TIERS}\n")
    assert _import(old_home, path) == 0
    assert [len(e.tiers) for e in _recorded(old_home, "BTC/USDT:USDT")] == [0, 3]
    assert _spec(old_home, "BTC/USDT:USDT").tiers == TIERS  # type: ignore[union-attr]


def test_the_doctor_reads_an_event_stored_before_tiers(old_home: Path, capsys) -> None:
    assert main(["--home", str(old_home), "doctor"]) == 0
    assert "every event decodes; market data within the rules" in capsys.readouterr().out


def test_the_store_writes_the_new_shape(tmp_path: Path) -> None:
    engine = Engine(Home(tmp_path / "h"))
    try:
        spec = ContractSpec("bitget", "BTC/USDT:USDT", 0.1, tiers=TIERS)
        assert engine.market_data.record_specs([spec], "test", 1_764_979_200_000) == 1
        (n,) = engine.store.recorder.select_notifications(start=1, limit=10)
        state = json.loads(n.state)
        assert state["class_version"] == 2 and len(state["tiers"]) == 3
    finally:
        engine.close()


# --- fetch ----------------------------------------------------------------------------------------

FIXTURE_TIERS = [
    [150_000.0, 0.004, 125.0], [900_000.0, 0.005, 100.0], [12_000_000.0, 0.01, 50.0],
    [70_000_000.0, 0.015, 25.0], [100_000_000.0, 0.02, 20.0], [230_000_000.0, 0.03, 10.0],
    [480_000_000.0, 0.045, 5.0], [600_000_000.0, 0.125, 4.0], [800_000_000.0, 0.1666, 3.0],
    [1_200_000_000.0, 0.25, 2.0], [1_800_000_000.0, 0.5, 1.0],
]  # fmt: skip


@pytest.fixture
def bitget(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVenue]:
    with FakeVenue("bitget", now_ms=NOW, listed_ms=NOW - 10 * 86_400_000) as venue:
        monkeypatch.setenv("SCALP_RADAR_API_URL_BITGET", venue.url)
        yield venue


def _fetch(home: Path, exchange: str, *extra: str, config: tuple[str, ...] = ()) -> int:
    argv = ["--home", str(home), *config, "data", "fetch", "--exchange", exchange, "--specs"]
    return main([*argv, *extra])


def _fast_retries(tmp_path: Path) -> tuple[str, ...]:
    """``--config-dir`` of a config that retries twice without waiting."""
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config, ignore=shutil.ignore_patterns("*.py", "__*"))
    text = (config / "exchanges.yaml").read_text()
    text = text.replace("retry_backoff_s: 2.0", "retry_backoff_s: 0.0")
    (config / "exchanges.yaml").write_text(text.replace("max_retries: 3", "max_retries: 2"))
    return ("--config-dir", str(config))


def test_fetch_records_each_bitget_perpetuals_tiers(
    bitget: FakeVenue, tmp_path: Path, capsys
) -> None:
    home = tmp_path / "h"
    assert _fetch(home, "bitget") == 0
    assert "bitget contract specs: 4 read, 4 new or changed" in capsys.readouterr().out
    # one public tier call per perpetual, none for the spot markets
    asked = sorted(
        (r.query["symbol"], r.query["productType"])
        for r in bitget.requests_to("/api/v2/mix/market/query-position-lever")
    )
    assert asked == [("BTCUSDT", "USDT-FUTURES"), ("ETHUSDT", "USDT-FUTURES")]
    perp = _spec(home, "BTC/USDT:USDT")
    assert perp is not None
    assert [[t.max_notional, t.mmr, t.max_leverage] for t in perp.tiers] == FIXTURE_TIERS
    assert perp.source == "ccxt load_markets + fetch_market_leverage_tiers"
    assert perp.contract().tiers == perp.tiers
    assert _spec(home, "BTC/USDT").tiers == ()  # type: ignore[union-attr]
    # the same answer again: nothing new
    assert _fetch(home, "bitget") == 0
    assert "4 read, 0 new or changed" in capsys.readouterr().out


def test_the_tier_calls_are_retried_like_the_market_list(
    bitget: FakeVenue, tmp_path: Path, capsys
) -> None:
    bitget.fail("429", 2, path="query-position-lever")
    home = tmp_path / "h"
    assert _fetch(home, "bitget", "--symbol", "BTC/USDT:USDT", config=_fast_retries(tmp_path)) == 0
    assert "1 read, 1 new or changed, 2 retries" in capsys.readouterr().out
    assert len(_spec(home, "BTC/USDT:USDT").tiers) == 11  # type: ignore[union-attr]


def test_a_tier_endpoint_that_keeps_failing_stores_nothing(
    bitget: FakeVenue, tmp_path: Path, capsys
) -> None:
    bitget.fail("502", 50, path="query-position-lever")
    home = tmp_path / "h"
    config = _fast_retries(tmp_path)
    assert _fetch(home, "bitget", "--symbol", "BTC/USDT,BTC/USDT:USDT", config=config) == 1
    err = capsys.readouterr().err
    assert "BTC/USDT:USDT tiers: gave up after 3 attempts" in err
    assert _spec(home, "BTC/USDT") is None
