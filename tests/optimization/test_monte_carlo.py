"""Monte Carlo significance: calibrated on noise, powerful on an edge, deterministic."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from domain.trades import Trade
from optimization.monte_carlo import (
    block_length,
    monte_carlo,
    per_trade_sharpe,
    returns_on_capital,
)


def test_no_edge_gives_p_values_spread_over_zero_one() -> None:
    p_values = []
    for seed in range(50):
        noise = np.random.default_rng(1000 + seed).normal(0.0, 1.0, 100)
        p_values.append(monte_carlo(noise, sims=1000, seed=seed).p_value)
    # under the null p is about uniform: mean 1/2, about 5 % of them below 0.05
    assert 0.35 < statistics.mean(p_values) < 0.65
    assert sum(p > 0.05 for p in p_values) >= 40
    assert sum(p > 0.5 for p in p_values) >= 10  # not all squashed to one side


def test_a_clear_edge_is_significant() -> None:
    edge = np.random.default_rng(7).normal(0.5, 1.0, 200)
    result = monte_carlo(edge, sims=1000, seed=0)
    assert result.p_value < 0.01
    assert result.p_value >= 1 / 1001  # never zero
    assert not result.underpowered
    # observed per-trade Sharpe about 0.5; null resamples centred on 0 with spread ~ 1/sqrt(200)
    assert result.observed_sharpe == pytest.approx(0.5, abs=0.15)
    p5, p50, p95 = result.sim_percentiles
    assert p5 < p50 < p95 and abs(p50) < 0.05 and p95 < 0.2


def test_observed_sharpe_is_per_trade_not_annualised() -> None:
    returns = np.array([0.1, -0.1, 0.1])
    # mean 1/30, sample std sqrt(((2/30)^2 * 2 + (4/30)^2) / 2) = sqrt(0.04/3)
    expected = (1 / 30) / math.sqrt(0.04 / 3)
    assert monte_carlo(returns).observed_sharpe == pytest.approx(expected)
    assert per_trade_sharpe(returns) == pytest.approx(expected)


def test_deterministic_with_a_seed() -> None:
    returns = np.random.default_rng(3).normal(0.1, 1.0, 60)
    assert monte_carlo(returns, seed=5) == monte_carlo(returns, seed=5)
    assert monte_carlo(returns, sims=200, seed=5).p_value in {k / 201 for k in range(1, 202)}


def test_underpowered_flag_and_block_length() -> None:
    assert monte_carlo(np.linspace(-1, 1, 29)).underpowered
    assert not monte_carlo(np.linspace(-1, 1, 30)).underpowered
    # round(sqrt(n)): 1 -> 1, 30 -> 5 (5.48), 100 -> 10, 200 -> 14 (14.14)
    assert [block_length(n) for n in (0, 1, 30, 100, 200)] == [1, 1, 5, 10, 14]
    assert monte_carlo(np.linspace(-1, 1, 100)).block == 10


def test_too_few_trades_is_never_significant() -> None:
    for returns in (np.array([]), np.array([1.0])):
        result = monte_carlo(returns)
        assert (result.p_value, result.underpowered) == (1.0, True)


def test_returns_on_capital_divide_net_pnl() -> None:
    def trade(pnl: float) -> Trade:
        return Trade("s", "X", 1, 0, 1, 1.0, 1.0, 1.0, 1, pnl, 0.0, 0.0, 0.0, pnl, "tp")

    assert returns_on_capital([trade(50.0), trade(-20.0)], 1000.0) == pytest.approx([0.05, -0.02])
