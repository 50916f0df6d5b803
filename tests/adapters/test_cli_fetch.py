"""``scalp-radar data fetch`` end to end: real ccxt, fake venue on 127.0.0.1, real event store."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.cli.main import main
from adapters.services.engine import Engine
from adapters.store.home import Home
from adapters.text.timefmt import fmt_ts
from config.loader import DEFAULT_CONFIG_DIR
from domain.market import HOUR_MS, Market, OpenInterestSeries
from tests.adapters.fake_venue import FakeVenue

NOW = int(time.time() * 1000)
LAST_CLOSED = NOW // HOUR_MS * HOUR_MS - HOUR_MS
START = LAST_CLOSED - 599 * HOUR_MS  # 600 closed candles to fetch


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's "now" is the fake venue's: a suite that runs across an hour boundary
    after this module's NOW was taken would otherwise see one more closed candle."""
    monkeypatch.setattr("adapters.text.timefmt.wall_ms", lambda: NOW)


@pytest.fixture
def bitget(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVenue]:
    with FakeVenue("bitget", now_ms=NOW, listed_ms=LAST_CLOSED - 3000 * HOUR_MS) as venue:
        monkeypatch.setenv("SCALP_RADAR_API_URL_BITGET", venue.url)
        yield venue


@pytest.fixture
def binance(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVenue]:
    with FakeVenue("binance", now_ms=NOW, listed_ms=LAST_CLOSED - 3000 * HOUR_MS) as venue:
        monkeypatch.setenv("SCALP_RADAR_API_URL_BINANCE", venue.url)
        yield venue


def _stored(home: Path, market: Market) -> list[int]:
    engine = Engine(Home(home))
    try:
        engine.project()
        reader = engine.market_reader()
        info = reader.find(market.exchange, market.symbol, market.timeframe)
        return reader.candles(info.series_id).ts.tolist() if info else []
    finally:
        engine.close()


def test_fetch_stores_closed_candles_and_resumes(bitget: FakeVenue, tmp_path: Path, capsys) -> None:
    argv = ["--home", str(tmp_path), "data", "fetch", "--exchange", "bitget"]
    argv += ["--symbol", "BTC/USDT:USDT", "--timeframe", "1h"]
    assert main([*argv, "--since", fmt_ts(START)]) == 0
    assert "600 new" in capsys.readouterr().out
    market = Market("bitget", "BTC/USDT:USDT", "1h")
    assert _stored(tmp_path, market) == list(range(START, LAST_CLOSED + 1, HOUR_MS))
    # second run: nothing new to fetch, and it asks only from after the last stored candle
    bitget.requests.clear()
    assert main(argv) == 0
    assert " 0 new" in capsys.readouterr().out
    assert all(not r.path.endswith("candles") for r in bitget.requests)


def test_fetch_with_funding(bitget: FakeVenue, tmp_path: Path, capsys) -> None:
    argv = ["--home", str(tmp_path), "data", "fetch", "--exchange", "bitget", "--funding"]
    assert main([*argv, "--symbol", "BTC/USDT:USDT", "--since", fmt_ts(START)]) == 0
    out = capsys.readouterr().out
    assert "bitget/BTC/USDT:USDT/funding: " in out and "funding: 0 new" not in out


def _stored_open_interest(home: Path, series: OpenInterestSeries) -> list[int]:
    engine = Engine(Home(home))
    try:
        engine.project()
        reader = engine.market_reader()
        info = reader.find(series.exchange, series.symbol, series.timeframe, kind="open_interest")
        return reader.open_interest(info.series_id).ts.tolist() if info else []
    finally:
        engine.close()


def test_fetch_with_open_interest_and_funding_then_check(
    binance: FakeVenue, tmp_path: Path, capsys
) -> None:
    argv = ["--home", str(tmp_path), "data", "fetch", "--exchange", "binance"]
    argv += ["--symbol", "BTC/USDT:USDT", "--funding", "--open-interest"]
    assert main([*argv, "--since", fmt_ts(START)]) == 0
    out = capsys.readouterr().out
    # 600 closed hourly candles; open interest has one sample more, at the current hour
    assert "binance/BTC/USDT:USDT/1h: 600 new" in out
    assert "binance/BTC/USDT:USDT/open_interest/1h: 601 new" in out
    assert "binance/BTC/USDT:USDT/funding: " in out and "note:" not in out
    series = OpenInterestSeries("binance", "BTC/USDT:USDT", "1h")
    assert _stored_open_interest(tmp_path, series) == list(
        range(START, LAST_CLOSED + 2 * HOUR_MS, HOUR_MS)
    )
    assert main(["--home", str(tmp_path), "data", "check"]) == 0
    report = capsys.readouterr().out
    section = report[report.index("== binance BTC/USDT:USDT open interest 1h") :]
    assert "rows        601" in section and "gaps        0 (0 missing)" in section
    assert "== binance BTC/USDT:USDT 1h" in report and "== binance BTC/USDT:USDT funding" in report


