"""What the grid and mono parity tests share: run both engines on one case and compare them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from msgspec.structs import replace as replace_struct

from domain.backtest import BacktestResult, run_backtest
from domain.contracts import Contract, MarginTier
from domain.strategies.plans import MarketArrays
from domain.ticks import has_tick, round_prices
from domain.trades import Trade, fingerprint
from optimization.fast import api

REL = 1e-9


# tick sizes the random markets (prices around 100) are drawn with; 0.0: no rounding
TICKS = (0.0, 0.0, 0.01, 0.05, 0.5)


# Bitget's first BTC/USDT:USDT position tiers (the recorded ccxt fixture): 0.4 % up to 150 000
BITGET_TIERS = (MarginTier(150_000.0, 0.004, 125.0), MarginTier(900_000.0, 0.005, 100.0))
# contract rules the random markets (prices around 100, notionals of a few thousand) are drawn
# with besides their tick: none; a venue's step, minimums and tiers; a coarse step with a high
# rate that liquidates early; minimums above many orders (levels and entries refused); tiers
# whose second rate applies to the larger positions
RULES = (
    {},
    {},
    {"step": 0.001, "min_qty": 0.001, "min_notional": 5.0, "tiers": BITGET_TIERS},
    {"step": 0.5, "min_qty": 1.0, "tiers": (MarginTier(1e15, 0.05, 20.0),)},
    {"step": 0.01, "min_notional": 7_000.0, "tiers": BITGET_TIERS},
    {"tiers": (MarginTier(3_000.0, 0.01, 50.0), MarginTier(1e15, 0.1, 10.0))},
)


def with_rules(market: MarketArrays, rules: dict[str, Any]) -> MarketArrays:
    """``market`` under its contract's tick and the quantity and liquidation ``rules``."""
    return replace(market, contract=replace_struct(market.contract, **rules))


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
