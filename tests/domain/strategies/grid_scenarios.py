"""Hand-made candle scenarios for the grid strategy tests.

A scenario is a list of ``(open, high, low, close)`` 1h candles starting at 1970-01-01 00:00 UTC
(so on a 4h boundary). With the default account (capital 10 000, at most 25 % of it as margin per
asset: 2 500) a grid of ``L`` levels commits ``2 500 / L`` of margin per level, i.e. a notional of
``2 500 / L x leverage`` per level (``notional(params)``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from domain.backtest import BacktestResult, run_backtest
from domain.execution import Costs
from domain.strategies import strategy
from domain.strategies.params import GridParams
from domain.strategies.plans import GridPlan, MarketArrays

H = 3_600_000
NAN = math.nan
FREE = Costs(0.0, 0.0, 0.0)
MARGIN_PER_ASSET = 2_500.0

Candle = tuple[float, float, float, float]


def params(name: str, **overrides: Any) -> GridParams:
    """The config defaults of ``name`` at the seed's leverage 6 (what these scenarios were
    computed at; their markets have no margin tiers, so nothing is liquidated) with
    ``overrides`` (a key that is not one of its parameters is refused), as the strategy's
    struct."""
    return strategy(name).parse({"leverage": 6, **overrides})


def notional(p: GridParams) -> float:
    """Notional of one level with the default account."""
    return MARGIN_PER_ASSET / p.num_levels * p.leverage


def market(candles: Sequence[Candle], funding: dict[int, float] | None = None) -> MarketArrays:
    """1h candles i at ``i x 1h``, volume 1; ``funding={i: rate}`` settles at the open of i."""
    n = len(candles)
    o, h, l, c = (np.array(col, dtype=float) for col in zip(*candles, strict=True))
    rates = np.full(n, NAN)
    for i, rate in (funding or {}).items():
        rates[i] = rate
    return MarketArrays(np.arange(n, dtype=np.int64) * H, o, h, l, c, np.ones(n), H, rates)


def backtest(name: str, m: MarketArrays, p: GridParams, costs: Costs = FREE) -> BacktestResult:
    return run_backtest(m, name, "X/USDT", p, costs)


def plan(name: str, m: MarketArrays, p: GridParams) -> GridPlan:
    built = strategy(name).build(m, p)
    assert isinstance(built, GridPlan)
    return built


def random_market(n: int = 300, seed: int = 5) -> MarketArrays:
    """A noisy random walk around 100 with 8-hourly funding, starting on a 4h boundary."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n)))
    open_ = np.concatenate(([100.0], close[:-1]))
    high = np.maximum(open_, close) * (1.0 + rng.uniform(0.0, 0.01, n))
    low = np.minimum(open_, close) * (1.0 - rng.uniform(0.0, 0.01, n))
    funding = np.full(n, NAN)
    funding[::8] = rng.normal(0.0, 0.0012, len(funding[::8]))
    ts = np.arange(n, dtype=np.int64) * H
    return MarketArrays(ts, open_, high, low, close, np.ones(n), H, funding)


def assert_causal(name: str, m: MarketArrays, p: GridParams, rows: Sequence[int]) -> None:
    """Row i of the plan equals the one built from the first i+1 candles only."""
    full = plan(name, m, p)
    for i in rows:
        cut = plan(name, m.head(i + 1), p)
        for field in dataclasses.fields(full):
            a, b = getattr(full, field.name), getattr(cut, field.name)
            if isinstance(a, np.ndarray):
                np.testing.assert_array_equal(a[i], b[i], err_msg=f"{field.name}[{i}]")
            else:
                assert a == b, field.name