def test_open_interest_older_than_binance_keeps_is_fetched_from_30_days_ago_with_a_note(
    binance: FakeVenue, tmp_path: Path, capsys
) -> None:
    argv = ["--home", str(tmp_path), "data", "fetch", "--exchange", "binance", "--open-interest"]
    since = LAST_CLOSED - 40 * 24 * HOUR_MS
    assert main([*argv, "--symbol", "BTC/USDT:USDT", "--since", fmt_ts(since)]) == 0
    out = capsys.readouterr().out
    assert "note: binance serves only the last 30 days of open interest" in out
    stored = _stored_open_interest(tmp_path, OpenInterestSeries("binance", "BTC/USDT:USDT", "1h"))
    assert stored[0] > NOW - 30 * 24 * HOUR_MS and stored[-1] == LAST_CLOSED + HOUR_MS


@pytest.mark.parametrize(
    ("exchange", "extra", "message"),
    [
        ("binance", ["--symbol", "BTC/USDT"], "the perpetual is BTC/USDT:USDT"),
        ("bitget", ["--symbol", "BTC/USDT:USDT"], "bitget has no open-interest history in ccxt"),
        ("binance", ["--symbol", "BTC/USDT:USDT", "--timeframe", "1m"], "periods of 5m"),
    ],
)
def test_open_interest_that_cannot_be_fetched_exits_2_before_any_request(
    binance: FakeVenue, bitget: FakeVenue, tmp_path: Path, capsys, exchange, extra, message
) -> None:
    argv = ["--home", str(tmp_path), "data", "fetch", "--exchange", exchange, "--open-interest"]
    assert main([*argv, *extra, "--since", "2025-01-01"]) == 2
    assert message in capsys.readouterr().err
    assert binance.requests == [] and bitget.requests == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--symbol", "BTC/USDT:USDT", "--since", "yesterday"], "bad date 'yesterday'"),
        (["--symbol", "BTC/USDT:USDT"], "give a start date with --since"),
        (["--symbol", "BTCUSDT", "--since", "2025-01-01"], "bad symbol 'BTCUSDT'"),
        (["--symbol", "XYZ/USDT:USDT", "--since", "2025-01-01"], "XYZ/USDT:USDT"),
        (["--symbol", "BTC/USDT", "--funding", "--since", "2025-01-01"], "perpetual"),
    ],
)
def test_bad_fetch_input_exits_2(bitget, tmp_path: Path, capsys, extra, message) -> None:
    assert main(["--home", str(tmp_path), "data", "fetch", "--exchange", "bitget", *extra]) == 2
    assert message in capsys.readouterr().err


def _config_with_fast_retries(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config, ignore=shutil.ignore_patterns("*.py", "__*"))
    text = (config / "exchanges.yaml").read_text()
    text = text.replace("retry_backoff_s: 2.0", "retry_backoff_s: 0.0")
    (config / "exchanges.yaml").write_text(text.replace("max_retries: 3", "max_retries: 1"))
    return config


def test_a_fetch_that_keeps_failing_exits_1_and_keeps_earlier_pages(
    bitget: FakeVenue, tmp_path: Path, capsys
) -> None:
    config = _config_with_fast_retries(tmp_path)
    bitget.fail("429", times=1000, path="candles", after=2)
    since = LAST_CLOSED - 1999 * HOUR_MS  # 83 days: pages of 200 on Bitget's history endpoint
    argv = ["--home", str(tmp_path), "--config-dir", str(config), "data", "fetch"]
    argv += ["--exchange", "bitget", "--symbol", "BTC/USDT:USDT", "--since", fmt_ts(since)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "gave up after 2 attempts" in err
    assert "kept what was stored before the failure" in err and "400 new in 2 pages" in err
    stored = _stored(tmp_path, Market("bitget", "BTC/USDT:USDT", "1h"))
    assert stored == list(range(since, since + 400 * HOUR_MS, HOUR_MS))


def test_an_invalid_config_stops_the_fetch_before_any_request(
    bitget: FakeVenue, tmp_path: Path, capsys
) -> None:
    config = _config_with_fast_retries(tmp_path)
    (config / "risk.yaml").write_text("max_margin_ratio: 7\n")
    argv = ["--home", str(tmp_path), "--config-dir", str(config), "data", "fetch"]
    argv += ["--exchange", "bitget", "--symbol", "BTC/USDT:USDT", "--since", "2025-01-01"]
    assert main(argv) == 2
    assert "risk.yaml: risk.max_margin_ratio" in capsys.readouterr().err
    assert bitget.requests == []


def test_config_check_reports_every_problem(tmp_path: Path, capsys) -> None:
    config = _config_with_fast_retries(tmp_path)
    assert main(["config", "check", "--config-dir", str(config)]) == 0
    assert "config: ok" in capsys.readouterr().out
    (config / "risk.yaml").write_text("max_margin_ratio: 7\nkill_swich: {}\n")
    (config / "assets.yaml").write_text("assets: [\n")
    assert main(["config", "check", "--config-dir", str(config)]) == 2
    err = capsys.readouterr().err
    assert "risk.yaml: risk.max_margin_ratio" in err
    assert "risk.yaml: risk.kill_swich" in err
    assert "assets.yaml" in err and "line" in err
    assert "config: " in err and "problem(s)" in err
