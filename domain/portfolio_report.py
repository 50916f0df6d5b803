"""The portfolio backtest's report: what many runners did together on one capital.

Computed by pure functions over the arrays a run collects (``RunArrays``: one row per candle
close of the portfolio, the closed trades, the kill-switch trips), so the CLI, the recorded
fact and the dashboard read one struct and no page recomputes a figure. Every figure's
convention is stated where it is computed; Sharpe, Sortino and drawdown are ``domain.metrics``'s.
"""

from __future__ import annotations

from typing import Any

import msgspec


class KillSwitchTrip(msgspec.Struct, frozen=True):
    """One ``KillSwitchTripped`` of the run: when, which switch ("global" or "runner", with the
    runner's key), why (a ``TripReason`` value) and the figures it tripped on."""

    ts: int
    scope: str
    key: str
    reason: str
    figures: dict[str, Any] = {}


class RunnerResult(msgspec.Struct, frozen=True):
    """One runner's share of the run (its trades, the forced closes at the end included)."""

    key: str
    strategy: str
    symbol: str
    trades: int
    win_rate_pct: float
    pnl: float  # net of fees and funding
    funding: float  # > 0 paid, < 0 received
    max_margin: float  # the largest margin it held at a candle close


class RegimeResult(msgspec.Struct, frozen=True):
    """Trades grouped by the regime their asset was in when they opened (``regime_before``
    over the research's OOS window length, as the paper regime filter reads it)."""

    regime: str  # crash | bull | bear | range
    trades: int
    win_rate_pct: float
    pnl: float


class Benchmark(msgspec.Struct, frozen=True):
    """Buy and hold of the run's assets: the capital split equally, bought at the first traded
    candle's open, marked at every close (no fees, no funding)."""

    assets: list[str]
    final_equity: float
    return_pct: float
    max_drawdown_pct: float


class Curve(msgspec.Struct, frozen=True):
    """The equity (cash + unrealised) and margin in use at the last candle close of each UTC
    day: the run's curves at a size a page can draw (the figures above use every candle)."""

    ts: list[int] = []
    equity: list[float] = []
    margin: list[float] = []


class PortfolioReport(msgspec.Struct, frozen=True, kw_only=True):
    """The run's figures (``report`` of ``PortfolioBacktestCompleted``).

    ``open_histogram[k]``: candle closes with k runners holding a grid or position;
    ``fill_histogram[k]``: candles in which k runners opened a level or a position (the
    correlation of fills). ``worst_stop_loss``: the largest, over candle closes, sum of the loss
    each open position would take at its stop (from its average entry, before fees), at
    ``worst_stop_ts``. ``realized_pnl`` is the trades closed by their own rules,
    ``forced_close_pnl`` the positions still open at the end, closed at the last close (reason
    ``end``)."""

    capital: float
    start_ts: int
    end_ts: int  # open time of the last candle traded
    candles: int  # portfolio candle closes (one per distinct open time)
    final_equity: float
    return_pct: float
    max_drawdown_pct: float
    sharpe: float
    sortino: float
    trades: int
    win_rate_pct: float
    fees_paid: float
    funding_paid: float  # > 0 paid, < 0 received
    realized_pnl: float
    forced_close_pnl: float
    peak_margin: float
    peak_margin_pct: float  # of the capital
    peak_margin_ts: int
    margin_blocks: int  # entries the global margin guard refused (episodes, as recorded)
    trips: list[KillSwitchTrip] = []
    open_histogram: list[int] = []
    fill_histogram: list[int] = []
    worst_stop_loss: float = 0.0
    worst_stop_ts: int = 0
    benchmark: Benchmark | None = None
    runners: list[RunnerResult] = []
    regimes: list[RegimeResult] = []
    curve: Curve = Curve()
