"""The watchdog: a market whose newest candle closed more than two periods ago is told stale
once, fresh once its data flows again, and a restart remembers which are stale."""

from __future__ import annotations

from adapters.store.event_store import open_store
from adapters.store.market_data import MarketData
from adapters.store.watchdog import Watchdog
from domain.market import Market
from domain.watchdog import DataFresh, DataStale, is_stale
from tests.stubs import HOUR_MS, T0, CandleStubs

BTC = Market("bitget", "BTC/USDT", "1h")
ETH = Market("bitget", "ETH/USDT", "1h")


def test_the_rule_counts_from_the_candles_close() -> None:
    # opened at 0, closed at 1 h: stale strictly after 1 h + 2 h
    assert not is_stale(0, HOUR_MS, 3 * HOUR_MS)
    assert is_stale(0, HOUR_MS, 3 * HOUR_MS + 1)
    assert is_stale(None, HOUR_MS, 0)


def test_one_market_stops_the_other_flows() -> None:
    store = open_store(memory=True)
    data = MarketData(store)
    rows = CandleStubs.wave(10)  # opened T0 .. T0 + 9 h
    data.append_candles(BTC, rows)
    data.append_candles(ETH, rows)
    now = [T0 + 10 * HOUR_MS]  # both closed their last candle just now
    dog = Watchdog(store, data, "paper", [BTC, ETH], lambda: now[0])
    assert dog.check() == []
    data.append_candles(ETH, CandleStubs.wave(4, start=T0 + 10 * HOUR_MS))  # ETH goes on
    now[0] = T0 + 13 * HOUR_MS + 1  # BTC's last closed at T0 + 10 h: 3 h ago
    [stale] = dog.check()
    assert isinstance(stale, DataStale)
    assert (stale.symbol, stale.last_ts, stale.ts) == ("BTC/USDT", T0 + 9 * HOUR_MS, now[0])
    assert dog.check() == []  # told once, not at every check
    again = Watchdog(store, data, "paper", [BTC, ETH], lambda: now[0])
    assert again.stale == {BTC} and again.check() == []  # a restart does not say it twice
    data.append_candles(BTC, CandleStubs.wave(4, start=T0 + 10 * HOUR_MS))
    [fresh] = again.check()
    assert isinstance(fresh, DataFresh) and fresh.last_ts == T0 + 13 * HOUR_MS
