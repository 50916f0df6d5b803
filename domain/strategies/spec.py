"""How a strategy is declared: a name, a kind, a plan builder and its warm-up."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from domain.strategies.plans import GridPlan, MarketArrays, MonoPlan, on_ticks

Params = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class StrategySpec:
    """One strategy. ``builder`` (the module's ``build``) must be causal: row i of its plan may
    only use candles <= i (resting orders: <= i-1). ``warmup`` is the number of candles before
    the plan's first usable row. ``needs`` names extra inputs: ``"funding"``,
    ``"open_interest"``. Engines and views call ``build``, never ``builder``: it puts the
    plan's resting prices on the market's tick grid."""

    name: str
    kind: str  # "grid" | "mono"
    builder: Callable[[MarketArrays, Params], GridPlan | MonoPlan]
    warmup: Callable[[Params], int]
    needs: tuple[str, ...] = ()

    def build(self, market: MarketArrays, params: Params) -> GridPlan | MonoPlan:
        """The plan over ``market``, its levels and take-profit rounded to ``market.tick``."""
        return on_ticks(self.builder(market, params), market.tick)


def sides(params: Params) -> tuple[int, ...]:
    """Config ``sides`` (``["long", "short"]``) as directions (+1, -1)."""
    return tuple(1 if s == "long" else -1 for s in params.get("sides", ("long",)))


def percent_plan(
    long: np.ndarray, short: np.ndarray, params: Params, exit_signal: np.ndarray | None = None
) -> MonoPlan:
    """A mono plan from long/short signal masks with the config's fixed take-profit and stop
    percents (``tp_percent``, ``sl_percent``) and, when the strategy has one, its time exit
    (``max_hold_candles``)."""
    n = len(long)
    return MonoPlan(
        signal=long.astype(np.int64) - short.astype(np.int64),
        tp_offset=np.full(n, params["tp_percent"] / 100.0),
        sl_offset=np.full(n, params["sl_percent"] / 100.0),
        leverage=float(params["leverage"]),
        exit_signal=exit_signal,
        max_hold=int(params.get("max_hold_candles", 0)),
    )
