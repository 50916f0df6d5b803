"""Build the ccxt client for a venue, optionally pointed at another REST host.

``SCALP_RADAR_API_URL_<NAME>`` (e.g. ``SCALP_RADAR_API_URL_BITGET=http://127.0.0.1:8123``)
replaces the scheme and host of every REST URL of that exchange and keeps the paths, so tests
run the real ccxt code against a local fake venue and users can go through a proxy.

Markets are loaded the ordinary way (``load_markets`` calls the venue's public market
endpoints), so the fake venue answers those endpoints too: no fixture is preloaded and the
client behaves exactly as against the real exchange.
"""

from __future__ import annotations

import os
import re
from typing import Any

import ccxt

from adapters.venues import venue

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
