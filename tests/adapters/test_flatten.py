"""``flatten`` (CLI and the bot's ``/flatten``): every open position closed at the last close
(taker side, with slippage), new entries stopped, and the portfolio stays flat on later candles
(January 2025 of the sample ends with a long BTC grid of two levels open)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.cli.main import main
from adapters.services.engine import Engine
from adapters.store.home import Home
from domain.simulator import Simulator
from tests.adapters.fake_telegram import TOKEN, FakeTelegram
from tests.adapters.paper_kit import copy_home, make_config, make_home

JANUARY = ["paper", "--replay", "--from", "2025-01-01", "--to", "2025-02-01"]
LAST_JANUARY_CANDLE = 1_738_364_400_000  # 2025-01-31 23:00 UTC


@pytest.fixture(scope="module")
def january(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("flatten")
    home, config = make_home(root), make_config(root, "BTC/USDT")
    assert main(["--home", str(home), "--config-dir", str(config), *JANUARY]) == 0
    return home, config


def _closes(home: Path) -> list[dict]:
    engine = Engine(Home(home))
    try:
        decode = engine.store.mapper.transcoder.decode
        records = engine.store.recorder.select_events(Simulator.create_id("paper"))
        closed = ("GridCycleClosed", "PositionClosed")
        return [decode(r.state)["trade"] for r in records if r.topic.endswith(closed)]
    finally:
        engine.close()


def _last_close(home: Path) -> float:
    engine = Engine(Home(home))
    try:
        engine.project()
        reader = engine.market_reader()
        info = reader.find("binance", "BTC/USDT", "1h")
        candles = reader.candles(info.series_id, end=LAST_JANUARY_CANDLE + 1)
        assert int(candles.ts[-1]) == LAST_JANUARY_CANDLE
        return float(candles.close[-1])
    finally:
        engine.close()


def test_flatten_closes_the_open_grid_at_the_last_close_and_stops_entries(
    january, tmp_path, capsys
) -> None:
    home = copy_home(january[0], tmp_path)
    base = ["--home", str(home), "--config-dir", str(january[1])]
    before = len(_closes(home))
    capsys.readouterr()
    assert main([*base, "flatten"]) == 0
    out = capsys.readouterr().out
    assert out == (
        "flatten request #1 applied now: closed grid_atr:BTC/USDT; new entries stopped\n"
    )
    closes = _closes(home)
    assert len(closes) == before + 1
    last = closes[-1]
    # a long grid sold at the market: the last close less 0.05 % slippage (risk.yaml)
    assert last["reason"] == "flattened" and last["levels"] == 2
    assert last["exit_price"] == pytest.approx(_last_close(home) * (1 - 0.0005))
    assert last["exit_ts"] == LAST_JANUARY_CANDLE
    assert main([*base, "status"]) == 0
    status = capsys.readouterr().out
    assert "new entries: STOPPED by the operator (cli)" in status
    # February: the portfolio stays flat
    assert main([*base, "paper", "--replay", "--to", "2025-03-01"]) == 0
    assert len(_closes(home)) == before + 1


def test_the_bot_flattens_too(january, tmp_path, telegram: FakeTelegram, monkeypatch) -> None:
    home = copy_home(january[0], tmp_path)
    monkeypatch.setenv("SCALP_RADAR_TELEGRAM_API", telegram.url)  # type: ignore[attr-defined]
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_CHAT_ID", "42")
    telegram.push(42, "/flatten")
    base = ["--home", str(home), "--config-dir", str(january[1])]
    assert main([*base, "notify", "--once"]) == 0
    reply = "flatten request #1 applied now: closed grid_atr:BTC/USDT; new entries stopped"
    assert reply in telegram.texts()
    assert _closes(home)[-1]["reason"] == "flattened"
