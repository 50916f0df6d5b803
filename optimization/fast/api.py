"""Entry points of the fast engine, shared by the walk-forward and the parity tests.

``batch_metrics`` simulates many parameter combinations of one strategy on one market over
several windows at once; ``trades`` simulates one combination and returns its closed trades (for
Monte Carlo and for the parity test: ``fingerprint(trades(...))`` must equal the event-driven
backtest's fingerprint on the same candles and parameters).

A window ``[start, end)`` is simulated exactly like ``domain.backtest.run_backtest`` on candles
``0..end-1`` with ``start``: indicators see all earlier candles (they are causal), trading starts
flat at ``start`` and everything open is closed at the close of ``end - 1``; the ruin guard and
every rule of ``domain.grid_runner`` / ``domain.mono_runner`` apply unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from domain.backtest import Account
from domain.execution import Costs
from domain.strategies import strategy as strategy_spec
from domain.strategies.params import StrategyParams
from domain.strategies.plans import MarketArrays
from domain.trades import Trade
from optimization.fast import grid, mono
from optimization.fast.prepared import Preparations
from optimization.fast.results import DEFAULT_ACCOUNT, WindowMetrics

__all__ = ["DEFAULT_ACCOUNT", "Preparations", "WindowMetrics", "batch_metrics", "trades"]


def batch_metrics(
    strategy: str,
    market: MarketArrays,
    combos: Sequence[StrategyParams],
    windows: np.ndarray,
    costs: Costs,
    account: Account = DEFAULT_ACCOUNT,
    preparations: Preparations | None = None,
) -> WindowMetrics:
    """Metrics of every combination (the strategy's parameter structs) on every ``[start, end)``
    window; ``preparations`` reuses the kernel inputs of earlier calls on the same market and
    combinations (``optimization.fast.prepared``)."""
    kind = strategy_spec(strategy).kind
    half = grid if kind == "grid" else mono
    return half.batch_metrics(strategy, market, combos, windows, costs, account, preparations)


def trades(
    strategy: str,
    market: MarketArrays,
    params: StrategyParams,
    costs: Costs,
    account: Account = DEFAULT_ACCOUNT,
    start: int = 0,
    end: int | None = None,
) -> list[Trade]:
    """Closed trades of one combination on ``[start, end)`` (symbol ``"X"`` in the records)."""
    end = len(market) if end is None else end
    kind = strategy_spec(strategy).kind
    if kind == "grid":
        return grid.trades(strategy, market, params, costs, account, start, end)
    return mono.trades(strategy, market, params, costs, account, start, end)
