"""The portfolio backtest's report: what many runners did together on one capital.

Computed by pure functions over the arrays a run collects (``RunArrays``: one row per candle
close of the portfolio, the closed trades, the kill-switch trips), so the CLI, the recorded
fact and the dashboard read one struct and no page recomputes a figure. Every figure's
convention is stated where it is computed; Sharpe, Sortino and drawdown are ``domain.metrics``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import numpy as np

from domain.metrics import DAY_MS, daily_returns, max_drawdown_pct, sharpe_ratio, sortino_ratio
from domain.trades import ExitReason, Trade, fingerprint


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
    fingerprint: str = ""  # of every closed trade (``domain.trades.fingerprint``), in order


@dataclass(frozen=True, slots=True)
class KeyedTrade:
    """A closed trade and the runner that made it."""

    key: str
    trade: Trade


@dataclass(frozen=True, slots=True)
class RunArrays:
    """What a run collected, one entry per portfolio candle close (``ts``, ascending): the
    equity (cash + unrealised; the last one after the forced closes), the margin in use, how
    many runners held a grid or position, how many runners opened a level or position in that
    candle, and the sum of the losses to the open positions' stops. Then the closed trades,
    the trips, the margin guard's refusals, each runner's largest margin and, per trade, the
    regime its asset was in when it opened (``regimes[i]`` for ``trades[i]``)."""

    capital: float
    ts: np.ndarray
    equity: np.ndarray
    margin: np.ndarray
    open_runners: np.ndarray
    fills: np.ndarray
    stop_loss: np.ndarray
    trades: list[KeyedTrade] = field(default_factory=list)
    regimes: list[str] = field(default_factory=list)
    trips: list[KillSwitchTrip] = field(default_factory=list)
    margin_blocks: int = 0
    runner_margin: dict[str, float] = field(default_factory=dict)


def portfolio_report(run: RunArrays, benchmark: Benchmark | None = None) -> PortfolioReport:
    """Every figure of the report from the run's arrays (``run.ts`` must not be empty)."""
    trades = [t.trade for t in run.trades]
    final = float(run.equity[-1])
    returns = daily_returns(run.ts, run.equity)
    peak_at = int(np.argmax(run.margin))
    worst_at = int(np.argmax(run.stop_loss))
    forced = [t for t in trades if t.reason == ExitReason.END]
    return PortfolioReport(
        capital=run.capital,
        start_ts=int(run.ts[0]),
        end_ts=int(run.ts[-1]),
        candles=len(run.ts),
        final_equity=final,
        return_pct=(final / run.capital - 1.0) * 100.0,
        max_drawdown_pct=max_drawdown_pct(run.equity),
        sharpe=sharpe_ratio(returns),
        sortino=sortino_ratio(returns),
        trades=len(trades),
        win_rate_pct=win_rate_pct(trades),
        fees_paid=sum(t.entry_fees + t.exit_fee for t in trades),
        funding_paid=sum(t.funding for t in trades),
        realized_pnl=sum(t.pnl for t in trades) - sum(t.pnl for t in forced),
        forced_close_pnl=sum(t.pnl for t in forced),
        peak_margin=float(run.margin[peak_at]),
        peak_margin_pct=float(run.margin[peak_at]) / run.capital * 100.0,
        peak_margin_ts=int(run.ts[peak_at]),
        margin_blocks=run.margin_blocks,
        trips=list(run.trips),
        open_histogram=histogram(run.open_runners),
        fill_histogram=histogram(run.fills),
        worst_stop_loss=float(run.stop_loss[worst_at]),
        worst_stop_ts=int(run.ts[worst_at]),
        benchmark=benchmark,
        runners=runner_results(run.trades, run.runner_margin),
        regimes=regime_results(trades, run.regimes),
        curve=daily_curve(run.ts, run.equity, run.margin),
        fingerprint=fingerprint(trades),
    )


def win_rate_pct(trades: Sequence[Trade]) -> float:
    """Share of trades with a positive net P&L, in percent (0 without trades)."""
    return 100.0 * sum(1 for t in trades if t.pnl > 0) / len(trades) if trades else 0.0


def histogram(counts: np.ndarray) -> list[int]:
    """``result[k]``: how many entries of ``counts`` equal k."""
    if len(counts) == 0:
        return []
    return np.bincount(counts.astype(np.int64)).tolist()


def runner_results(
    trades: Sequence[KeyedTrade], max_margin: dict[str, float]
) -> list[RunnerResult]:
    """One row per runner of ``max_margin`` (every runner of the run, traded or not), by key."""
    by_key: dict[str, list[Trade]] = {key: [] for key in max_margin}
    for keyed in trades:
        by_key.setdefault(keyed.key, []).append(keyed.trade)
    rows = []
    for key, own in sorted(by_key.items()):
        strategy, _, symbol = key.partition(":")
        rows.append(
            RunnerResult(
                key=key,
                strategy=strategy,
                symbol=symbol,
                trades=len(own),
                win_rate_pct=win_rate_pct(own),
                pnl=sum(t.pnl for t in own),
                funding=sum(t.funding for t in own),
                max_margin=max_margin.get(key, 0.0),
            )
        )
    return rows


def regime_results(trades: Sequence[Trade], regimes: Sequence[str]) -> list[RegimeResult]:
    """Trades grouped by the regime label beside each (same order), regimes by name."""
    groups: dict[str, list[Trade]] = {}
    for trade, regime in zip(trades, regimes, strict=True):
        groups.setdefault(regime, []).append(trade)
    return [
        RegimeResult(
            regime=name,
            trades=len(own),
            win_rate_pct=win_rate_pct(own),
            pnl=sum(t.pnl for t in own),
        )
        for name, own in sorted(groups.items())
    ]


def buy_and_hold(
    assets: Sequence[str], capital: float, opens: np.ndarray, closes: np.ndarray
) -> Benchmark:
    """Equal weights of ``capital`` bought at ``opens`` (one per asset) and marked at
    ``closes`` (assets x candle closes, each row aligned on the portfolio's candle closes)."""
    units = capital / len(assets) / opens
    equity = units @ closes
    final = float(equity[-1])
    return Benchmark(
        assets=list(assets),
        final_equity=final,
        return_pct=(final / capital - 1.0) * 100.0,
        max_drawdown_pct=max_drawdown_pct(equity),
    )


def daily_curve(ts: np.ndarray, equity: np.ndarray, margin: np.ndarray) -> Curve:
    """The equity and margin at the last candle close of each UTC day."""
    day = ts // DAY_MS
    last = np.flatnonzero(np.append(day[1:] != day[:-1], True))
    return Curve(ts[last].tolist(), equity[last].tolist(), margin[last].tolist())
