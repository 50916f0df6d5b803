"""Prices as the market quotes them: each symbol's price tick from the contract specs in the
read model, and the template filter that writes a price with the tick's decimals
(``projections.words.price``).

A symbol's tick is the one the engines obeyed for it: the trading venue's perpetual of the
asset (``adapters.services.traded_contract``), so a paper price rounded to 0.1 shows one
decimal; a symbol the venue does not list falls back to its own finest stored tick. Every
page's context holds its ``Ticks``: one small query of ``contract_specs`` (a row per
instrument), cheap next to the page's own queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils
from jinja2 import pass_context
from jinja2.runtime import Context

from adapters.services.traded_contract import VenueContracts
from config.settings import Settings
from projections import words
from projections.market_data import MarketDataReader


@dataclass(frozen=True, slots=True)
class Ticks:
    venue: dict[str, float]  # the trading venue's specs: symbol -> tick
    finest: dict[str, float]  # every exchange's specs: symbol -> its finest tick
    contracts: VenueContracts

    def of(self, symbol: str) -> float | None:
        return self.venue.get(self.contracts.perpetual(symbol)) or self.finest.get(symbol)


def ticks(db: sqlite_utils.Database, settings: Settings) -> Ticks:
    contracts = VenueContracts.of(settings)
    venue: dict[str, float] = {}
    finest: dict[str, float] = {}
    for spec in MarketDataReader(db).specs():
        if spec.price_tick <= 0:
            continue
        if spec.exchange == contracts.venue:
            venue[spec.symbol] = spec.price_tick
        finest[spec.symbol] = min(spec.price_tick, finest.get(spec.symbol, spec.price_tick))
    return Ticks(venue, finest, contracts)


@pass_context
def price(context: Context, value: Any, symbol: str | None = None) -> str:
    """``{{ p.avg_entry | price(p.symbol) }}``: the tick of ``symbol`` from the page's ticks."""
    known: Ticks | None = context.get("ticks")
    return words.price(value, known.of(symbol) if known and symbol else None)


@pass_context
def price_change(context: Context, value: Any, symbol: str | None = None) -> str:
    """``{{ diff | price_change(symbol) }}``: a signed price difference in ``symbol``'s tick."""
    known: Ticks | None = context.get("ticks")
    return words.price_change(value, known.of(symbol) if known and symbol else None)
