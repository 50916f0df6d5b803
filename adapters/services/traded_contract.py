"""Which contract a backtest obeys: the trading venue's perpetual of the asset.

Research candles may come from any exchange (Binance spot by default), but orders go to the
trading venue (exchanges.yaml ``trading_exchange``, Bitget) on the asset's perpetual (assets.yaml
``perp_symbol``; a perpetual is its own, a symbol outside assets.yaml trades as
``domain.market.perpetual_of`` says). So that venue's stored contract spec is what every engine
obeys, whatever the candles: the tick, the quantity step, the minimum order and the margin tiers
that set the liquidation price. A market without a stored spec is refused, naming it and the two
ways to get one, unless the user runs without specs (``--no-specs``): then the engines obey
``Contract()`` (prices unrounded, any quantity, no liquidation) and the reports say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from config.settings import Settings
from domain.contracts import Contract
from domain.market import perpetual_of
from projections.market_data import MarketDataReader

NO_SPECS = "none (--no-specs: prices unrounded, no minimums, no liquidation)"


class MissingSpecError(ValueError):
    """No contract spec stored for the market a backtest would trade (one line, CLI exit 2)."""


@dataclass(frozen=True, slots=True)
class TradedContract:
    """The contract the engines obey for one market: whose it is and where it came from."""

    venue: str
    symbol: str  # the venue's perpetual
    contract: Contract
    source: str | None  # the stored spec's source (a file name, ccxt); None: --no-specs

    def describe(self) -> str:
        """One line for the reports: the market, its source and its rules."""
        if self.source is None:
            return NO_SPECS
        c = self.contract
        quote = self.symbol.split("/")[1].split(":")[0]
        rules = [
            f"tick {_figure(c.tick)}",
            f"step {_figure(c.step)}",
            f"min {_figure(c.min_qty)} / {_figure(c.min_notional)} {quote}",
            f"max {c.max_leverage:g}x" if c.max_leverage else "max leverage not known",
        ]
        if c.tiers:
            first = c.tiers[0]
            rules.append(
                f"{len(c.tiers)} margin tiers (tier 1: mmr {first.mmr * 100:g} % up to "
                f"{first.max_notional:,.0f} {quote})"
            )
        else:
            rules.append("no margin tiers: no liquidation")
        return f"{self.venue} {self.symbol} ({self.source}): " + ", ".join(rules)


@dataclass(frozen=True, slots=True)
class VenueContracts:
    """Where the engines' contracts come from: the trading venue's stored specs, each symbol
    traded as its asset's perpetual; with ``no_specs``, none (``Contract()``)."""

    venue: str
    perpetuals: Mapping[str, str]  # assets.yaml: symbol -> perp_symbol
    no_specs: bool = False

    @classmethod
    def of(cls, settings: Settings, no_specs: bool = False) -> VenueContracts:
        perpetuals = {a.symbol: a.perp_symbol for a in settings.assets.assets}
        return cls(settings.exchanges.trading_exchange, perpetuals, no_specs)

    def perpetual(self, symbol: str) -> str:
        """The venue's perpetual ``symbol`` trades as."""
        return self.perpetuals.get(symbol) or perpetual_of(symbol)

    def traded(self, reader: MarketDataReader, symbol: str) -> TradedContract:
        """The contract a backtest of ``symbol`` obeys; ``MissingSpecError`` when the venue's
        spec of its perpetual is not stored (and specs are not waived)."""
        perp = self.perpetual(symbol)
        if self.no_specs:
            return TradedContract(self.venue, perp, Contract(), None)
        spec = reader.spec(self.venue, perp)
        if spec is None:
            raise MissingSpecError(self._missing(symbol, perp))
        return TradedContract(self.venue, perp, spec.contract(), spec.source)

    def _missing(self, symbol: str, perp: str) -> str:
        what = "" if perp == symbol else f", which {symbol} trades as on the trading venue"
        return (
            f"no contract spec of {self.venue} {perp}{what}: import one with 'scalp-radar data "
            f"import sample_data/{self.venue}-specs.csv' or fetch it with 'scalp-radar data "
            f"fetch --exchange {self.venue} --specs' (or pass --no-specs to run without)"
        )


def _figure(value: float) -> str:
    return f"{value:g}" if value else "none"
