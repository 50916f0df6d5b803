"""How a strategy is declared: a name, a kind, a plan builder and its warm-up."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from domain.strategies.plans import GridPlan, MarketArrays, MonoPlan

Params = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class StrategySpec:
    """One strategy. ``build`` must be causal: row i of its plan may only use candles <= i
    (resting orders: <= i-1). ``warmup`` is the number of candles before the plan's first
    usable row. ``needs`` names extra inputs: ``"funding"``, ``"open_interest"``."""

    name: str
    kind: str  # "grid" | "mono"
    build: Callable[[MarketArrays, Params], GridPlan | MonoPlan]
    warmup: Callable[[Params], int]
    needs: tuple[str, ...] = ()


def sides(params: Params) -> tuple[int, ...]:
    """Config ``sides`` (``["long", "short"]``) as directions (+1, -1)."""
    return tuple(1 if s == "long" else -1 for s in params.get("sides", ("long",)))
