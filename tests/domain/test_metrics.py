"""Metrics against hand computations and the statistics module."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from domain.metrics import (
    compute_metrics,
    daily_returns,
    max_drawdown_pct,
    sharpe_ratio,
    sortino_ratio,
)
from domain.trades import Trade

DAY = 86_400_000
H = 3_600_000


def test_daily_returns_use_the_last_equity_of_each_utc_day() -> None:
    ts = np.array([0, 12 * H, 23 * H, DAY, DAY + 23 * H, 2 * DAY + H])
    equity = np.array([100.0, 50.0, 110.0, 0.0, 99.0, 108.9])
    # day closes: 110 (day 0), 99 (day 1), 108.9 (day 2)
    assert daily_returns(ts, equity) == pytest.approx([99 / 110 - 1, 108.9 / 99 - 1])


def test_sharpe_and_sortino_by_hand() -> None:
    returns = np.array([0.1, -0.1, 0.1])
    mean, sd = statistics.mean(returns), statistics.stdev(returns)
    assert sharpe_ratio(returns) == pytest.approx(mean / sd * math.sqrt(365))
    downside = math.sqrt((0 + 0.01 + 0) / 3)
    assert sortino_ratio(returns) == pytest.approx(mean / downside * math.sqrt(365))
    assert sharpe_ratio(np.array([0.01, 0.01])) == 0.0  # no variation
    assert sharpe_ratio(np.array([0.05])) == 0.0  # one return is not a distribution


def test_max_drawdown_is_the_deepest_fall_from_a_peak() -> None:
    assert max_drawdown_pct(np.array([100, 120, 90, 130, 65, 140.0])) == pytest.approx(50.0)
    assert max_drawdown_pct(np.array([100, 101, 102.0])) == 0.0


def _trade(pnl: float) -> Trade:
    return Trade("s", "X", 1, 0, 1, 1.0, 1.0, 1.0, 1, pnl, 0, 0, 0, pnl, "tp")


def test_trade_statistics() -> None:
    ts = np.arange(4) * DAY
    equity = np.array([1000.0, 1010, 1005, 1030])
    m = compute_metrics(
        ts,
        equity,
        np.array([0, 1, 1, 0], bool),
        [_trade(20), _trade(-10), _trade(15)],
        1000.0,
        3.0,
        1.5,
    )
    assert (m.trades, m.final_equity, m.return_pct) == (3, 1030.0, pytest.approx(3.0))
    assert m.win_rate_pct == pytest.approx(200 / 3)
    assert m.profit_factor == pytest.approx(35 / 10)
    assert m.exposure_pct == 50.0
    assert (m.fees_paid, m.funding_paid) == (3.0, 1.5)
    no_loss = compute_metrics(ts, equity, np.zeros(4, bool), [_trade(5)], 1000.0, 0, 0)
    assert no_loss.profit_factor is None
