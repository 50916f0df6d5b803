"""Build the ccxt client for a venue, optionally pointed at another REST host.

``SCALP_RADAR_API_URL_<NAME>`` (e.g. ``SCALP_RADAR_API_URL_BITGET=http://127.0.0.1:8123``)
replaces the scheme and host of every REST URL of that exchange and keeps the paths, so tests
run the real ccxt code against a local fake venue and users can go through a proxy.
``SCALP_RADAR_WS_URL_<NAME>`` does the same for the websocket URLs of the ccxt.pro client
(``make_pro_exchange``), which the live feed streams candles from.

Markets are loaded the ordinary way (``load_markets`` calls the venue's public market
endpoints), so the fake venue answers those endpoints too: no fixture is preloaded and the
client behaves exactly as against the real exchange.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

import ccxt

from adapters.exchanges.venues import venue

if TYPE_CHECKING:
    import ccxt.pro

_SCHEME_HOST = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]+")


def api_url_override(name: str) -> str | None:
    value = os.environ.get(f"SCALP_RADAR_API_URL_{name.upper()}", "").strip()
    return value.rstrip("/") or None


def rebase_urls(urls: Any, base: str) -> Any:
    """Copy of a (nested) ccxt URL table with every scheme+host replaced by ``base``."""
    if isinstance(urls, dict):
        return {key: rebase_urls(value, base) for key, value in urls.items()}
    if isinstance(urls, str):
        return _SCHEME_HOST.sub(base, urls, count=1)
    return urls


def make_exchange(name: str, min_interval_ms: int = 100) -> ccxt.Exchange:
    """A sync ccxt client for public market data (no API keys), paced by ccxt's rate limiter
    (``min_interval_ms`` between calls, from exchanges.yaml ``rate_limit``)."""
    caps = venue(name)
    exchange: ccxt.Exchange = getattr(ccxt, caps.ccxt_class)(
        {
            "enableRateLimit": True,
            "rateLimit": min_interval_ms,
            "options": {"fetchMarkets": {"types": list(caps.market_types)}},
        }
    )
    base = api_url_override(name)
    if base is not None:
        exchange.urls["api"] = rebase_urls(exchange.urls["api"], base)
    return exchange


def ws_url_override(name: str) -> str | None:
    value = os.environ.get(f"SCALP_RADAR_WS_URL_{name.upper()}", "").strip()
    return value.rstrip("/") or None


def rebase_split(urls: Any, rest_base: str | None, ws_base: str | None) -> Any:
    """Copy of a ccxt.pro URL table with REST URLs moved to ``rest_base`` and websocket URLs
    (``ws://``/``wss://``) to ``ws_base``; ``None`` leaves that kind alone. ccxt.pro keeps both
    kinds in one ``urls['api']`` table, so one override must not clobber the other."""
    if isinstance(urls, dict):
        return {key: rebase_split(value, rest_base, ws_base) for key, value in urls.items()}
    if isinstance(urls, str):
        base = ws_base if urls.lower().startswith("ws") else rest_base
        return urls if base is None else _SCHEME_HOST.sub(base, urls, count=1)
    return urls


def make_pro_exchange(name: str, min_interval_ms: int = 100) -> ccxt.pro.Exchange:
    """An async ccxt.pro client for public streams (no API keys).

    ``SCALP_RADAR_WS_URL_<NAME>`` (e.g. ``ws://127.0.0.1:8124``) replaces the scheme and host
    of every websocket URL and keeps the paths, as ``SCALP_RADAR_API_URL_<NAME>`` does for the
    REST URLs the client still needs (``load_markets``). The caller closes it (``await
    exchange.close()``), or hands it to ``LiveFeed``, whose ``close`` does.
    """
    import ccxt.pro  # imported here: 0.2 s, and only the live feed needs it

    caps = venue(name)
    exchange: ccxt.pro.Exchange = getattr(ccxt.pro, caps.ccxt_class)(
        {
            "enableRateLimit": True,
            "rateLimit": min_interval_ms,
            "options": {"fetchMarkets": {"types": list(caps.market_types)}},
        }
    )
    rest_base, ws_base = api_url_override(name), ws_url_override(name)
    exchange.urls["api"] = rebase_split(exchange.urls["api"], rest_base, ws_base)
    return exchange
