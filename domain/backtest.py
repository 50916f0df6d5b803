"""The event-driven backtest: a Simulator fed candle by candle, the same path paper trading runs.

The strategy's plan is built once over the whole series (it is causal, so this equals building it
candle by candle), then the runner executes it from ``start`` (earlier candles only warm the
indicators up and produce no event). Decisions are Simulator events; every ``batch`` candles they
are handed to ``save`` (an in-memory event store in backtests), and the closed trades are read back
from them, so the report is built from the same events a paper portfolio would record.

Guards, identical in the fast engine: positions still open at the last candle are closed at its
close (market order, reason ``end``); if the equity (cash + unrealised) ever closes at or below
zero the account is ruined: everything is closed at that close (reason ``ruin``) and trading
stops for the rest of the series (``ruined_ts``), which the metrics then show as a flat line.
With liquidation (``domain.contracts``) a position loses at most its margin, so ruin needs fees
and funding to have eaten the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from eventsourcing.domain import DomainEventProtocol

from domain.execution import Costs
from domain.grid_runner import GridRunner
from domain.metrics import Metrics, compute_metrics
from domain.mono_runner import MonoRunner
from domain.simulator import Simulator
from domain.strategies import strategy as strategy_spec
from domain.strategies.params import StrategyParams
from domain.strategies.plans import GridPlan, MarketArrays, MonoPlan
from domain.strategies.spec import sides
from domain.trades import ExitReason, Trade, fingerprint

Save = Callable[[Sequence[DomainEventProtocol[Any]]], None]
_CLOSED = ("GridCycleClosed", "PositionClosed")


@dataclass(frozen=True, slots=True)
class Account:
    """Capital and sizing rules: fixed sizing from the initial capital (no compounding)."""

    capital: float = 10_000.0
    max_margin_ratio: float = 0.70
    max_asset_allocation: float = 0.25
    assets: int = 1

    def margin_per_asset(self) -> float:
        return min(self.capital / self.assets, self.max_asset_allocation * self.capital)


@dataclass(frozen=True, slots=True)
class BacktestResult:
    trades: list[Trade]
    ts: np.ndarray
    equity: np.ndarray
    metrics: Metrics
    events: int
    blocked: int  # entries the margin guard refused
    simulator: Simulator
    ruined_ts: int | None = None
    too_small: int = 0  # orders not placed: below the venue's minimum quantity or notional

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.trades)


def run_backtest(
    market: MarketArrays,
    strategy: str,
    symbol: str,
    params: StrategyParams,
    costs: Costs,
    account: Account = Account(),
    start: int = 0,
    save: Save | None = None,
    batch: int = 5000,
) -> BacktestResult:
    spec = strategy_spec(strategy)
    plan = spec.build(market, params)
    sim = Simulator(
        name=f"backtest:{strategy}:{symbol}",
        capital=account.capital,
        max_margin_ratio=account.max_margin_ratio,
    )
    runner = make_runner(
        sim, f"{strategy}:{symbol}", strategy, symbol, plan, market, params, costs, account
    )
    n = len(market)
    closes = market.close.tolist()
    equity: list[float] = []
    in_position: list[bool] = []
    collector = _Collector(save)
    ruined_ts = None
    for i in range(start, n):
        runner.step(i)
        in_position.append(bool(runner.state.side))
        if i == n - 1:
            runner.close_at_end(i)
        value = sim.cash + runner.unrealized(closes[i])
        equity.append(value)
        if value <= 0:
            runner.close_at_end(i, ExitReason.RUIN)
            equity[-1] = sim.cash
            equity += [sim.cash] * (n - 1 - i)
            in_position += [False] * (n - 1 - i)
            ruined_ts = int(market.ts[i])
            break
        if (i - start) % batch == batch - 1:
            collector.take(sim)
    collector.take(sim)
    equity_curve = np.array(equity, dtype=np.float64)
    metrics = compute_metrics(
        market.ts[start:],
        equity_curve,
        np.array(in_position, dtype=bool),
        collector.trades,
        account.capital,
        sim.fees_paid,
        sim.funding_paid,
    )
    return BacktestResult(
        collector.trades,
        market.ts[start:],
        equity_curve,
        metrics,
        collector.events,
        runner.blocked,
        sim,
        ruined_ts,
        runner.too_small,
    )


def make_runner(
    sim: Simulator,
    key: str,
    strategy: str,
    symbol: str,
    plan: GridPlan | MonoPlan,
    market: MarketArrays,
    params: StrategyParams,
    costs: Costs,
    account: Account,
) -> GridRunner | MonoRunner:
    """The runner executing ``plan``, sized by ``account`` (equal allocation per asset)."""
    if isinstance(plan, GridPlan):
        margin = account.margin_per_asset() / plan.num_levels
        return GridRunner(sim, key, strategy, symbol, plan, market, costs, margin)
    margin = account.margin_per_asset()
    return MonoRunner(sim, key, strategy, symbol, plan, market, costs, margin, sides(params))


class _Collector:
    """Hands pending events to the store and keeps the trades they close."""

    def __init__(self, save: Save | None) -> None:
        self.save = save
        self.trades: list[Trade] = []
        self.events = 0

    def take(self, sim: Simulator) -> None:
        events = sim.collect_events()
        if not events:
            return
        if self.save is not None:
            self.save(events)
        self.events += len(events)
        for event in events:
            if type(event).__name__ in _CLOSED:
                self.trades.append(Trade.from_record(event.trade))  # type: ignore[attr-defined]
