"""Stores as an older version could leave them: events that break today's market-data rules,
or a state that does not decode. Written around MarketData (which refuses such rows now)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from eventsourcing.application import EventSourcedLog

from adapters.services.engine import Engine
from adapters.store.home import Home
from domain.candles import CandleClosed
from domain.market import HOUR_MS, Market
from tests.stubs import T0, CandleStubs

BTC = Market("binance", "BTC/USDT", "1h")
ETH = Market("binance", "ETH/USDT", "1h")
BEYOND_64_BITS = 360_000_000_000_000_000_000_000_000  # the reported CSV timestamp


def put_unchecked_candle(engine: Engine, market: Market, ts: int, price: float = 1.0) -> int:
    """Append a candle to ``market``'s stream without any check; returns its notification id.
    The engine's MarketData forgets its caches (it did not write this event)."""
    log = EventSourcedLog(engine.store.events, market.stream_id, CandleClosed)
    last = log.get_last()
    version = 1 if last is None else last.originator_version + 1
    event = log.trigger_event(
        next_originator_version=version, ts=ts, o=price, h=price, l=price, c=price, v=1.0
    )
    engine.store.events.put([event])
    engine.market_data._states.clear()
    return engine.store.recorder.max_notification_id()


def bricked_home(root: Path, before: int = 30, after: int = 10) -> tuple[Path, int]:
    """A home whose BTC stream holds ``before`` good candles, then one at a timestamp beyond
    64 bits (as the issue's CSV stored it), then ``after`` good ones; and a good ETH stream
    after all that. Returns the home and the bad event's notification id."""
    home = root / "home"
    engine = Engine(Home(home))
    try:
        rows = CandleStubs.wave(before + after)
        engine.market_data.append_candles(BTC, rows[:before])
        bad = put_unchecked_candle(engine, BTC, BEYOND_64_BITS)
        engine.market_data.append_candles(BTC, rows[before:])
        engine.market_data.append_candles(ETH, CandleStubs.wave(20, start=T0 + 100 * HOUR_MS))
    finally:
        engine.close()
    return home, bad


def corrupt_state(home: Path, notification_id: int) -> None:
    """Overwrite a stored event's state with bytes that are not JSON."""
    conn = sqlite3.connect(home / "events.db")
    with conn:
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?", [b"\x00not json", notification_id]
        )
    conn.close()
