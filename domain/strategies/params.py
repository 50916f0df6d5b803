"""The parameter vocabulary every strategy shares: bounded field types and the base structs.

Each strategy module declares its own parameters as a subclass of ``GridParams`` or
``MonoParams`` beside its plan builder, which reads them as attributes. The same structs are
the sections of ``strategies.yaml`` (``config.strategies``), so a field's type, bounds, default
and docstring are declared once, here and in the strategy modules.

Every struct is ``frozen`` and ``forbid_unknown_fields``: a misspelt key is an error, not an
ignored setting. Bounds are ``msgspec.Meta`` constraints, checked when a mapping becomes a struct
(``msgspec.convert``, which ``StrategySpec.parse`` and the config loader use). The fields are in
declaration order, the base's first: ``asdict`` gives that order to the parameters stored in
``RunnerConfigured`` events and written in the paper journal.

Units: ``*_percent`` fields are percentages (``25`` = 25 %), the envelope offsets are fractions
(``0.07`` = 7 %), funding thresholds are raw per-settlement funding rates (``0.0005`` =
0.05 %), periods and holds are counted in candles of the strategy's timeframe.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import msgspec

from domain.contracts import liquidation_distance

PosInt = Annotated[int, msgspec.Meta(ge=1)]
Period = Annotated[int, msgspec.Meta(ge=1, le=1000)]
Levels = Annotated[int, msgspec.Meta(ge=1, le=20)]
Leverage = Annotated[int, msgspec.Meta(ge=1, le=125)]
Percent = Annotated[float, msgspec.Meta(gt=0, le=100)]
# a stop 100 % away sits at price 0 for a long: it can never trigger, so 100 is refused
StopPercent = Annotated[float, msgspec.Meta(gt=0, lt=100)]
NonNegPercent = Annotated[float, msgspec.Meta(ge=0, le=100)]
PosFloat = Annotated[float, msgspec.Meta(gt=0)]
Fraction = Annotated[float, msgspec.Meta(gt=0, lt=1)]
FundingRate = Annotated[float, msgspec.Meta(gt=0, le=0.05)]
Timeframe = Annotated[str, msgspec.Meta(pattern=r"^[1-9][0-9]*[mhdw]$")]
Side = Literal["long", "short"]
Sides = Annotated[tuple[Side, ...], msgspec.Meta(min_length=1, max_length=2)]
LongOnly = Annotated[tuple[Literal["long"], ...], msgspec.Meta(min_length=1, max_length=1)]


# not kw_only: msgspec applies it to the declaring class's own fields only and puts them after
# the subclass's, which would reorder every strategy's fields
# fields that say where a strategy runs, not how it trades: events, reports and comparisons of
# a runner's parameters leave them out
PLUMBING: frozenset[str] = frozenset({"enabled", "live", "per_asset"})


class StrategyParams(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Fields every strategy has.

    Parameters
    ----------
    enabled : bool, default False
        Run it in paper/live. Research (backtest, walk-forward) ignores this flag.
    live : bool, default False
        Also trade it with real orders (``scalp-radar live``), on the assets whose applied
        parameters are graded A or B. Research and paper ignore this flag.
    timeframe : str
        Candle timeframe the strategy trades (``5m``, ``15m``, ``1h`` ...).
    leverage : int
        Exchange leverage, 1..125 (and at most ``risk.max_leverage``).
    sides : tuple of "long"/"short"
        Directions it may open.
    per_asset : dict[str, dict[str, Any]], default {}
        Asset symbol -> partial parameter dict overriding the fields above for that asset
        (written by ``optimize --apply``). When non-empty, only these assets are traded.
    """

    kind: ClassVar[str] = "abstract"

    enabled: bool = False
    timeframe: Timeframe = "1h"
    # 3, not the seed's 6: at 6x a position is liquidated 16.7 % from its entry (less the
    # maintenance margin), before the grids' 20-25 % stops could act (``config check`` refuses
    # such a stop; issue 14)
    leverage: Leverage = 3
    sides: Sides = ("long",)
    per_asset: dict[str, dict[str, Any]] = {}
    # after the five fields stored records were written with (their order is the records')
    live: bool = False


class GridParams(StrategyParams):
    """Marker base of grid/DCA strategies (several resting levels, one cycle per asset)."""

    kind: ClassVar[str] = "grid"


class MonoParams(StrategyParams):
    """Marker base of mono-position strategies (one position per asset at a time)."""

    kind: ClassVar[str] = "mono"
    leverage: Leverage = 10
    sides: Sides = ("long", "short")


def stop_beyond_liquidation(params: StrategyParams, mmr: float) -> bool:
    """Whether the strategy's percent stop (``sl_percent`` from the entry) lies at or beyond
    the liquidation price of a position at its leverage under the maintenance rate ``mmr``: the
    venue would liquidate it first, so the stop is a fiction (``domain.contracts``). Strategies
    whose stop is not a percent (ATR multiples) are never refused here."""
    sl_percent = getattr(params, "sl_percent", None)
    if sl_percent is None:
        return False
    return sl_percent / 100.0 >= liquidation_distance(params.leverage, mmr)
