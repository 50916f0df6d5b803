"""``paper`` after its catch-up: live candles from the trading venue through ccxt.pro (loaded only
by a paper run that goes live)."""

from __future__ import annotations

import asyncio

from adapters.exchanges.client import make_exchange, make_pro_exchange
from adapters.exchanges.fetch import RetryPolicy
from adapters.exchanges.live_feed import LiveFeed
from adapters.services.engine import Engine
from adapters.services.paper_trader import PaperTrader
from adapters.store.watchdog import Watchdog
from adapters.text.timefmt import wall_ms
from config.exchanges import RateLimit
from config.settings import Settings
from domain.market import Market


def run_live(trader: PaperTrader, engine: Engine) -> None:
    """Trade live candles until interrupted (a ``LiveFeedError`` when the feed fails for good)."""
    asyncio.run(_live(trader, engine, trader.settings))


async def _live(trader: PaperTrader, engine: Engine, settings: Settings) -> None:
    """Stream the runners' markets from the trading venue (public data, no keys) until
    interrupted; the read models follow every candle."""
    name = trader.exchange
    pacing = (
        settings.exchanges.exchanges[name].rate_limit
        if name in settings.exchanges.exchanges
        else RateLimit()
    )
    markets = list(
        dict.fromkeys(Market(name, s.spec.symbol, s.spec.timeframe) for s in trader.slots)
    )
    feed = LiveFeed(
        make_pro_exchange(name, pacing.min_interval_ms),
        make_exchange(name, pacing.min_interval_ms),
        markets,
        engine.market_data.last_candle_ts,
        batch=pacing.ws_subscribe_batch,
        pause_s=pacing.ws_subscribe_pause_s,
        retry=RetryPolicy(attempts=pacing.max_retries + 1, base_delay_s=pacing.retry_backoff_s),
    )
    watchdog = Watchdog(engine.store, engine.market_data, trader.portfolio, markets, wall_ms)
    print(f"paper {trader.portfolio}: live on {name}, {len(markets)} market(s); Ctrl-C stops")
    try:
        await trader.live(feed, on_saved=engine.project, watch=watchdog.check)
    finally:
        await feed.close()
