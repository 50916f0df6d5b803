"""A tiny BTC market with hand-written candles, the sim around it and a real ccxt client."""

from __future__ import annotations

import ccxt
import ccxt.pro
import numpy as np

from adapters.exchanges.client import rebase_split, rebase_urls
from adapters.venue_sim.book import SimMarket
from adapters.venue_sim.server import VenueSim
from adapters.venue_sim.signing import SIM_CREDENTIALS, Credentials
from domain.contracts import Contract

HOUR = 3_600_000
T0 = 1_700_000_000_000 // HOUR * HOUR
SYMBOL = "BTC/USDT:USDT"
CONTRACT = Contract(tick=0.1, step=0.001, min_qty=0.001, min_notional=5.0, max_leverage=125.0)
# (open, high, low, close): two history candles, then the rehearsal
CANDLES = [
    (100.0, 101.0, 99.0, 100.0),
    (100.0, 102.0, 99.5, 101.0),
    (101.0, 103.0, 95.0, 102.0),  # T0 + 2h: up candle, path 101 -> 95 -> 103 -> 102
    (102.0, 104.0, 90.0, 91.0),  # down candle, path 102 -> 104 -> 90 -> 91
    (91.0, 92.0, 89.0, 90.0),
]


def market(candles: list[tuple[float, float, float, float]] = CANDLES) -> SimMarket:
    arr = np.array(candles, dtype=np.float64)
    ts = T0 + HOUR * np.arange(len(candles), dtype=np.int64)
    vol = np.ones(len(candles))
    return SimMarket(SYMBOL, CONTRACT, ts, arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], vol)


def make_sim(**kwargs: object) -> VenueSim:
    return VenueSim([market()], T0 + 2 * HOUR, HOUR, **kwargs)  # type: ignore[arg-type]


def _config(creds: Credentials) -> dict[str, object]:
    return {
        "apiKey": creds.api_key,
        "secret": creds.secret,
        "password": creds.passphrase,
        "options": {"defaultType": "swap", "uta": False, "fetchMarkets": {"types": ["swap"]}},
        "timeout": 3000,
    }


def client(url: str, creds: Credentials = SIM_CREDENTIALS) -> ccxt.bitget:
    exchange = ccxt.bitget(_config(creds))
    exchange.urls["api"] = rebase_urls(exchange.urls["api"], url)
    return exchange


def pro_client(sim: VenueSim, creds: Credentials = SIM_CREDENTIALS) -> ccxt.pro.bitget:
    """The real ccxt.pro client, its REST URLs on the sim's HTTP port, its websocket URLs on
    the sim's websocket port (call within a running event loop; close it after)."""
    exchange = ccxt.pro.bitget(_config(creds))
    exchange.urls["api"] = rebase_split(exchange.urls["api"], sim.url, sim.ws_url)
    return exchange
