"""Kernel inputs built once per (strategy, market, combinations, costs, account) and reused.

A walk-forward simulates the same combinations on the same market window after window; the
kernel inputs (indicator rows, combination tables, the grid's flat-skip table, the mono plans)
depend on none of the windows, so building them for every window call was most of a run's time.
``Preparations`` keeps them for the length of one run: the caller creates one, hands it to every
``batch_metrics`` call and drops it at the end (a 3,240-combination grid_atr entry is ~10 MB).

The key is what the inputs depend on: the strategy, the market, the combinations (their JSON:
the parameter structs hold a dict, so they are not hashable), the costs and the account. The
market enters by identity: its arrays are read-only by convention, and the entry keeps the
market alive, so its ``id`` cannot be reused while the entry exists.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import msgspec

from domain.backtest import Account
from domain.execution import Costs
from domain.strategies.params import StrategyParams
from domain.strategies.plans import MarketArrays

T = TypeVar("T")


class Preparations:
    """A run's kernel inputs by what they depend on; ``built`` counts the preparations made."""

    def __init__(self) -> None:
        self._entries: dict[tuple[Any, ...], tuple[MarketArrays, Any]] = {}
        self.built = 0

    def get(
        self,
        strategy: str,
        market: MarketArrays,
        combos: Sequence[StrategyParams],
        costs: Costs,
        account: Account,
        build: Callable[[], T],
    ) -> T:
        """The inputs for this key, from ``build()`` the first time it is asked for."""
        key = (strategy, id(market), _digest(combos), costs, account)
        entry = self._entries.get(key)
        if entry is None:
            entry = (market, build())
            self._entries[key] = entry
            self.built += 1
        return entry[1]


def _digest(combos: Sequence[StrategyParams]) -> bytes:
    return hashlib.blake2b(msgspec.json.encode(list(combos)), digest_size=16).digest()
