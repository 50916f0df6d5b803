"""Look-ahead proof for every registered strategy: truncating the future never changes the past.

For random markets, a plan built on the first k candles equals the first k rows of the plan built
on all of them, and a backtest that ends at candle k made the same trades before k as one that
goes on (the truncated run only adds its forced close at the end).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from domain.backtest import run_backtest
from domain.execution import Costs
from domain.strategies import REGISTRY
from domain.strategies.params import StrategyParams
from domain.strategies.plans import MarketArrays

H = 3_600_000
CUTS = (150, 333, 517)


def random_market(n: int, seed: int) -> MarketArrays:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.025, n)))  # wild enough for 7 % envelopes
    open_ = np.concatenate([[100.0], close[:-1]])
    wiggle = np.abs(rng.normal(0, 0.008, (2, n)))
    high = np.maximum(open_, close) * (1 + wiggle[0])
    low = np.minimum(open_, close) * (1 - wiggle[1])
    volume = rng.lognormal(3, 0.6, n)
    ts = 1_700_006_400_000 + np.arange(n, dtype=np.int64) * H  # starts on a 4h boundary
    funding = np.full(n, np.nan)
    settle = (ts // H) % 8 == 0
    funding[settle] = rng.normal(0, 0.0008, settle.sum())
    open_interest = 1e6 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    return MarketArrays(
        ts, open_, high, low, close, volume, H, funding, {"open_interest": open_interest}
    )


def params(name: str) -> StrategyParams:
    return REGISTRY[name].params_type()


def assert_same_rows(full: object, head: object, k: int) -> None:
    for field in dataclasses.fields(full):
        a, b = getattr(full, field.name), getattr(head, field.name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a[:k], b, err_msg=f"plan.{field.name} changed")
        else:
            assert a == b, field.name


@pytest.mark.parametrize("name", sorted(REGISTRY))
@pytest.mark.parametrize("seed", [1, 2])
def test_plan_rows_do_not_depend_on_later_candles(name: str, seed: int) -> None:
    market, spec, p = random_market(600, seed), REGISTRY[name], params(name)
    full = spec.build(market, p)
    for k in CUTS:
        assert_same_rows(full, spec.build(market.head(k), p), k)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_trades_before_the_cut_do_not_depend_on_later_candles(name: str) -> None:
    market, spec, p = random_market(600, 3), REGISTRY[name], params(name)
    costs = Costs(0.0002, 0.0006, 0.0005)
    start = spec.warmup(p)
    full = run_backtest(market, name, "X/USDT", p, costs, start=start).trades
    for k in CUTS:
        cut_ts = int(market.ts[k - 1])
        part = run_backtest(market.head(k), name, "X/USDT", p, costs, start=start).trades
        assert [t for t in part if t.exit_ts < cut_ts] == [t for t in full if t.exit_ts < cut_ts]


def test_the_random_markets_make_the_strategies_trade() -> None:
    """Guards the two tests above against passing vacuously on a market where nothing trades."""
    market, costs = random_market(600, 3), Costs(0.0002, 0.0006, 0.0005)
    idle = [
        name
        for name, spec in REGISTRY.items()
        if not run_backtest(
            market, name, "X/USDT", params(name), costs, start=spec.warmup(params(name))
        ).trades
    ]
    assert len(idle) <= len(REGISTRY) // 4, f"strategies that never traded: {idle}"
