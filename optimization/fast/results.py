"""The types the fast engine's entry points and its grid/mono halves share.

``api`` dispatches to ``grid`` and ``mono``; both return ``WindowMetrics`` and take
``DEFAULT_ACCOUNT``. Keeping them here lets ``api`` import its halves at the top and the
halves import nothing from ``api``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domain.backtest import Account

DEFAULT_ACCOUNT = Account()
SYMBOL = "X"  # the symbol of every Trade the fast engine returns


@dataclass(frozen=True, slots=True)
class WindowMetrics:
    """Arrays of shape (combos, windows), one value per combination and window.

    sharpe : daily-return Sharpe x sqrt(365) (``domain.metrics`` convention, 0 when undefined)
    return_pct : final equity / initial capital - 1, in percent
    max_drawdown_pct : on the equity at every candle close
    trades, wins : closed trades and those with pnl > 0
    """

    sharpe: np.ndarray
    return_pct: np.ndarray
    max_drawdown_pct: np.ndarray
    trades: np.ndarray
    wins: np.ndarray
