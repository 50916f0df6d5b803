"""A real local HTTP server that answers like Binance or Bitget for public market data.

The real ccxt client is pointed at it (``SCALP_RADAR_API_URL_<NAME>``), so tests exercise
ccxt's own request building and parsing. It serves the endpoints ccxt calls for
``load_markets``, OHLCV (Bitget: recent ``candles`` and ``history-candles``), funding history
and (Binance) open-interest history, from a deterministic generated series that starts at
``listed_ms`` and runs up to the candle still forming at ``now_ms``. It enforces the venue
limits this project relies on (answering the venue's own error body), records every request,
and can be told to fail.

Payload shapes are copied from ccxt's recorded Bitget fixtures
(``ts/src/test/static/{markets,response}/bitget.json``) and from Binance's documented
responses; nothing is read from disk at test time.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
FUNDING_EVERY_MS = 8 * HOUR_MS

Failure = Literal["429", "502", "drop"]
Reply = tuple[int, Any] | None  # (HTTP status, JSON body); None = drop the connection

BITGET_RECENT_LIMIT, BITGET_HISTORY_LIMIT, BITGET_FUNDING_LIMIT = 1000, 200, 100
BITGET_MAX_WINDOW_MS = 90 * DAY_MS
BINANCE_LIMIT = 1000
# /futures/data/openInterestHist: limit 1..500 (default 30), only the last 30 days, these periods
BINANCE_OI_LIMIT, BINANCE_OI_DAYS = 500, 30
BINANCE_OI_PERIODS = ("5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d")

# Recorded market info (ccxt static fixture markets/bitget.json, BTCUSDT), as served by
# /api/v2/spot/public/symbols and /api/v2/mix/market/contracts.
_BITGET_SPOT = {
    "symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT", "minTradeAmount": "0",
    "maxTradeAmount": "10000000000", "takerFeeRate": "0.002", "makerFeeRate": "0.002",
    "pricePrecision": "2", "quantityPrecision": "6", "quotePrecision": "6", "status": "online",
    "minTradeUSDT": "1", "buyLimitPriceRatio": "0.05", "sellLimitPriceRatio": "0.05",
    "areaSymbol": "no", "orderQuantity": "200",
}  # fmt: skip
_BITGET_SWAP = {
    "symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT", "buyLimitPriceRatio": "0.01",
    "sellLimitPriceRatio": "0.01", "feeRateUpRatio": "0.005", "makerFeeRate": "0.0002",
    "takerFeeRate": "0.0006", "openCostUpRatio": "0.01", "supportMarginCoins": ["USDT"],
    "minTradeNum": "0.001", "priceEndStep": "1", "volumePlace": "3", "pricePlace": "1",
    "sizeMultiplier": "0.001", "symbolType": "perpetual", "minTradeUSDT": "5",
    "maxSymbolOrderNum": "200", "maxProductOrderNum": "400", "maxPositionNum": "150",
    "symbolStatus": "normal", "offTime": "-1", "limitOpenTime": "-1", "deliveryTime": "",
    "deliveryStartTime": "", "deliveryPeriod": "", "launchTime": "", "fundInterval": "8",
    "minLever": "1", "maxLever": "125", "posLimit": "0.05", "maintainTime": "",
}  # fmt: skip
# Recorded position tiers of BTCUSDT (ccxt static fixture response/bitget.json,
# fetchMarketLeverageTiers): (tier, minTierValue, maxTierValue, leverage, mmr), served for every
# contract by /api/v2/mix/market/query-position-lever. The recording is of the unified account's
# /api/v3/market/position-tier, whose field names ccxt's parse_market_leverage_tiers reads as it
# reads the classic endpoint's (startUnit/endUnit/keepMarginRate).
BITGET_TIERS = (
    ("1", "0", "150000", "125", "0.004"), ("2", "150000", "900000", "100", "0.005"),
    ("3", "900000", "12000000", "50", "0.01"), ("4", "12000000", "70000000", "25", "0.015"),
    ("5", "70000000", "100000000", "20", "0.02"), ("6", "100000000", "230000000", "10", "0.03"),
    ("7", "230000000", "480000000", "5", "0.045"), ("8", "480000000", "600000000", "4", "0.125"),
    ("9", "600000000", "800000000", "3", "0.1666"),
    ("10", "800000000", "1200000000", "2", "0.25"),
    ("11", "1200000000", "1800000000", "1", "0.5"),
)  # fmt: skip
# Binance exchangeInfo entries (documented shape, trimmed to what ccxt reads).
_BINANCE_SPOT = {
    "symbol": "BTCUSDT", "status": "TRADING", "baseAsset": "BTC", "baseAssetPrecision": 8,
    "quoteAsset": "USDT", "quotePrecision": 8, "quoteAssetPrecision": 8,
    "isSpotTradingAllowed": True, "isMarginTradingAllowed": True, "permissions": [],
    "permissionSets": [["SPOT"]], "orderTypes": ["LIMIT", "MARKET"],
    "filters": [
        {"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000000",
         "tickSize": "0.01"},
        {"filterType": "LOT_SIZE", "minQty": "0.00001", "maxQty": "9000", "stepSize": "0.00001"},
        {"filterType": "NOTIONAL", "minNotional": "5.00000000", "applyMinToMarket": True,
         "maxNotional": "9000000.00000000", "applyMaxToMarket": False, "avgPriceMins": 5},
    ],
}  # fmt: skip
_BINANCE_PERP = {
    "symbol": "BTCUSDT", "pair": "BTCUSDT", "contractType": "PERPETUAL",
    "deliveryDate": 4133404800000, "onboardDate": 1569398400000, "status": "TRADING",
    "baseAsset": "BTC", "quoteAsset": "USDT",
    "marginAsset": "USDT", "pricePrecision": 2, "quantityPrecision": 3, "baseAssetPrecision": 8,
    "quotePrecision": 8, "underlyingType": "COIN", "orderTypes": ["LIMIT", "MARKET"],
    "filters": [
        {"filterType": "PRICE_FILTER", "minPrice": "0.10", "maxPrice": "4529764",
         "tickSize": "0.10"},
        {"filterType": "LOT_SIZE", "minQty": "0.001", "maxQty": "1000", "stepSize": "0.001"},
        {"filterType": "MIN_NOTIONAL", "notional": "100"},
    ],
}  # fmt: skip
# Per base asset, what differs from the BTC templates above: (spot tick, perpetual tick) as the
# venue writes them. Bitget gives decimal places: (spot pricePrecision, swap pricePlace).
BINANCE_TICKS = {"BTC": ("0.01000000", "0.10"), "ETH": ("0.01000000", "0.01")}
BITGET_PLACES = {"BTC": ("2", "1"), "ETH": ("2", "2")}


def candle_values(ts: int, tf_ms: int) -> list[float]:
    """Deterministic, always-valid OHLCV for the candle opening at ``ts``."""
    n = ts // tf_ms
    o = 100 + 20 * math.sin(n / 37)
    c = 100 + 20 * math.sin((n + 1) / 37)
    return [o, max(o, c) + 0.5 + n % 3, min(o, c) - 0.5, c, 1.0 + n % 5]


def funding_rate(ts: int) -> float:
    return ((ts // FUNDING_EVERY_MS) % 7 - 3) * 0.0001


def open_interest(ts: int) -> float:
    """Deterministic open interest (BTC) at ``ts``: the same value whatever the period asked."""
    return 50_000.0 + (ts // (5 * MINUTE_MS)) % 97 * 10.0


@dataclass
class _FailRule:
    kind: Failure
    path: str
    skip: int
    times: int

    def take(self) -> Failure | None:
        """The failure for this matching request, or None while still skipping."""
        if self.skip:
            self.skip -= 1
            return None
        self.times -= 1
        return self.kind


@dataclass(frozen=True)
class Recorded:
    path: str
    query: dict[str, str]

    def number(self, key: str) -> int | None:
        return int(self.query[key]) if key in self.query else None


class FakeVenue:
    """Use as a context manager; ``url`` is the base to put in ``SCALP_RADAR_API_URL_<NAME>``."""

    def __init__(
        self, venue: str, *, now_ms: int, listed_ms: int, bases: tuple[str, ...] = ("BTC", "ETH")
    ) -> None:
        if venue not in ("binance", "bitget"):
            raise ValueError(venue)
        self.venue, self.now_ms, self.listed_ms, self.bases = venue, now_ms, listed_ms, bases
        self.requests: list[Recorded] = []
        self.bad_candles: dict[int, dict[int, str]] = {}  # ts -> {column index: raw string}
        self.bad_funding: dict[int, str] = {}  # ts -> raw rate string
        self.bad_open_interest: dict[int, str] = {}  # ts -> raw sumOpenInterest string
        self._failures: list[_FailRule] = []
        self._lock = threading.Lock()
        self._routes = self._bitget_routes() if venue == "bitget" else self._binance_routes()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeVenue:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- test controls -------------------------------------------------------------------
    def fail(self, kind: Failure, times: int, path: str = "", after: int = 0) -> None:
        """Fail ``times`` requests whose path contains ``path``, after letting ``after`` pass."""
        with self._lock:
            self._failures.append(_FailRule(kind, path, after, times))

    def corrupt_candle(self, ts: int, **fields: str) -> None:
        """Serve raw strings for some of o/h/l/c/v of the candle at ``ts`` (e.g. h="NaN")."""
        self.bad_candles[ts] = {"ohlcv".index(k) + 1: v for k, v in fields.items()}

    def corrupt_funding(self, ts: int, rate: str) -> None:
        self.bad_funding[ts] = rate

    def corrupt_open_interest(self, ts: int, amount: str) -> None:
        self.bad_open_interest[ts] = amount

    def requests_to(self, fragment: str) -> list[Recorded]:
        return [r for r in self.requests if fragment in r.path]

    # --- dispatch --------------------------------------------------------------------------
    def reply(self, path: str, query: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(Recorded(path, query))
            rule = next((r for r in self._failures if r.path in path and r.times), None)
            failure = rule.take() if rule is not None else None
        if failure is not None:
            return self._failure(failure)
        route = self._routes.get(path)
        if route is None:
            return self._error(404, "not found")
        try:
            return route(query)
        except _VenueError as exc:
            return self._error(400, str(exc))

    def _failure(self, kind: Failure) -> Reply:
        if kind == "drop":
            return None
        if kind == "502":
            return 502, {"message": "Bad Gateway"}
        return self._error(429, "Too Many Requests")

    def _error(self, status: int, msg: str) -> Reply:
        if self.venue == "binance":
            code = {429: -1003, 404: -1121}.get(status, -1130)
            return status, {"code": code, "msg": msg}
        code = {429: "429", 404: "40404"}.get(status, "40017")  # 40017: parameter verification
        return status, {"code": code, "msg": msg, "requestTime": self.now_ms, "data": None}

    def _bitget_ok(self, data: Any) -> Reply:
        return 200, {"code": "00000", "msg": "success", "requestTime": self.now_ms, "data": data}

    # --- series ------------------------------------------------------------------------------
    def _candles(self, tf_ms: int, lo: int, hi: int) -> list[int]:
        """Open times of the candles that exist in [lo, hi] (the forming one included)."""
        first = max(lo, self.listed_ms)
        first = -(-first // tf_ms) * tf_ms
        last = min(hi, self.now_ms // tf_ms * tf_ms)
        return list(range(first, last + 1, tf_ms)) if first <= last else []

    def _candle_row(self, ts: int, tf_ms: int) -> list[str]:
        row = [str(ts)] + [f"{x:.4f}" for x in candle_values(ts, tf_ms)]
        for index, raw in self.bad_candles.get(ts, {}).items():
            row[index] = raw
        return row

    def _fundings(self, lo: int, hi: int) -> list[int]:
        first = -(-max(lo, self.listed_ms) // FUNDING_EVERY_MS) * FUNDING_EVERY_MS
        last = min(hi, self.now_ms)
        return list(range(first, last + 1, FUNDING_EVERY_MS)) if first <= last else []

    def _rate(self, ts: int) -> str:
        return self.bad_funding.get(ts, f"{funding_rate(ts):.6f}")

    # --- Bitget ------------------------------------------------------------------------------
    def _bitget_routes(self) -> dict[str, Callable[[dict[str, str]], Reply]]:
        def contracts(q: dict[str, str]) -> Reply:
            usdt = q.get("productType") == "USDT-FUTURES"
            return self._bitget_ok(self._infos(_BITGET_SWAP) if usdt else [])

        return {
            "/api/v2/spot/public/coins": lambda q: self._bitget_ok([]),
            "/api/v2/margin/currencies": lambda q: self._bitget_ok([]),
            "/api/v2/spot/public/symbols": lambda q: self._bitget_ok(self._infos(_BITGET_SPOT)),
            "/api/v2/mix/market/contracts": contracts,
            "/api/v2/spot/market/candles": partial(self._bitget_candles, spot=True, history=False),
            "/api/v2/mix/market/candles": partial(self._bitget_candles, spot=False, history=False),
            "/api/v2/spot/market/history-candles": partial(
                self._bitget_candles, spot=True, history=True
            ),
            "/api/v2/mix/market/history-candles": partial(
                self._bitget_candles, spot=False, history=True
            ),
            "/api/v2/mix/market/history-fund-rate": self._bitget_funding,
            "/api/v2/mix/market/query-position-lever": self._bitget_tiers,
        }

    def _infos(self, template: dict[str, Any]) -> list[dict[str, Any]]:
        spot = "pricePrecision" in template
        infos = []
        for b in self.bases:
            info = {**template, "symbol": f"{b}USDT", "baseCoin": b}
            places = BITGET_PLACES.get(b)
            if places is not None:
                info["pricePrecision" if spot else "pricePlace"] = places[0 if spot else 1]
            infos.append(info)
        return infos

    def _bitget_candles(self, q: dict[str, str], *, spot: bool, history: bool) -> Reply:
        tf_ms = _duration_ms(q["granularity"])
        limit = int(q.get("limit", 100))
        cap = BITGET_HISTORY_LIMIT if history else BITGET_RECENT_LIMIT
        if limit > cap:
            raise _VenueError(f"Parameter verification failed: limit {limit} > {cap}")
        start, end = int(q.get("startTime", 0)), int(q.get("endTime", self.now_ms))
        if end - start > BITGET_MAX_WINDOW_MS and "startTime" in q:
            raise _VenueError("Parameter verification failed: startTime-endTime over 90 days")
        too_old = start < self.now_ms - bitget_recent_days(tf_ms) * DAY_MS
        if not history and "startTime" in q and too_old:
            raise _VenueError(
                "Parameter verification failed: startTime too old, use history-candles"
            )
        # Bitget aligns a page on endTime: the newest `limit` candles of the window.
        stamps = self._candles(tf_ms, start, end)[-limit:]
        extra = ["0"] * (2 if spot else 1)  # quote volume column(s)
        return self._bitget_ok([self._candle_row(ts, tf_ms) + extra for ts in stamps])

    def _bitget_funding(self, q: dict[str, str]) -> Reply:
        size, page = int(q.get("pageSize", 20)), int(q.get("pageNo", 1))
        if size > BITGET_FUNDING_LIMIT:
            raise _VenueError(f"Parameter verification failed: pageSize {size} > 100")
        newest_first = self._fundings(0, self.now_ms)[::-1][(page - 1) * size : page * size]
        rows = [
            {"symbol": q["symbol"], "fundingRate": self._rate(ts), "fundingTime": str(ts)}
            for ts in newest_first
        ]
        return self._bitget_ok(rows)

    def _bitget_tiers(self, q: dict[str, str]) -> Reply:
        if q.get("productType") != "USDT-FUTURES" or not q.get("symbol"):
            raise _VenueError("Parameter verification failed: productType and symbol required")
        keys = ("tier", "minTierValue", "maxTierValue", "leverage", "mmr")
        return self._bitget_ok([dict(zip(keys, row, strict=True)) for row in BITGET_TIERS])

    # --- Binance -----------------------------------------------------------------------------
    def _binance_routes(self) -> dict[str, Callable[[dict[str, str]], Reply]]:
        def info(template: dict[str, Any] | None) -> Callable[[dict[str, str]], Reply]:
            bases = self.bases if template else ()
            perp = bool(template) and "contractType" in template  # type: ignore[operator]
            entries = [
                _binance_entry(template or {}, b, BINANCE_TICKS.get(b, ("", ""))[perp])
                for b in bases
            ]
            body = {"timezone": "UTC", "serverTime": self.now_ms, "symbols": entries}
            return lambda q: (200, body)

        return {
            "/api/v3/exchangeInfo": info(_BINANCE_SPOT),
            "/fapi/v1/exchangeInfo": info(_BINANCE_PERP),
            "/dapi/v1/exchangeInfo": info(None),
            "/api/v3/klines": self._binance_klines,
            "/fapi/v1/klines": self._binance_klines,
            "/fapi/v1/fundingRate": self._binance_funding,
            "/futures/data/openInterestHist": self._binance_open_interest,
        }

    def _binance_klines(self, q: dict[str, str]) -> Reply:
        tf_ms = _duration_ms(q["interval"])
        limit = _binance_limit(q, default=500)
        stamps = self._candles(
            tf_ms, int(q.get("startTime", 0)), int(q.get("endTime", self.now_ms))
        )
        stamps = stamps[:limit] if "startTime" in q else stamps[-limit:]
        rows = []
        for ts in stamps:
            row: list[Any] = self._candle_row(ts, tf_ms)
            row[0] = ts
            rows.append([*row, ts + tf_ms - 1, "0", 10, "0", "0", "0"])
        return 200, rows

    def _binance_funding(self, q: dict[str, str]) -> Reply:
        limit = _binance_limit(q, default=100)
        stamps = self._fundings(int(q.get("startTime", 0)), int(q.get("endTime", self.now_ms)))
        stamps = stamps[:limit] if "startTime" in q else stamps[-limit:]
        return 200, [
            {
                "symbol": q["symbol"],
                "fundingTime": ts,
                "fundingRate": self._rate(ts),
                "markPrice": "100.0",
            }
            for ts in stamps
        ]

    def _binance_open_interest(self, q: dict[str, str]) -> Reply:
        """Samples at every period boundary of the last 30 days (and since the listing).

        Which end of a window wider than ``limit`` Binance serves is not documented; the fake
        serves the newest ``limit``, the case where a fetcher sizing its windows wrong would
        silently skip samples.
        """
        period = q.get("period", "")
        if period not in BINANCE_OI_PERIODS:
            raise _VenueError("parameter 'period' is invalid.")
        limit = int(q.get("limit", 30))
        if not 1 <= limit <= BINANCE_OI_LIMIT:
            raise _VenueError("parameter 'limit' is invalid.")
        oldest = self.now_ms - BINANCE_OI_DAYS * DAY_MS
        if int(q.get("startTime", self.now_ms)) < oldest:
            raise _VenueError("parameter 'startTime' is invalid.")
        tf_ms = _duration_ms(period)
        lo = max(int(q.get("startTime", 0)), oldest, self.listed_ms)
        hi = min(int(q.get("endTime", self.now_ms)), self.now_ms)
        first = -(-lo // tf_ms) * tf_ms
        stamps = list(range(first, hi + 1, tf_ms))[-limit:]
        return 200, [
            {
                "symbol": q["symbol"],
                "sumOpenInterest": self.bad_open_interest.get(ts, f"{open_interest(ts):.8f}"),
                "sumOpenInterestValue": f"{open_interest(ts) * 100:.8f}",
                "timestamp": ts,
            }
            for ts in stamps
        ]


def _binance_entry(template: dict[str, Any], base: str, tick: str) -> dict[str, Any]:
    entry = {**template, "symbol": f"{base}USDT", "baseAsset": base}
    if tick:
        entry["filters"] = [
            {**f, "tickSize": tick} if f["filterType"] == "PRICE_FILTER" else f
            for f in template["filters"]
        ]
    return entry


class _VenueError(Exception):
    """A request the real venue would reject (answered with its error body, HTTP 400)."""


def _binance_limit(q: dict[str, str], default: int) -> int:
    limit = int(q.get("limit", default))
    if limit > BINANCE_LIMIT:
        raise _VenueError(
            f"Illegal characters found in parameter 'limit'; legal range is '1-{BINANCE_LIMIT}'."
        )
    return limit


_UNITS = {
    "min": MINUTE_MS,
    "m": MINUTE_MS,
    "h": HOUR_MS,
    "H": HOUR_MS,
    "D": DAY_MS,
    "d": DAY_MS,
    "W": 7 * DAY_MS,
    "w": 7 * DAY_MS,
}


def _duration_ms(text: str) -> int:
    match = re.fullmatch(r"(\d+)(min|m|h|H|D|d|W|w)(utc)?", text)
    if match is None:
        raise _VenueError(f"unknown granularity {text!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def bitget_recent_days(tf_ms: int) -> int:
    """How far back Bitget's recent ``candles`` endpoint reaches (as ccxt 4.5.90 assumes)."""
    return 30 if tf_ms < HOUR_MS else 60 * tf_ms // HOUR_MS


def _handler(fake: FakeVenue) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            reply = fake.reply(url.path, dict(parse_qsl(url.query)))
            if reply is None:  # a dropped connection: close without any response
                self.close_connection = True
                return
            status, body = reply
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:  # keep pytest output clean
            pass

    return Handler
