"""Contract specs from a venue's market list: ccxt ``load_markets``, one spec per symbol, with
each perpetual's maintenance-margin tiers where the venue serves them publicly.

ccxt describes a market's price and amount precision as tick sizes for both supported venues
(``precisionMode == TICK_SIZE``: ``market["precision"]["price"]`` is 0.01, not "2 decimals");
a venue in decimal-places mode is converted. The other figures are ccxt's unified limits:
``limits.amount.min``, ``limits.cost.min`` (minimum notional), ``limits.leverage.max``.

The tiers come from ``fetch_market_leverage_tiers(symbol)``, one call per perpetual (Bitget:
``/api/v2/mix/market/query-position-lever``), each row's ``maxNotional``,
``maintenanceMarginRate`` and ``maxLeverage``; spot markets have none, and a venue whose tier
endpoint needs API keys (``VenueCaps.public_tiers``) records its perpetuals without them. The
calls are retried like the market list.

The whole answer is checked before anything is stored: an asked-for symbol the venue does not
list, or one with an unusable figure or tier, stores nothing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Protocol

import ccxt
from ccxt.base.decimal_to_precision import DECIMAL_PLACES, TICK_SIZE

from adapters.exchanges.fetch import FetchError, FetchReport, RetryPolicy, Sleep, _Caller
from adapters.exchanges.venues import VENUES
from adapters.text.progress import Progress
from domain.candles import ContractSpec
from domain.contracts import MarginTier
from domain.market import MarketError, check_symbol

SOURCE = "ccxt load_markets"
# a venue with public tiers: its perpetuals' specs come from two calls
TIERS_SOURCE = "ccxt load_markets + fetch_market_leverage_tiers"


class SpecSink(Protocol):
    def record_specs(self, specs: Sequence[ContractSpec], source: str, recorded_at: int) -> int: ...


class UnknownSymbolError(FetchError):
    """An asked-for symbol the venue does not list (a usage error, not a venue failure)."""


@dataclass
class SpecsReport:
    exchange: str
    read: int = 0  # specs taken from the market list
    added: int = 0  # of them new or changed, hence recorded
    retries: int = 0
    notes: list[str] = field(default_factory=list)


def fetch_specs(
    exchange: ccxt.Exchange,
    name: str,
    sink: SpecSink,
    symbols: Sequence[str] | None = None,
    *,
    now_ms: int | None = None,
    retry: RetryPolicy | None = None,
    sleep: Sleep = time.sleep,
    progress: Progress | None = None,
) -> SpecsReport:
    """Record the specs of ``symbols`` (every spot and perpetual market the venue lists when
    None) as ``name``'s; returns what was read and recorded. ``progress`` counts the
    perpetuals whose tiers were fetched."""
    report = SpecsReport(name)
    calls = FetchReport(f"{name} contract specs")
    call = _Caller(f"{name} contract specs", retry or RetryPolicy(), sleep, calls)
    markets: dict[str, Any] = call(exchange.load_markets, "load_markets")
    mode = exchange.precisionMode
    if symbols:
        missing = [s for s in symbols if s not in markets]
        if missing:
            raise UnknownSymbolError(
                f"{name} lists no market {', '.join(missing)} (ccxt symbols: BTC/USDT for spot, "
                "BTC/USDT:USDT for the perpetual)"
            )
        chosen = [markets[s] for s in symbols]
    else:
        chosen = [m for s, m in sorted(markets.items()) if _tradable(s, m)]
    caps = VENUES.get(name)
    with_tiers = caps is not None and caps.public_tiers
    perpetuals = {m["symbol"] for m in chosen if m.get("swap")} if with_tiers else set()
    if progress is not None and progress.total is None:
        progress.total = len(perpetuals)
    specs: list[ContractSpec] = []
    for market in chosen:
        spec = _spec(name, market, mode)
        problem = spec.problem()
        if problem is None and market["symbol"] in perpetuals:
            symbol = market["symbol"]
            rows = call(partial(exchange.fetch_market_leverage_tiers, symbol), f"{symbol} tiers")
            spec = replace(spec, tiers=_tiers(rows))
            problem = spec.problem()
            if progress is not None:
                progress.advance(1, symbol)
        if problem is None:
            specs.append(spec)
            continue
        where = "tier list" if problem[0] == "tiers" else "market list"
        message = f"{name} {market['symbol']}: {problem[0]} {problem[1]} in the {where}"
        if symbols:
            raise FetchError(f"{message}; nothing stored")
        report.notes.append(f"skipped {message}")
    report.retries = calls.retries
    report.read = len(specs)
    source = TIERS_SOURCE if with_tiers else SOURCE
    report.added = sink.record_specs(specs, source, _now(now_ms)) if specs else 0
    return report


def _tradable(symbol: str, market: dict[str, Any]) -> bool:
    """Spot markets and perpetual swaps with a ccxt-style symbol (no dated futures, options)."""
    if not (market.get("spot") or market.get("swap")):
        return False
    try:
        check_symbol(symbol)
    except MarketError:
        return False
    return True


def _spec(name: str, market: dict[str, Any], mode: int) -> ContractSpec:
    precision = market.get("precision") or {}
    limits = market.get("limits") or {}
    return ContractSpec(
        exchange=name,
        symbol=market["symbol"],
        price_tick=_step(precision.get("price"), mode),  # type: ignore[arg-type]
        amount_step=_step(precision.get("amount"), mode),
        min_amount=_number((limits.get("amount") or {}).get("min")),
        min_notional=_number((limits.get("cost") or {}).get("min")),
        max_leverage=_number((limits.get("leverage") or {}).get("max")),
    )


def _tiers(rows: list[dict[str, Any]]) -> tuple[MarginTier, ...]:
    """ccxt's leverage-tier structures as tiers, in the venue's order (an absent or unreadable
    figure becomes NaN, which ``ContractSpec.problem`` refuses naming the tier)."""
    keys = ("maxNotional", "maintenanceMarginRate", "maxLeverage")
    return tuple(MarginTier(*(_figure(row.get(key)) for key in keys)) for row in rows)


def _figure(value: Any) -> float:
    number = _number(value)
    return math.nan if number is None else number


def _step(value: Any, mode: int) -> float | None:
    """A precision as a step size: as is in TICK_SIZE mode, ``10 ** -places`` otherwise."""
    number = _number(value)
    if number is None or mode == TICK_SIZE:
        return number
    if mode == DECIMAL_PLACES:
        return float(f"1e-{int(number)}") if number >= 0 else 10.0**-number
    return None  # significant digits say nothing about a step


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")  # refused by ContractSpec.problem, naming the field


def _now(now_ms: int | None) -> int:
    return int(time.time() * 1000) if now_ms is None else now_ms
