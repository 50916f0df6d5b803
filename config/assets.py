"""assets.yaml: the tradable universe."""

from __future__ import annotations

from typing import Annotated

import msgspec

from config.fields import ConfigStruct, PerpSymbol, Symbol
from domain.strategies.params import Timeframe


class Asset(ConfigStruct):
    """One tradable asset.

    Parameters
    ----------
    symbol : str, required (ccxt spot-style ``BASE/QUOTE``, the research candles)
    perp_symbol : str, required (ccxt ``BASE/QUOTE:SETTLE``, traded and used for validation)
    timeframes : tuple[str, ...], default ("1h",) (streamed live)
    strategies : tuple[str, ...], default () (restrict the asset to these; empty = any)
    """

    symbol: Symbol
    perp_symbol: PerpSymbol
    timeframes: Annotated[tuple[Timeframe, ...], msgspec.Meta(min_length=1)] = ("1h",)
    strategies: tuple[str, ...] = ()


class AssetsFile(ConfigStruct):
    """assets.yaml: ``assets``, the universe (symbols unique)."""

    assets: tuple[Asset, ...] = ()
