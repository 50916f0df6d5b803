"""The Simulator aggregate: a paper portfolio whose every decision is an event.

One Simulator holds the runners (strategy x symbol) of a portfolio, their open grid levels or
positions, the cash and the margin in use. The global margin guard spans all runners, so the
Simulator is the consistency boundary (one aggregate rather than one per runner: a guard that
reads every runner's margin cannot live in one runner without cross-aggregate coordination).

Commands decide (they are called by the runners in ``domain.grid_runner`` / ``domain.mono_runner``
with prices already computed); ``@event`` bodies only apply their arguments to state, because they
re-run on every replay: no clock, no I/O, no randomness, market time comes in ``ts`` fields.
State holds builtins only (str keys, lists), so a snapshot restores exactly what replay builds.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


class TradingError(Exception):
    """Base of the domain's refusals."""


class UnknownRunnerError(TradingError):
    pass


class Simulator(Aggregate):
    TOPIC = "scalp_radar:Simulator"

    class Created(Aggregate.Created):
        TOPIC = "scalp_radar:Simulator.Created"

    class Snapshot(Aggregate.Snapshot):
        TOPIC = "scalp_radar:Simulator.Snapshot"

    @staticmethod
    def create_id(name: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/simulator/{name}")

    @event("Started", topic="scalp_radar:Simulator.Started")
    def __init__(self, name: str, capital: float, max_margin_ratio: float) -> None:
        self.name = name
        self.capital = capital
        self.max_margin_ratio = max_margin_ratio
        self.cash = capital
        self.margin_used = 0.0
        self.fees_paid = 0.0
        self.funding_paid = 0.0
        self.trades_closed = 0
        self.runners: dict[str, dict[str, Any]] = {}

    # -- runners ------------------------------------------------------------------------------
    def enable_runner(self, key: str, strategy: str, symbol: str, kind: str) -> None:
        if key not in self.runners:
            self._runner_enabled(key=key, strategy=strategy, symbol=symbol, kind=kind)

    @event("RunnerEnabled", topic="scalp_radar:Simulator.RunnerEnabled")
    def _runner_enabled(self, key: str, strategy: str, symbol: str, kind: str) -> None:
        self.runners[key] = {
            "strategy": strategy,
            "symbol": symbol,
            "kind": kind,
            "side": 0,  # +1 long / -1 short while a grid or position is open
            "levels": {},  # level index (str) -> [price, qty, ts]
            "entry_fees": 0.0,  # fees of the open cycle
            "funding": 0.0,  # funding paid by the open cycle
            "margin": 0.0,
            "trail": 0.0,  # trailing stop price (0: none yet)
            "opened_ts": 0,
            "tp": 0.0,
            "sl": 0.0,
        }

    def runner(self, key: str) -> dict[str, Any]:
        try:
            return self.runners[key]
        except KeyError:
            raise UnknownRunnerError(f"no runner {key!r}") from None

    # -- margin guard -------------------------------------------------------------------------
    def margin_allows(self, margin: float) -> bool:
        """The global margin guard: margin in use may never exceed max_margin_ratio x capital."""
        return self.margin_used + margin <= self.max_margin_ratio * self.capital + 1e-9

    # -- grid levels --------------------------------------------------------------------------
    @event("GridLevelOpened", topic="scalp_radar:Simulator.GridLevelOpened")
    def open_level(
        self,
        key: str,
        level: int,
        side: int,
        price: float,
        qty: float,
        fee: float,
        margin: float,
        ts: int,
    ) -> None:
        runner = self.runners[key]
        if not runner["levels"]:
            runner["side"], runner["opened_ts"], runner["trail"] = side, ts, 0.0
        runner["levels"][str(level)] = [price, qty, ts]
        runner["entry_fees"] += fee
        runner["margin"] += margin
        self.margin_used += margin
        self.cash -= fee
        self.fees_paid += fee

    @event("TrailingStopMoved", topic="scalp_radar:Simulator.TrailingStopMoved")
    def move_trailing_stop(self, key: str, price: float, ts: int) -> None:
        self.runners[key]["trail"] = price

    @event("FundingCharged", topic="scalp_radar:Simulator.FundingCharged")
    def charge_funding(self, key: str, rate: float, amount: float, ts: int) -> None:
        """``amount`` > 0 is paid by the position, < 0 received."""
        self.runners[key]["funding"] += amount
        self.cash -= amount
        self.funding_paid += amount

    @event("GridCycleClosed", topic="scalp_radar:Simulator.GridCycleClosed")
    def close_cycle(self, key: str, trade: dict[str, Any]) -> None:
        """Closes every level of the runner. ``trade`` is the closed trade's record (see
        ``domain.trades.Trade``); cash moves by its ``gross`` minus its ``exit_fee`` (entry fees
        and funding left the cash when they were paid)."""
        self._settle(key, trade["exit_fee"], trade["gross"])

    def _settle(self, key: str, fee: float, gross: float) -> None:
        runner = self.runners[key]
        self.cash += gross - fee
        self.fees_paid += fee
        self.margin_used -= runner["margin"]
        self.trades_closed += 1
        runner.update(side=0, levels={}, entry_fees=0.0, funding=0.0, margin=0.0, trail=0.0)
        runner.update(opened_ts=0, tp=0.0, sl=0.0)

    # -- mono positions -----------------------------------------------------------------------
    @event("PositionOpened", topic="scalp_radar:Simulator.PositionOpened")
    def open_position(
        self,
        key: str,
        side: int,
        price: float,
        qty: float,
        fee: float,
        margin: float,
        tp: float,
        sl: float,
        ts: int,
    ) -> None:
        runner = self.runners[key]
        runner.update(side=side, opened_ts=ts, tp=tp, sl=sl, entry_fees=fee)
        runner["levels"] = {"0": [price, qty, ts]}
        runner["margin"] = margin
        self.margin_used += margin
        self.cash -= fee
        self.fees_paid += fee

    @event("PositionClosed", topic="scalp_radar:Simulator.PositionClosed")
    def close_position(self, key: str, trade: dict[str, Any]) -> None:
        self._settle(key, trade["exit_fee"], trade["gross"])
