"""The watchdog of a trading process: checks each market it trades against the wall clock and
records ``DataStale`` when one stops, ``DataFresh`` when it flows again (``domain.watchdog``).
Which markets are stale now is rebuilt from its log, so a restart does not say it twice."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from eventsourcing.application import EventSourcedLog

from adapters.store.event_store import Store
from adapters.store.market_data import MarketData
from domain.market import Market
from domain.watchdog import DataFresh, DataStale, is_stale, watchdog_log_id


class Watchdog:
    def __init__(
        self,
        store: Store,
        data: MarketData,
        portfolio: str,
        markets: Sequence[Market],
        clock: Callable[[], int],
    ) -> None:
        self.store, self.data, self.portfolio = store, data, portfolio
        self.markets, self.clock = list(markets), clock
        self.log = EventSourcedLog(store.events, watchdog_log_id(portfolio), DataStale)
        self.stale: set[Market] = set()
        for event in self.log.get():
            market = Market(event.exchange, event.symbol, event.timeframe)
            (self.stale.add if isinstance(event, DataStale) else self.stale.discard)(market)

    def check(self) -> list[DataStale | DataFresh]:
        """Record each market whose state changed since the last check; returns the facts."""
        now, told = self.clock(), []
        for market in self.markets:
            last = self.data.last_candle_ts(market)
            stale = is_stale(last, market.tf_ms, now)
            if stale == (market in self.stale):
                continue
            kind = DataStale if stale else DataFresh
            event = self.log._trigger_event(
                kind, portfolio=self.portfolio, exchange=market.exchange, symbol=market.symbol,
                timeframe=market.timeframe, last_ts=last or 0, ts=now,
            )  # fmt: skip
            self.store.save(event)
            (self.stale.add if stale else self.stale.discard)(market)
            told.append(event)
        return told


def wall_ms() -> int:
    """The machine's clock (ms): data is stale by the time people live in."""
    return int(time.time() * 1000)
