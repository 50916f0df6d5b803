"""``scalp-radar data fetch`` end to end: real ccxt, fake venue on 127.0.0.1, real event store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.cli import main
from adapters.engine import Engine
from adapters.home import Home
from adapters.timefmt import fmt_ts
from domain.market import HOUR_MS, Market
from tests.adapters.fake_venue import FakeVenue

NOW = int(time.time() * 1000)
LAST_CLOSED = NOW // HOUR_MS * HOUR_MS - HOUR_MS
START = LAST_CLOSED - 599 * HOUR_MS  # 600 closed candles to fetch


@pytest.fixture
def bitget(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVenue]:
    with FakeVenue("bitget", now_ms=NOW, listed_ms=START - 100 * HOUR_MS) as venue:
        monkeypatch.setenv("SCALP_RADAR_API_URL_BITGET", venue.url)
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
