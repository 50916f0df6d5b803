"""Market identities: which exchange, which instrument, which candle timeframe.

A market names one stream of candles (exchange, symbol, timeframe); funding and open interest
are series of a perpetual; an instrument (exchange, symbol) has a log of its contract specs.
Symbols follow ccxt: ``BTC/USDT`` is spot, ``BTC/USDT:USDT`` is the USDT-margined perpetual.
Times are UTC epoch milliseconds everywhere in the domain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

_TIMEFRAME = re.compile(r"^(\d+)([mhdw])$")
_UNIT_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_SYMBOL = re.compile(r"^[A-Z0-9]+/[A-Z0-9]+(:[A-Z0-9]+)?$")

HOUR_MS = 3_600_000


class MarketError(ValueError):
    """A market, symbol or timeframe that cannot be understood."""


def timeframe_ms(timeframe: str) -> int:
    """Length of one candle in milliseconds (``"1h"`` -> 3_600_000)."""
    match = _TIMEFRAME.match(timeframe)
    if match is None or int(match.group(1)) == 0:
        raise MarketError(f"unknown timeframe {timeframe!r} (expected e.g. 1m, 5m, 1h, 4h, 1d)")
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


def iso_utc(ms: int) -> str:
    """``1672531200000`` -> ``2023-01-01T00:00Z``: a time as text that reads as UTC and that
    every ``--from``/``--to`` takes back (``adapters.text.timefmt.parse_date``); the times of
    reports and exports for machines and spreadsheets."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%MZ")


def check_symbol(symbol: str) -> str:
    """Return the symbol if it is a ccxt-style symbol (``BASE/QUOTE[:SETTLE]``), else raise."""
    if not _SYMBOL.match(symbol):
        raise MarketError(f"bad symbol {symbol!r} (expected BASE/QUOTE or BASE/QUOTE:SETTLE)")
    return symbol


def is_perpetual(symbol: str) -> bool:
    """ccxt writes swaps with a settlement currency after a colon."""
    return ":" in symbol


def perpetual_of(symbol: str) -> str:
    """The quote-margined perpetual of the same asset: ``BTC/USDT`` -> ``BTC/USDT:USDT``."""
    return symbol if is_perpetual(symbol) else f"{symbol}:{symbol.split('/')[1]}"


def _needs_perpetual(what: str, symbol: str) -> MarketError:
    return MarketError(
        f"{what} needs a perpetual symbol, got {symbol!r} (the perpetual is {perpetual_of(symbol)})"
    )


@dataclass(frozen=True, slots=True)
class Market:
    """One candle stream: exchange x symbol x timeframe."""

    exchange: str
    symbol: str
    timeframe: str

    def __post_init__(self) -> None:
        check_symbol(self.symbol)
        timeframe_ms(self.timeframe)
        if not self.exchange.isidentifier():
            raise MarketError(f"bad exchange name {self.exchange!r}")

    @property
    def key(self) -> str:
        return f"{self.exchange}/{self.symbol}/{self.timeframe}"

    @property
    def tf_ms(self) -> int:
        return timeframe_ms(self.timeframe)

    @property
    def stream_id(self) -> UUID:
        """Deterministic id of the candle stream, so boot finds it without an index."""
        return uuid5(NAMESPACE_URL, f"/candles/{self.key}")

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True, slots=True)
class FundingSeries:
    """Funding settlements of one perpetual on one exchange."""

    exchange: str
    symbol: str

    def __post_init__(self) -> None:
        check_symbol(self.symbol)
        if not is_perpetual(self.symbol):
            raise _needs_perpetual("funding", self.symbol)

    @property
    def key(self) -> str:
        return f"{self.exchange}/{self.symbol}/funding"

    @property
    def stream_id(self) -> UUID:
        return uuid5(NAMESPACE_URL, f"/funding/{self.exchange}/{self.symbol}")

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True, slots=True)
class OpenInterestSeries:
    """Open interest of one perpetual on one exchange, sampled every ``timeframe``."""

    exchange: str
    symbol: str
    timeframe: str

    def __post_init__(self) -> None:
        check_symbol(self.symbol)
        timeframe_ms(self.timeframe)
        if not is_perpetual(self.symbol):
            raise _needs_perpetual("open interest", self.symbol)

    @property
    def key(self) -> str:
        return f"{self.exchange}/{self.symbol}/open_interest/{self.timeframe}"

    @property
    def tf_ms(self) -> int:
        return timeframe_ms(self.timeframe)

    @property
    def stream_id(self) -> UUID:
        return uuid5(NAMESPACE_URL, f"/open_interest/{self.key}")

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True, slots=True)
class Instrument:
    """One tradable instrument on one exchange: the owner of a log of contract specs."""

    exchange: str
    symbol: str

    def __post_init__(self) -> None:
        check_symbol(self.symbol)
        if not self.exchange.isidentifier():
            raise MarketError(f"bad exchange name {self.exchange!r}")

    @property
    def key(self) -> str:
        return f"{self.exchange}/{self.symbol}/specs"

    @property
    def stream_id(self) -> UUID:
        return uuid5(NAMESPACE_URL, f"/contract-specs/{self.exchange}/{self.symbol}")

    def __str__(self) -> str:
        return f"{self.exchange} {self.symbol}"
