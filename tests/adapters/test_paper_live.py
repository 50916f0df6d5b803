"""Live paper trading: candles streamed by real ccxt.pro from a fake Bitget websocket (with the
REST fake for history and gaps) drive the Simulator; each candle is saved in the transaction of
the decisions it caused, and the result equals a replay of the same candles."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import sys
from pathlib import Path

import pytest
from eventsourcing.application import EventSourcedLog

from adapters.cli.main import main
from adapters.exchanges.client import make_exchange, make_pro_exchange
from adapters.exchanges.contract_specs import fetch_specs
from adapters.exchanges.fetch import fetch_candles
from adapters.exchanges.live_feed import ClosedCandle, LiveFeed
from adapters.services.engine import Engine
from adapters.services.paper_trader import PaperTrader
from adapters.store.event_store import open_store
from adapters.store.home import Home
from adapters.store.watchdog import Watchdog
from adapters.text.timefmt import fmt_ts
from config.loader import load_settings
from domain.engine_session import EngineStarted, EngineStopped, session_log_id
from domain.market import Market
from domain.simulator import Simulator
from tests.adapters.fake_bitget_ws import FakeBitgetWs
from tests.adapters.fake_venue import FakeVenue
from tests.adapters.paper_kit import make_config
from tests.adapters.test_live_feed import NOW, F, H, final

BTC = Market("bitget", "BTC/USDT", "1h")
_CLOCK = "scalp_radar:Simulator.ClockAdvanced"
_CANDLE = "scalp_radar:CandleClosed"


def _history(home: Path, rest_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """700 closed candles up to the fake venue's clock, and the contract spec of the perpetual
    the runners obey, as ``data fetch`` (``--specs``) stores them."""
    monkeypatch.setenv("SCALP_RADAR_API_URL_BITGET", rest_url)
    engine = Engine(Home(home))
    exchange = make_exchange("bitget", min_interval_ms=0)
    fetch_candles(exchange, BTC, engine.market_data, since_ms=NOW - 700 * H, now_ms=NOW)
    fetch_specs(exchange, "bitget", engine.market_data, ["BTC/USDT:USDT"], now_ms=NOW)
    engine.project()
    engine.close()


async def _trade_live(trader: PaperTrader, ws: FakeBitgetWs, until_ts: int) -> None:
    async def instant(_seconds: float) -> None:
        await asyncio.sleep(0)

    engine = trader.engine
    feed = LiveFeed(
        make_pro_exchange("bitget", min_interval_ms=0),
        make_exchange("bitget", min_interval_ms=0),
        [BTC],
        engine.market_data.last_candle_ts,
        sleep=instant,
    )
    task = asyncio.ensure_future(trader.live(feed))
    await ws.wait_subscribed(1)
    await ws.advance(until_ts + H + 1)  # every candle up to until_ts is now closed
    for _ in range(200):
        if trader.sim.last_ts >= until_ts:
            break
        await asyncio.sleep(0.05)
    await feed.close()  # ends the feed's stream, so live() returns
    await asyncio.wait_for(task, 5)


def _sim_events(engine: Engine, portfolio: str) -> list[tuple[str, str]]:
    decode = engine.store.mapper.transcoder.decode
    out = []
    for r in engine.store.recorder.select_events(Simulator.create_id(portfolio)):
        state = decode(r.state)
        state.pop("timestamp")
        out.append((r.topic, json.dumps(state, sort_keys=True)))
    return out[1:]  # Started names the portfolio


def test_live_candles_are_stored_with_their_decisions_and_equal_a_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    config = make_config(tmp_path, "BTC/USDT")
    with FakeVenue("bitget", now_ms=NOW, listed_ms=NOW - 900 * H, bases=("BTC",)) as rest:
        _history(home, rest.url, monkeypatch)

        async def scenario() -> None:
            async with FakeBitgetWs(now_ms=NOW, snapshot_size=5) as ws:
                monkeypatch.setenv("SCALP_RADAR_WS_URL_BITGET", ws.url)
                engine = Engine(Home(home))
                trader = PaperTrader(engine, load_settings(config), "live", "bitget")
                trader.replay(NOW - 200 * H, None)  # catch up on the stored history first
                stored_until = trader.sim.last_ts
                await _trade_live(trader, ws, F + 2 * H)
                assert stored_until < F <= trader.sim.last_ts == F + 2 * H
                engine.close()

        asyncio.run(asyncio.wait_for(scenario(), 60))

    engine = Engine(Home(home))
    assert engine.market_data.last_candle_ts(BTC) == F + 2 * H  # the streamed candles are stored
    engine.project()
    reader = engine.market_reader()
    candles = reader.candles(reader.find("bitget", "BTC/USDT", "1h").series_id)
    assert tuple(float(x) for x in (candles.ts[-1], candles.open[-1], candles.close[-1])) == (
        final(F + 2 * H)[0],
        final(F + 2 * H)[1],
        final(F + 2 * H)[4],
    )
    # one transaction per streamed candle: its CandleClosed comes right before the Simulator
    # events it caused, which end with the ClockAdvanced naming it
    notes = engine.store.recorder.select_notifications(0, 1_000_000)
    decode = engine.store.mapper.transcoder.decode
    for i, n in enumerate(notes):
        if n.topic == _CANDLE and decode(n.state)["ts"] >= F:
            ts = decode(n.state)["ts"]
            following = notes[i + 1 :]
            clock = next(j for j, m in enumerate(following) if m.topic == _CLOCK)
            assert decode(following[clock].state)["ts"] == ts
            assert all(m.topic.startswith("scalp_radar:Simulator.") for m in following[:clock])
    # the same candles replayed by another portfolio give the same decisions
    replayed = PaperTrader(engine, load_settings(config), "replayed", "bitget")
    replayed.replay(NOW - 200 * H, None)
    assert _sim_events(engine, "replayed") == _sim_events(engine, "live")


def test_bad_live_candles_never_reach_the_simulator(
    tmp_path: Path, monkeypatch, caplog: pytest.LogCaptureFixture
) -> None:
    home = tmp_path / "home"
    config = make_config(tmp_path, "BTC/USDT")
    with FakeVenue("bitget", now_ms=NOW, listed_ms=NOW - 900 * H, bases=("BTC",)) as rest:
        _history(home, rest.url, monkeypatch)
        engine = Engine(Home(home))
        trader = PaperTrader(engine, load_settings(config), "live", "bitget")
        trader.replay(NOW - 200 * H, None)
        last = trader.sim.last_ts
        good = (last + H, 100.0, 101.0, 99.0, 100.5, 1.0)
        bad = [
            (last, 100.0, 101.0, 99.0, 100.5, 1.0),  # the last one again
            (last + H, 100.0, 98.0, 99.0, 100.5, 1.0),  # high < low
            (last + 2 * H, float("nan"), 101.0, 99.0, 100.5, 1.0),
        ]
        version = trader.sim.version
        caplog.set_level(logging.WARNING, logger="scalp_radar.paper")
        rejected = trader.take_closed(trader.sim, [ClosedCandle(BTC, r) for r in bad[:2]])
        assert rejected == 2 and trader.sim.version == version  # nothing happened
        assert trader.take_closed(trader.sim, [ClosedCandle(BTC, good)]) == 0
        assert trader.sim.last_ts == last + H
        assert trader.take_closed(trader.sim, [ClosedCandle(BTC, bad[2])]) == 1
        assert trader.sim.last_ts == last + H
        engine.close()
    # each rejection is logged with its market, its time and why
    logged = [r.getMessage() for r in caplog.records if "rejected" in r.getMessage()]
    market = "bitget BTC/USDT 1h at"
    assert len(logged) == 3
    assert logged[0].startswith(f"{market} {fmt_ts(last)}:") and "duplicate" in logged[0]
    assert logged[1].startswith(f"{market} {fmt_ts(last + H)}:") and "high 98" in logged[1]
    assert logged[2].startswith(f"{market} {fmt_ts(last + 2 * H)}:") and "open is nan" in logged[2]


def test_cli_paper_goes_live_after_the_stored_history(tmp_path: Path, monkeypatch) -> None:
    """``scalp-radar paper`` (no --replay) in its own process: catches up, streams, stops on
    SIGTERM (``docker stop``, systemd) as on Ctrl-C, with what it did stored and its stop told."""
    home = tmp_path / "home"
    config = make_config(tmp_path, "BTC/USDT")
    with FakeVenue("bitget", now_ms=NOW, listed_ms=NOW - 900 * H, bases=("BTC",)) as rest:
        _history(home, rest.url, monkeypatch)

        async def scenario() -> tuple[int, str]:
            async with FakeBitgetWs(now_ms=NOW, snapshot_size=5) as ws:
                env = dict(os.environ, SCALP_RADAR_WS_URL_BITGET=ws.url)
                process = await asyncio.create_subprocess_exec(
                    *(sys.executable, "-m", "adapters.cli.main", "--home", str(home)),
                    *("--config-dir", str(config), "paper", "--from", fmt_ts(NOW - 100 * H)),
                    env=env,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                )
                await ws.wait_subscribed(1, timeout=60)
                await ws.advance(NOW + 2 * H)  # F and F + 1h close
                for _ in range(400):
                    if _last_clock(home) == F + H:
                        break
                    await asyncio.sleep(0.05)
                process.send_signal(signal.SIGTERM)
                out, err = await process.communicate()
                return process.returncode, out.decode() + err.decode()

        code, output = asyncio.run(asyncio.wait_for(scenario(), 120))
    assert code == 130, output
    assert "live on bitget, 1 market(s)" in output
    assert _last_clock(home) == F + H
    store = open_store(Home(home))
    try:
        log = EventSourcedLog(store.events, session_log_id("paper"), EngineStarted)
        session = [(type(e).__name__, e.mode) for e in log.get()]
        stopped = log.get_last()
    finally:
        store.close()
    assert session == [("EngineStarted", "paper on bitget"), ("EngineStopped", "paper on bitget")]
    assert isinstance(stopped, EngineStopped) and stopped.reason == "interrupted"


def test_cli_paper_ends_with_exit_1_and_one_line_when_the_live_feed_gives_up(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    home = tmp_path / "home"
    config = make_config(tmp_path, "BTC/USDT")
    exchanges = config / "exchanges.yaml"
    exchanges.write_text(exchanges.read_text().replace("max_retries: 3", "max_retries: 0"))
    with socket.socket() as closed:  # a port nobody listens on: every connection is refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with FakeVenue("bitget", now_ms=NOW, listed_ms=NOW - 900 * H, bases=("BTC",)) as rest:
        _history(home, rest.url, monkeypatch)
        engine = Engine(Home(home))
        stored = engine.market_data.last_candle_ts(BTC)
        engine.close()
        monkeypatch.setenv("SCALP_RADAR_WS_URL_BITGET", f"ws://127.0.0.1:{port}")
        args = ["--home", str(home), "--config-dir", str(config), "paper"]
        code = main([*args, "--from", fmt_ts(NOW - 100 * H)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    # the progress lines of the catch-up come first, then the reason, in one line
    reason = err.splitlines()[-1]
    stopped = "scalp-radar: paper paper: live feed stopped: bitget: gave up after 1 failed"
    assert reason.startswith(stopped)
    assert "Cannot connect" in reason
    assert _last_clock(home) == stored  # the catch-up on the stored history was kept


def _last_clock(home: Path) -> int | None:
    engine = Engine(Home(home))
    decode = engine.store.mapper.transcoder.decode
    records = engine.store.recorder.select_events(Simulator.create_id("paper"), desc=True)
    last = next((decode(r.state)["ts"] for r in records if r.topic == _CLOCK), None)
    engine.close()
    return last


def test_the_watchdog_tells_a_market_that_stops_then_flows_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The venue stops pushing BTC while its clock runs on: once the last candle closed more
    than two periods ago the paper process records DataStale; when candles come again,
    DataFresh. The watchdog's clock is the venue's, as the wall clock is in production."""
    home = tmp_path / "home"
    config = make_config(tmp_path, "BTC/USDT")
    with FakeVenue("bitget", now_ms=NOW, listed_ms=NOW - 900 * H, bases=("BTC",)) as rest:
        _history(home, rest.url, monkeypatch)

        async def scenario() -> list[tuple[str, int, int]]:
            async with FakeBitgetWs(now_ms=NOW, snapshot_size=5) as ws:
                monkeypatch.setenv("SCALP_RADAR_WS_URL_BITGET", ws.url)
                engine = Engine(Home(home))
                trader = PaperTrader(engine, load_settings(config), "paper", "bitget")
                trader.replay(NOW - 200 * H, None)
                market = Market("bitget", "BTC/USDT", "1h")
                dog = Watchdog(engine.store, engine.market_data, "paper", [market],
                               lambda: ws.now_ms)  # fmt: skip
                feed = LiveFeed(
                    make_pro_exchange("bitget", min_interval_ms=0),
                    make_exchange("bitget", min_interval_ms=0),
                    [BTC],
                    engine.market_data.last_candle_ts,
                )
                task = asyncio.ensure_future(trader.live(feed, watch=dog.check, every_s=0.02))
                await ws.wait_subscribed(1)
                last = engine.market_data.last_candle_ts(BTC)
                assert last is not None and not dog.stale
                ws.now_ms = last + 4 * H  # time passes, nothing is pushed
                await _until(lambda: bool(dog.stale))
                await ws.advance(last + 5 * H)  # the candles since come at last
                await _until(lambda: not dog.stale)
                await feed.close()
                await asyncio.wait_for(task, 5)
                told = [(type(e).__name__, e.last_ts, e.ts) for e in dog.log.get()]
                engine.close()
                return [(name, last_ts - last, ts - last) for name, last_ts, ts in told]

        told = asyncio.run(asyncio.wait_for(scenario(), 60))
    # stale: seen at last + 4 h with the last candle opened at last; fresh: the newest closed
    # candle opened at last + 4 h, seen at last + 5 h
    assert told == [("DataStale", 0, 4 * H), ("DataFresh", 4 * H, 5 * H)]


async def _until(condition, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")
