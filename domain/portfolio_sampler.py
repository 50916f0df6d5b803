"""What a portfolio backtest reads after each candle close: the Simulator's own state and the
events that candle caused, never a second ledger.

After ``Simulator.close_candle`` the pending events end with the candle's ``ClockAdvanced``;
the events since the previous one are the candle's decisions. From them come the fills (how
many runners opened a level or a position in the candle), the closed trades and the
kill-switch trips; from the aggregate the margin in use and who holds what; from each runner
the stop it rests (``venue_stop``, what live trading would place), for the worst case.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from domain.grid_runner import GridRunner
from domain.ledger import totals
from domain.mono_runner import MonoRunner
from domain.portfolio_report import KeyedTrade, KillSwitchTrip, RunArrays
from domain.simulator import Simulator
from domain.trades import Trade

_OPENED = frozenset(("GridLevelOpened", "PositionOpened"))
_CLOSED = frozenset(("GridCycleClosed", "PositionClosed"))


class PortfolioSampler:
    """Collects a ``RunArrays`` candle by candle (``after_candle``), then the forced closes of
    the end (``after_end``)."""

    def __init__(self, capital: float) -> None:
        self.capital = capital
        self.ts: list[int] = []
        self.equity: list[float] = []
        self.margin: list[float] = []
        self.open_runners: list[int] = []
        self.fills: list[int] = []
        self.stop_loss: list[float] = []
        self.trades: list[KeyedTrade] = []
        self.trips: list[KillSwitchTrip] = []
        self.runner_margin: dict[str, float] = {}

    def after_candle(self, sim: Simulator, ts: int, runners: Sequence[GridRunner | MonoRunner]):
        events = _since_last_clock(sim.pending_events)
        clock = sim.pending_events[-1]
        self._take(events)
        self.ts.append(ts)
        self.equity.append(float(clock.equity))
        self.margin.append(sim.margin_used)
        self.fills.append(len({e.key for e in events if type(e).__name__ in _OPENED}))
        held = [r for r in runners if r.state.side]
        self.open_runners.append(len(held))
        self.stop_loss.append(sum(stop_loss(r) for r in held))
        for runner in runners:
            key, margin = runner.key, runner.state.margin
            self.runner_margin[key] = max(self.runner_margin.get(key, 0.0), margin)

    def after_end(self, sim: Simulator, events: Sequence[Any]) -> None:
        """The forced closes' events; the last equity becomes the cash they leave (nothing is
        held any more), as a backtest's last equity is."""
        self._take(events)
        if self.equity:
            self.equity[-1] = sim.cash
            self.margin[-1] = sim.margin_used

    def _take(self, events: Sequence[Any]) -> None:
        for event in events:
            name = type(event).__name__
            if name in _CLOSED:
                self.trades.append(KeyedTrade(event.key, Trade.from_record(event.trade)))
            elif name == "KillSwitchTripped":
                self.trips.append(
                    KillSwitchTrip(event.ts, event.scope, event.key, event.reason, event.figures)
                )

    def arrays(self, margin_blocks: int, regimes: list[str]) -> RunArrays:
        return RunArrays(
            capital=self.capital,
            ts=np.array(self.ts, np.int64),
            equity=np.array(self.equity),
            margin=np.array(self.margin),
            open_runners=np.array(self.open_runners, np.int64),
            fills=np.array(self.fills, np.int64),
            stop_loss=np.array(self.stop_loss),
            trades=self.trades,
            regimes=regimes,
            trips=self.trips,
            margin_blocks=margin_blocks,
            runner_margin=self.runner_margin,
        )


def stop_loss(runner: GridRunner | MonoRunner) -> float:
    """What runner's open grid or position would lose from its average entry if its stop
    filled now (before fees; 0 when the stop is on the profitable side, a trailing stop)."""
    state = runner.state
    qty, cost = totals(state.levels.values())
    entry = cost / qty
    # a mono position's stop is fixed at its entry; a grid's moves with its average and trail
    stop = state.sl if state.sl else runner.venue_stop(state.side, entry)[0]
    return max(0.0, state.side * (entry - stop) * qty)


def _since_last_clock(pending: Sequence[Any]) -> Sequence[Any]:
    """The pending events after the previous ``ClockAdvanced`` (the last one is this candle's)."""
    i = len(pending) - 2
    while i >= 0 and type(pending[i]).__name__ != "ClockAdvanced":
        i -= 1
    return pending[i + 1 : -1]
