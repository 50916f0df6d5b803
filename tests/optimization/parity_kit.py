"""What the grid and mono parity tests share: run both engines on one case and compare them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from domain.backtest import BacktestResult, run_backtest
from domain.contracts import Contract
from domain.strategies.plans import MarketArrays
from domain.ticks import has_tick, round_prices
from domain.trades import Trade, fingerprint
from optimization.fast import api

REL = 1e-9


# tick sizes the random markets (prices around 100) are drawn with; 0.0: no rounding
TICKS = (0.0, 0.0, 0.01, 0.05, 0.5)


def on_tick_grid(market: MarketArrays, tick: float, candles: bool = True) -> MarketArrays:
    """``market`` trading on ``tick``; with ``candles`` its prices are moved onto that grid too
    (as a venue's are: then levels, stops and take-profits often equal a high or low exactly),
    never below one tick."""
    if not has_tick(tick):
        return market
    if not candles:
        return replace(market, contract=Contract(tick=tick))

    def grid(values: np.ndarray) -> np.ndarray:
        return np.maximum(round_prices(values, tick), tick)

    return replace(
        market,
        open=grid(market.open),
        high=grid(market.high),
        low=grid(market.low),
        close=grid(market.close),
        contract=Contract(tick=tick),
    )


def assert_same_metrics(fast: api.WindowMetrics, k: int, w: int, slow: BacktestResult) -> None:
    m = slow.metrics
    assert fast.sharpe[k, w] == pytest.approx(m.sharpe, rel=REL, nan_ok=True)
    assert fast.return_pct[k, w] == pytest.approx(m.return_pct, rel=REL)
    assert fast.max_drawdown_pct[k, w] == pytest.approx(m.max_drawdown_pct, rel=REL, nan_ok=True)
    assert fast.trades[k, w] == m.trades
    assert fast.wins[k, w] == sum(1 for t in slow.trades if t.pnl > 0)


def compared(
    name: str, case: dict[str, Any]
) -> Iterator[tuple[int, int, api.WindowMetrics, list[Trade], BacktestResult]]:
    """Every (combo, window) of ``case`` after checking that the fast engine made the event-driven
    engine's trades (same fingerprint) and metrics; yields them for the caller's tallies."""
    market, costs, account = case["market"], case["costs"], case["account"]
    n, (start, end) = len(market), case["window"]
    windows = np.array([[0, n], [start, end]])
    fast = api.batch_metrics(name, market, case["combos"], windows, costs, account)
    for k, params in enumerate(case["combos"]):
        for w, (s, e) in enumerate(windows.tolist()):
            slow = run_backtest(market.head(e), name, "X", params, costs, account, start=s)
            made = api.trades(name, market, params, costs, account, s, e)
            assert fingerprint(made) == slow.fingerprint
            assert made == slow.trades
            assert_same_metrics(fast, k, w, slow)
            yield k, w, fast, made, slow
