"""Contract specs stored with the market: imported from ``<exchange>-specs.csv`` or fetched from the
venue's market list (real ccxt against the fake venue), projected, read back, idempotent."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.cli.main import main
from adapters.services.engine import Engine
from adapters.services.importer import import_file
from adapters.store.home import Home
from projections.market_data import StoredSpec
from tests.adapters.fake_venue import FakeVenue
from tests.stubs import SAMPLE_DATA

HEADER = "symbol,price_tick,amount_step,min_amount,min_notional,max_leverage\n"
NOW = int(time.time() * 1000)


def _specs_file(directory: Path, body: str, name: str = "binance-specs.csv") -> Path:
    path = directory / name
    path.write_text(HEADER + body)
    return path


def _events(home: Path) -> int:
    engine = Engine(Home(home))
    try:
        return engine.store.recorder.max_notification_id() or 0
    finally:
        engine.close()


def _specs(home: Path) -> dict[tuple[str, str], StoredSpec]:
    engine = Engine(Home(home))
    try:
        engine.project()
        return {(s.exchange, s.symbol): s for s in engine.market_reader().specs()}
    finally:
        engine.close()


# --- import -------------------------------------------------------------------------------------


def test_a_specs_file_is_stored_and_projected(tmp_path: Path, capsys) -> None:
    body = "BTC/USDT,0.01,0.00001,0.00001,5,\nBTC/USDT:USDT,0.1,0.001,,,125\n"
    path = _specs_file(tmp_path, body)
    home = tmp_path / "h"
    assert main(["--home", str(home), "data", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "binance-specs.csv: binance contract specs: 2 rows, 2 new events" in out
    specs = _specs(home)
    spot, perp = specs[("binance", "BTC/USDT")], specs[("binance", "BTC/USDT:USDT")]
    assert (spot.price_tick, spot.amount_step, spot.min_amount) == (0.01, 0.00001, 0.00001)
    assert (spot.min_notional, spot.max_leverage) == (5.0, None)
    assert (perp.price_tick, perp.min_notional, perp.max_leverage) == (0.1, None, 125.0)
    assert spot.source == "binance-specs.csv" and spot.recorded_at > 0


def test_a_second_import_adds_nothing_and_a_change_adds_one_event(tmp_path: Path) -> None:
    home = tmp_path / "h"
    path = _specs_file(tmp_path, "BTC/USDT,0.01,,,,\nETH/USDT,0.01,,,,\n")
    assert main(["--home", str(home), "data", "import", str(path)]) == 0
    assert _events(home) == 2
    assert main(["--home", str(home), "data", "import", str(path)]) == 0  # a fresh engine
    assert _events(home) == 2
    _specs_file(tmp_path, "BTC/USDT,0.01,,,,\nETH/USDT,0.1,,,,\n")
    assert main(["--home", str(home), "data", "import", str(path)]) == 0
    assert _events(home) == 3
    assert _specs(home)[("binance", "ETH/USDT")].price_tick == 0.1


def test_the_recorded_time_comes_from_the_caller(tmp_path: Path) -> None:
    engine = Engine(Home(tmp_path / "h"))
    try:
        path = _specs_file(tmp_path, "BTC/USDT,0.01,,,,\n")
        outcome = import_file(engine.market_data, path, "binance", now_ms=1_700_000_000_000)
        assert (outcome.rows, outcome.added, outcome.error) == (1, 1, None)
        engine.project()
        assert engine.market_reader().spec("binance", "BTC/USDT").recorded_at == 1_700_000_000_000
        assert engine.market_reader().spec("binance", "ETH/USDT") is None
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("body", "where", "why"),
    [
        ("BTC/USDT,abc,,,,\n", ":2: price_tick", "'abc' is not a number"),
        ("BTC/USDT,0.01,,,,\nETH/USDT,0,,,,\n", ":3: price_tick", "must be > 0"),
        ("BTC/USDT,-0.01,,,,\n", ":2: price_tick", "must be > 0"),
        ("BTC/USDT,,,,,\n", ":2: price_tick", "is required"),
        ("BTC/USDT,nan,,,,\n", ":2: price_tick", "is nan"),
        ("BTC/USDT,0.01,inf,,,\n", ":2: amount_step", "is inf"),
        ("BTC/USDT,0.01,,-1,,\n", ":2: min_amount", "must be >= 0"),
        ("BTC/USDT,0.01,,,x,\n", ":2: min_notional", "'x' is not a number"),
        ("BTC/USDT,0.01,,,,0.5\n", ":2: max_leverage", "must be >= 1"),
        ("BTC/USDT,0.01,,,\n", ":2: ", "expected 6 fields, got 5"),
        ("BTCUSDT,0.01,,,,\n", ":2: symbol", "bad symbol 'BTCUSDT'"),
        ("BTC/USDT,0.01,,,,\nBTC/USDT,0.1,,,,\n", ":3: ", "symbol BTC/USDT again"),
    ],
)
def test_a_bad_specs_file_is_refused_in_one_line_and_stores_nothing(
    tmp_path: Path, capsys, body: str, where: str, why: str
) -> None:
    path = _specs_file(tmp_path, "ETH/USDT,0.01,,,,\n" + body)
    home = tmp_path / "h"
    assert main(["--home", str(home), "data", "import", str(path)]) == 2
    captured = capsys.readouterr()
    # the refusal on stderr (one line, naming file, line and field), the summary on stdout
    out = captured.out.splitlines()
    assert len(out) == 1 and out[0].endswith("1 refused"), out
    refusals = [line for line in captured.err.splitlines() if line.startswith(str(path))]
    assert len(refusals) == 1, captured.err
    line = int(where.split(":")[1]) + 1  # the ETH row comes first
    assert refusals[0].startswith(f"{path}:{line}: {where.split(': ')[1]}"), refusals[0]
    assert why in refusals[0] and "nothing stored" in refusals[0]
    assert _events(home) == 0 and _specs(home) == {}


def test_a_specs_file_without_a_column_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "binance-specs.csv"
    path.write_text("symbol,price_tick,amount_step,min_amount,min_notional\nBTC/USDT,0.01,,,\n")
    home = tmp_path / "h"
    assert main(["--home", str(home), "data", "import", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    first = next(line for line in err if line.startswith(str(path)))
    assert first.startswith(f"{path}:1: header must be ") and "max_leverage" in first
    assert _events(home) == 0


def test_a_bad_specs_file_does_not_stop_the_candles_beside_it(tmp_path: Path, capsys) -> None:
    bad = _specs_file(tmp_path, "BTC/USDT,zero,,,,\n")
    shutil.copy(SAMPLE_DATA / "BTC_USDT_USDT-funding.csv.gz", tmp_path)
    home = tmp_path / "h"
    argv = ["--home", str(home), "data", "import", str(bad)]
    assert main([*argv, str(tmp_path / "BTC_USDT_USDT-funding.csv.gz")]) == 2
    assert "imported 1 file(s), 3288 new events, 1 refused" in capsys.readouterr().out


def test_the_sample_specs_cover_the_six_sample_markets(tmp_path: Path) -> None:
    home = tmp_path / "h"
    path = SAMPLE_DATA / "binance-specs.csv"
    assert main(["--home", str(home), "data", "import", str(path)]) == 0
    ticks = {symbol: spec.price_tick for (_, symbol), spec in _specs(home).items()}
    assert ticks == {
        "BTC/USDT": 0.01,
        "ETH/USDT": 0.01,
        "SOL/USDT": 0.01,
        "BTC/USDT:USDT": 0.1,
        "ETH/USDT:USDT": 0.01,
        "SOL/USDT:USDT": 0.01,
    }
    samples = {p.name.split("-")[0] for p in SAMPLE_DATA.glob("*-1h.csv.gz")}
    assert {s.replace("/", "_").replace(":", "_") for s in ticks} == samples


# --- fetch ----------------------------------------------------------------------------------------


@pytest.fixture
def binance(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVenue]:
    with FakeVenue("binance", now_ms=NOW, listed_ms=NOW - 10 * 86_400_000) as venue:
        monkeypatch.setenv("SCALP_RADAR_API_URL_BINANCE", venue.url)
        yield venue


@pytest.fixture
def bitget(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVenue]:
    with FakeVenue("bitget", now_ms=NOW, listed_ms=NOW - 10 * 86_400_000) as venue:
        monkeypatch.setenv("SCALP_RADAR_API_URL_BITGET", venue.url)
        yield venue


def _fetch(home: Path, exchange: str, *extra: str) -> int:
    return main(["--home", str(home), "data", "fetch", "--exchange", exchange, "--specs", *extra])


def test_fetch_specs_of_some_binance_symbols(binance: FakeVenue, tmp_path: Path, capsys) -> None:
    home = tmp_path / "h"
    assert _fetch(home, "binance", "--symbol", "BTC/USDT,BTC/USDT:USDT,ETH/USDT:USDT") == 0
    assert "binance contract specs: 3 read, 3 new or changed" in capsys.readouterr().out
    specs = _specs(home)
    assert set(specs) == {("binance", s) for s in ("BTC/USDT", "BTC/USDT:USDT", "ETH/USDT:USDT")}
    spot, perp, eth = (specs["binance", s] for s in ("BTC/USDT", "BTC/USDT:USDT", "ETH/USDT:USDT"))
    # the venue's exchangeInfo: PRICE_FILTER tickSize, LOT_SIZE, NOTIONAL / MIN_NOTIONAL
    assert (spot.price_tick, spot.amount_step, spot.min_amount, spot.min_notional) == (
        0.01, 0.00001, 0.00001, 5.0,
    )  # fmt: skip
    assert (perp.price_tick, perp.amount_step, perp.min_notional) == (0.1, 0.001, 100.0)
    assert eth.price_tick == 0.01
    assert spot.max_leverage is None  # Binance serves leverage in its brackets, not here
    assert spot.source == "ccxt load_markets"
    # again: the same figures add no event
    before = _events(home)
    assert _fetch(home, "binance", "--symbol", "BTC/USDT,BTC/USDT:USDT,ETH/USDT:USDT") == 0
    assert "3 read, 0 new or changed" in capsys.readouterr().out
    assert _events(home) == before


def test_fetch_every_bitget_market(bitget: FakeVenue, tmp_path: Path, capsys) -> None:
    home = tmp_path / "h"
    assert _fetch(home, "bitget") == 0
    assert "bitget contract specs: 4 read, 4 new or changed" in capsys.readouterr().out
    specs = _specs(home)
    assert {symbol for _, symbol in specs} == {
        "BTC/USDT", "ETH/USDT", "BTC/USDT:USDT", "ETH/USDT:USDT"
    }  # fmt: skip
    perp = specs["bitget", "BTC/USDT:USDT"]
    # contracts: pricePlace 1 -> tick 0.1, sizeMultiplier, minTradeNum, minTradeUSDT, maxLever
    assert (perp.price_tick, perp.amount_step, perp.min_amount) == (0.1, 0.001, 0.001)
    assert (perp.min_notional, perp.max_leverage) == (5.0, 125.0)
    assert specs["bitget", "ETH/USDT:USDT"].price_tick == 0.01
    assert specs["bitget", "BTC/USDT"].price_tick == 0.01  # spot pricePrecision 2


def test_fetch_specs_of_an_unlisted_symbol_exits_2_and_stores_nothing(
    binance: FakeVenue, tmp_path: Path, capsys
) -> None:
    home = tmp_path / "h"
    assert _fetch(home, "binance", "--symbol", "BTC/USDT,XYZ/USDT:USDT") == 2
    err = capsys.readouterr().err
    assert "binance lists no market XYZ/USDT:USDT" in err and len(err.splitlines()) == 1
    assert _events(home) == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--funding"], "drop --funding"),
        (["--since", "2025-01-01"], "drop --since"),
        (["--symbol", "BTCUSDT"], "bad symbol 'BTCUSDT'"),
    ],
)
def test_fetch_specs_refuses_other_work_before_any_request(
    binance: FakeVenue, tmp_path: Path, capsys, extra: list[str], message: str
) -> None:
    assert _fetch(tmp_path / "h", "binance", *extra) == 2
    assert message in capsys.readouterr().err
    assert binance.requests == []


def test_a_candle_fetch_still_needs_a_symbol(tmp_path: Path, capsys) -> None:
    argv = ["--home", str(tmp_path), "data", "fetch", "--exchange", "binance"]
    argv += ["--since", "2025-01-01"]
    assert main(argv) == 2
    assert "--symbol is required" in capsys.readouterr().err
