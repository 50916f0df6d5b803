"""How a strategy is declared: a name, its parameter struct, a plan builder and its warm-up."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import msgspec
import numpy as np

from domain.strategies.params import StrategyParams
from domain.strategies.plans import GridPlan, MarketArrays, MonoPlan, on_ticks

P = TypeVar("P", bound=StrategyParams)


@dataclass(frozen=True, slots=True)
class StrategySpec(Generic[P]):
    """One strategy. ``builder`` (the module's ``build``) must be causal: row i of its plan may
    only use candles <= i (resting orders: <= i-1). ``warmup`` is the number of candles before
    the plan's first usable row. Both take the strategy's ``params_type``; a mapping of
    parameters (a config section merged with overrides, a stored event's, a grid combination)
    becomes one through ``parse``. ``needs`` names extra inputs: ``"funding"``,
    ``"open_interest"``. Engines and views call ``build``, never ``builder``: it puts the
    plan's resting prices on the market's tick grid."""

    name: str
    params_type: type[P]
    builder: Callable[[MarketArrays, P], GridPlan | MonoPlan]
    warmup: Callable[[P], int]
    needs: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """``"grid"`` or ``"mono"``: what the parameters' base (``GridParams``,
        ``MonoParams``) says the strategy is."""
        return self.params_type.kind

    def parse(self, params: Mapping[str, Any]) -> P:
        """``params`` as the strategy's struct, validated and typed as a config section is
        (lists become tuples, ints of float fields floats); a field it leaves out takes its
        default. Raises ``msgspec.ValidationError`` for an unknown key or a bad value."""
        return msgspec.convert(params, self.params_type)

    def build(self, market: MarketArrays, params: P) -> GridPlan | MonoPlan:
        """The plan over ``market``, its levels and take-profit rounded to the contract's tick."""
        return on_ticks(self.builder(market, params), market.contract.tick)


class PercentExits(Protocol):
    """Parameters of a strategy whose exits sit at fixed percentages of the entry price."""

    @property
    def leverage(self) -> int: ...

    @property
    def tp_percent(self) -> float: ...

    @property
    def sl_percent(self) -> float: ...


def sides(params: StrategyParams) -> tuple[int, ...]:
    """Config ``sides`` (``("long", "short")``) as directions (+1, -1)."""
    return tuple(1 if s == "long" else -1 for s in params.sides)


def percent_plan(
    long: np.ndarray,
    short: np.ndarray,
    params: PercentExits,
    exit_signal: np.ndarray | None = None,
    max_hold: int = 0,
) -> MonoPlan:
    """A mono plan from long/short signal masks with the parameters' fixed take-profit and
    stop percents (``tp_percent``, ``sl_percent``) and, for a strategy with a time exit, its
    ``max_hold`` (candles; 0: none)."""
    n = len(long)
    return MonoPlan(
        signal=long.astype(np.int64) - short.astype(np.int64),
        tp_offset=np.full(n, params.tp_percent / 100.0),
        sl_offset=np.full(n, params.sl_percent / 100.0),
        leverage=float(params.leverage),
        exit_signal=exit_signal,
        max_hold=int(max_hold),
    )
