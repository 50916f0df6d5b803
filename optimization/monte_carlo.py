"""Block-bootstrap significance of the out-of-sample trades.

Null hypothesis: the strategy has no edge, i.e. the expected return per trade is zero.

1. Per-trade returns ``r`` (see ``returns_on_capital``) are centred, ``r0 = r - mean(r)``: the
   centred series keeps the spread and the serial dependence of the real trades but has no edge.
2. ``sims`` circular block-bootstrap resamples of ``r0`` (Politis & Romano 1992): blocks of
   ``block = max(1, round(sqrt(n)))`` consecutive trades starting anywhere, wrapping around the
   end, concatenated and cut to n trades. The block keeps the short-range dependence between
   consecutive trades (a DCA cycle often follows another in the same move); sqrt(n) is the usual
   rule of thumb between i.i.d. (block 1) and no resampling at all (block n). Wrapping around
   gives every trade the same chance to be drawn, so the resamples are centred at zero exactly.
3. Statistic: the per-trade Sharpe ``mean / std`` (ddof=1), not annualised, both for the
   observed trades and for every resample (like with like: the seed compared an annualised
   observed Sharpe with non-annualised resamples, so p was about 0 every time).
4. ``p = (1 + #{sim >= observed}) / (1 + sims)`` (Davison & Hinkley 1997; never 0).

Fewer than 30 trades is ``underpowered``: the grading then ignores the p-value (roadmap, points
of attention 4: the bootstrap also breaks the time structure that is the DCA edge).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from domain.trades import Trade
from domain.walk_forward_summary import MonteCarloResult

MIN_TRADES = 30


def returns_on_capital(trades: Sequence[Trade], initial_capital: float) -> np.ndarray:
    """Per-trade return = net P&L / initial capital.

    Chosen over P&L / margin because sizing is fixed (capital / assets / levels), so every trade
    is measured against the same yardstick, and a Trade does not carry its margin or leverage.
    The per-trade Sharpe does not change under a constant divisor, so this is the P&L scaled."""
    return np.array([t.pnl for t in trades], dtype=float) / initial_capital


def block_length(n: int) -> int:
    return max(1, round(math.sqrt(n)))


def per_trade_sharpe(returns: np.ndarray) -> np.ndarray:
    """mean / std (ddof=1) along the last axis; 0 where there is no variation."""
    std = np.std(returns, axis=-1, ddof=1)
    mean = np.mean(returns, axis=-1)
    safe = np.where(std > 0, std, 1.0)
    return np.where(std > 0, mean / safe, 0.0)


def monte_carlo(trade_returns: np.ndarray, sims: int = 1000, seed: int = 0) -> MonteCarloResult:
    returns = np.asarray(trade_returns, dtype=float)
    n = len(returns)
    block = block_length(n)
    if n < 2:  # no spread, no test: nothing is significant
        return MonteCarloResult(1.0, 0.0, (0.0, 0.0, 0.0), n, True, block)
    observed = float(per_trade_sharpe(returns))
    centred = returns - np.mean(returns)
    rng = np.random.default_rng(seed)
    n_blocks = -(-n // block)
    starts = rng.integers(0, n, size=(sims, n_blocks))
    index = (starts[:, :, None] + np.arange(block)) % n
    resamples = centred[index.reshape(sims, n_blocks * block)[:, :n]]
    simulated = per_trade_sharpe(resamples)
    p_value = (1 + int(np.sum(simulated >= observed))) / (1 + sims)
    p5, p50, p95 = (float(v) for v in np.percentile(simulated, [5, 50, 95]))
    return MonteCarloResult(p_value, observed, (p5, p50, p95), n, n < MIN_TRADES, block)
