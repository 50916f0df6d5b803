"""Performance metrics of a backtest, from its equity curve and its closed trades.

Conventions (stated once, used by every report):

* Sharpe and Sortino use **daily** returns of the equity curve (equity at the last candle of each
  UTC day), annualised with sqrt(365) because crypto trades every day. Sharpe uses the sample
  standard deviation (ddof=1); Sortino the downside deviation sqrt(mean(min(r, 0)^2)). Both are 0
  with fewer than two daily returns or no variation.
* Max drawdown is measured on the equity at every candle close (realised + unrealised).
* Exposure is the share of candles that end with a position open.
* Profit factor is gross wins / gross losses of closed trades (net of fees and funding); it is
  ``None`` when there is no losing trade.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from domain.trades import Trade

DAY_MS = 86_400_000
PERIODS_PER_YEAR = 365


@dataclass(frozen=True, slots=True)
class Metrics:
    initial_capital: float
    final_equity: float
    return_pct: float
    sharpe: float
    sortino: float
    max_drawdown_pct: float
    trades: int
    win_rate_pct: float
    profit_factor: float | None
    exposure_pct: float
    fees_paid: float
    funding_paid: float


def daily_returns(ts: np.ndarray, equity: np.ndarray) -> np.ndarray:
    """Simple returns between the equity at the close of consecutive UTC days."""
    if len(ts) == 0:
        return np.empty(0)
    day = ts // DAY_MS
    last_of_day = np.flatnonzero(np.append(day[1:] != day[:-1], True))
    closes = equity[last_of_day]
    return closes[1:] / closes[:-1] - 1.0


def sharpe_ratio(returns: np.ndarray, periods: int = PERIODS_PER_YEAR) -> float:
    if len(returns) < 2:
        return 0.0
    std = float(np.std(returns, ddof=1))
    return 0.0 if std == 0 else float(np.mean(returns)) / std * math.sqrt(periods)


def sortino_ratio(returns: np.ndarray, periods: int = PERIODS_PER_YEAR) -> float:
    if len(returns) < 2:
        return 0.0
    downside = math.sqrt(float(np.mean(np.minimum(returns, 0.0) ** 2)))
    return 0.0 if downside == 0 else float(np.mean(returns)) / downside * math.sqrt(periods)


def max_drawdown_pct(equity: np.ndarray) -> float:
    """Largest fall from a running peak, in percent of that peak (a positive number)."""
    if len(equity) == 0:
        return 0.0
    peaks = np.maximum.accumulate(equity)
    return float(np.max((peaks - equity) / peaks) * 100.0)


def compute_metrics(
    ts: np.ndarray,
    equity: np.ndarray,
    in_position: np.ndarray,
    trades: list[Trade],
    initial_capital: float,
    fees_paid: float,
    funding_paid: float,
) -> Metrics:
    returns = daily_returns(ts, equity)
    wins = sum(t.pnl for t in trades if t.pnl > 0)
    losses = -sum(t.pnl for t in trades if t.pnl < 0)
    final = float(equity[-1]) if len(equity) else initial_capital
    return Metrics(
        initial_capital=initial_capital,
        final_equity=final,
        return_pct=(final / initial_capital - 1.0) * 100.0,
        sharpe=sharpe_ratio(returns),
        sortino=sortino_ratio(returns),
        max_drawdown_pct=max_drawdown_pct(equity),
        trades=len(trades),
        win_rate_pct=100.0 * sum(1 for t in trades if t.pnl > 0) / len(trades) if trades else 0.0,
        profit_factor=wins / losses if losses > 0 else None,
        exposure_pct=100.0 * float(np.mean(in_position)) if len(in_position) else 0.0,
        fees_paid=fees_paid,
        funding_paid=funding_paid,
    )
