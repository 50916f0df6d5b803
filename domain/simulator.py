"""The Simulator aggregate: a paper portfolio whose every decision is an event.

One Simulator holds the runners (strategy x symbol) of a portfolio, their open grid levels or
positions, the cash and the margin in use. The global margin guard spans all runners, so the
Simulator is the consistency boundary (one aggregate rather than one per runner: a guard that
reads every runner's margin cannot live in one runner without cross-aggregate coordination).

Commands decide (they are called by the runners in ``domain.grid_runner`` / ``domain.mono_runner``
with prices already computed); ``@event`` bodies only apply their arguments to state, because they
re-run on every replay: no clock, no I/O, no randomness, market time comes in ``ts`` fields.
The money they move is ``domain.ledger``'s arithmetic, shared with the paper read model.

State is typed: a ``RunnerState`` per runner, the kill-switch ``Limits`` and the global ``Trip``.
Event payloads stay builtins (the ``trade`` and ``limits`` dicts are the structs' records), and a
snapshot stores the structs as their fields, the JSON the dict-based state had: old snapshots
and events restore as they are, and a snapshot restores exactly what replay builds.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from domain import ledger
from domain.kill_switch import (
    Limits,
    ResetDecision,
    ResetRefusal,
    Trip,
    TripReason,
    global_trip,
    runner_trip,
)
from domain.runner_state import EntryRefusal, RunnerState, lift_entry_blocks
from domain.trades import ExitReason, build_trade

DAY_MS = 86_400_000
# the Simulator's struct-typed attributes, as a snapshot stores them (builtins) and reads them
_TYPED: dict[str, Any] = {"runners": dict[str, RunnerState], "limits": Limits, "kill": Trip | None}


class TradingError(Exception):
    """Base of the domain's refusals."""


class UnknownRunnerError(TradingError):
    """``Simulator.runner`` was asked for a key the aggregate holds no runner for.

    Commands from outside check first and refuse with
    ``adapters.services.portfolio_commands.RunnerNotInPortfolioError``."""


class Simulator(Aggregate):
    TOPIC = "scalp_radar:Simulator"
    # the venue whose candles the runners trade (ExchangeSelected); a class default, so that
    # snapshots taken before the event existed restore without it
    exchange: str = ""
    # new entries stopped by the operator (EntriesHalted); class defaults for the same reason
    entries_halted: bool = False
    halted_ts: int = 0  # market time of the halt in force
    halted_by: str = ""  # who asked (cli, telegram ...)

    class Created(Aggregate.Created):
        TOPIC = "scalp_radar:Simulator.Created"

    class Snapshot(Aggregate.Snapshot):
        TOPIC = "scalp_radar:Simulator.Snapshot"

        @classmethod
        def take(cls, aggregate: Any) -> Any:
            snapshot = super().take(aggregate)
            state = snapshot.state  # a copy of the aggregate's attributes
            for name in _TYPED:
                state[name] = msgspec.to_builtins(state[name])
            return snapshot

        def mutate(self, _: None) -> Any:
            sim = super().mutate(None)
            state = vars(sim)
            for name, kind in _TYPED.items():
                if name in state:
                    state[name] = msgspec.convert(state[name], kind)
            return sim

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
        self.runners: dict[str, RunnerState] = {}
        # paper trading only (a backtest never advances the clock nor trips a switch)
        self.last_ts = 0  # open time of the last candle fully processed
        self.limits = Limits()
        self.kill: Trip | None = None  # the global kill switch, when tripped
        self.window: list[list[float]] = []  # [ts, equity] closes of the global switch's window
        self.requests_done = 0  # operator requests handled (position in their log)

    # -- runners ------------------------------------------------------------------------------
    def enable_runner(self, key: str, strategy: str, symbol: str, kind: str) -> None:
        if key not in self.runners:
            self._runner_enabled(key=key, strategy=strategy, symbol=symbol, kind=kind)

    @event("RunnerEnabled", topic="scalp_radar:Simulator.RunnerEnabled")
    def _runner_enabled(self, key: str, strategy: str, symbol: str, kind: str) -> None:
        self.runners[key] = RunnerState(strategy=strategy, symbol=symbol, kind=kind)

    def runner(self, key: str) -> RunnerState:
        try:
            return self.runners[key]
        except KeyError:
            raise UnknownRunnerError(f"no runner {key!r}") from None

    # -- margin guard -------------------------------------------------------------------------
    def margin_allows(self, margin: float) -> bool:
        """The global margin guard: margin in use may never exceed max_margin_ratio x capital,
        nor the cash (a venue takes an isolated position's margin from the free balance, so
        liquidations, which cost a position its margin, cannot sink the account)."""
        used = self.margin_used + margin
        return used <= self.max_margin_ratio * self.capital + 1e-9 and used <= self.cash

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
        if not runner.levels:
            runner.side, runner.opened_ts, runner.trail = side, ts, 0.0
        ledger.open_level(self, runner, level, price, qty, fee, margin, ts)
        lift_entry_blocks(runner.blocked)

    @event("TrailingStopMoved", topic="scalp_radar:Simulator.TrailingStopMoved")
    def move_trailing_stop(self, key: str, price: float, ts: int) -> None:
        self.runners[key].trail = price

    @event("FundingCharged", topic="scalp_radar:Simulator.FundingCharged")
    def charge_funding(self, key: str, rate: float, amount: float, ts: int) -> None:
        """``amount`` > 0 is paid by the position, < 0 received."""
        ledger.charge_funding(self, self.runners[key], amount)

    @event("GridCycleClosed", topic="scalp_radar:Simulator.GridCycleClosed")
    def close_cycle(self, key: str, trade: dict[str, Any]) -> None:
        """Closes every level of the runner. ``trade`` is the closed trade's record (see
        ``domain.trades.Trade``); cash moves by its ``gross`` minus its ``exit_fee`` (entry fees
        and funding left the cash when they were paid)."""
        self._settle(key, trade)

    def _settle(self, key: str, trade: dict[str, Any]) -> None:
        runner = self.runners[key]
        ledger.settle(self, trade["gross"], trade["exit_fee"], runner.margin)
        day = trade["exit_ts"] // DAY_MS
        if runner.day != day:
            runner.day, runner.day_pnl = day, 0.0
        runner.day_pnl += trade["pnl"]
        runner.session_pnl += trade["pnl"]
        runner.clear_position()

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
        runner.side, runner.opened_ts, runner.tp, runner.sl = side, ts, tp, sl
        ledger.open_position(self, runner, price, qty, fee, margin, ts)
        lift_entry_blocks(runner.blocked)

    @event("PositionClosed", topic="scalp_radar:Simulator.PositionClosed")
    def close_position(self, key: str, trade: dict[str, Any]) -> None:
        self._settle(key, trade)

    # -- entry guards (runners ask before opening) ------------------------------------------
    def entry_block(self, key: str, adding: bool) -> EntryRefusal | None:
        """Why runner ``key`` may not open now (None when it may). ``adding``: a level added
        to a grid already open, which the regime filter and the operator's halt allow (they
        only block new grids and positions: a grid already open goes on to its exits)."""
        if self.kill is not None:
            return EntryRefusal.KILL_SWITCH
        runner = self.runners[key]
        if runner.trip is not None:
            return EntryRefusal.KILL_SWITCH
        if not runner.enabled:
            return EntryRefusal.DISABLED
        if not adding and self.entries_halted:
            return EntryRefusal.HALTED
        if not adding and EntryRefusal.REGIME in runner.blocked:
            return EntryRefusal.REGIME
        return None

    def refuse_entry(self, key: str, reason: EntryRefusal, ts: int) -> None:
        """Records a refused entry once per episode (the block lifts when an entry opens)."""
        if reason not in self.runners[key].blocked:
            self._entry_blocked(key=key, reason=reason.value, ts=ts)

    def set_regime(self, key: str, regime: str, blocked: bool, ts: int) -> None:
        """The regime filter's decision for a runner, recorded only when it changes."""
        was_blocked = EntryRefusal.REGIME in self.runners[key].blocked
        if blocked and not was_blocked:
            self._entry_blocked(key=key, reason=EntryRefusal.REGIME.value, ts=ts, regime=regime)
        elif not blocked and was_blocked:
            self._entry_unblocked(key=key, reason=EntryRefusal.REGIME.value, ts=ts, regime=regime)

    # the events store the refusal's value (a plain string: the transcoder stores builtins)
    @event("EntryBlocked", topic="scalp_radar:Simulator.EntryBlocked")
    def _entry_blocked(self, key: str, reason: str, ts: int, regime: str = "") -> None:
        self.runners[key].blocked[EntryRefusal(reason)] = ts

    @event("EntryUnblocked", topic="scalp_radar:Simulator.EntryUnblocked")
    def _entry_unblocked(self, key: str, reason: str, ts: int, regime: str = "") -> None:
        self.runners[key].blocked.pop(EntryRefusal(reason), None)

    def warn_collision(self, key: str, ts: int) -> None:
        """A runner opens on a symbol another runner already holds: in live trading the
        exchange nets both into one position, so paper flags it (and still trades, to stay
        comparable with the backtests)."""
        symbol = self.runners[key].symbol
        for other, runner in self.runners.items():
            if other != key and runner.symbol == symbol and runner.side:
                self._collision(key=key, other=other, symbol=symbol, ts=ts)
                return

    @event("CollisionDetected", topic="scalp_radar:Simulator.CollisionDetected")
    def _collision(self, key: str, other: str, symbol: str, ts: int) -> None:
        pass  # a warning for the journal: no state changes

    # -- paper portfolio set-up --------------------------------------------------------------
    def set_limits(self, limits: Limits) -> None:
        self._limits_set(limits=limits.record())

    @event("RiskLimitsSet", topic="scalp_radar:Simulator.RiskLimitsSet")
    def _limits_set(self, limits: dict[str, Any]) -> None:
        self.limits = Limits.from_record(limits)

    @event("ExchangeSelected", topic="scalp_radar:Simulator.ExchangeSelected")
    def select_exchange(self, exchange: str, ts: int) -> None:
        """The runners trade ``exchange``'s candles after candle ``ts`` (a portfolio replayed
        on the history venue may go on live on the trading venue)."""
        self.exchange = exchange

    @event("RunnerConfigured", topic="scalp_radar:Simulator.RunnerConfigured")
    def configure_runner(
        self,
        key: str,
        params: dict[str, Any],
        regimes: dict[str, float],
        grace_until: int,
        warmup: int,
        ts: int,
    ) -> None:
        """Parameters, regime profile and grace period of a paper runner; ``warmup`` stored
        candles fed its indicators (they make no decision, so no trade can predate ``ts``)."""
        runner = self.runners[key]
        runner.params, runner.regimes, runner.grace_until = params, regimes, grace_until
        runner.enabled = True
        if runner.start_ts is None:  # the first configuration fixes the warm-up window
            runner.start_ts = ts

    def force_close(
        self, key: str, price: float, fee_rate: float, ts: int, reason: ExitReason
    ) -> None:
        """Close whatever runner ``key`` holds at ``price`` (a market order decided outside the
        runner: the strategy was disabled, or its asset is no longer validated)."""
        runner = self.runners[key]
        if not runner.side:
            return
        trade = build_trade(runner, runner.strategy, runner.symbol, ts, price, fee_rate, reason)
        if runner.kind == "grid":
            self.close_cycle(key, trade.record())
        else:
            self.close_position(key, trade.record())

    @event("RunnerDisabled", topic="scalp_radar:Simulator.RunnerDisabled")
    def disable_runner(self, key: str, reason: str, ts: int) -> None:
        self.runners[key].enabled = False

    # -- the clock and the kill switches ------------------------------------------------------
    def close_candle(self, ts: int, unrealized: dict[str, float], marks: dict[str, float]) -> None:
        """End of candle ``ts`` for the portfolio: check the kill switches on the equity (cash +
        unrealised), then record the equity and the last price of each symbol. ``unrealized``:
        every runner holding a position, at its symbol's last close.

        ``ClockAdvanced`` comes last, after the trips, so that the Simulator at its version
        holds everything candle ``ts`` caused: boot resumes after it and ``replay --at`` cuts
        at it, with one rule and no look at the events that follow."""
        equity = self.cash + sum(unrealized.values())
        limits = self.limits
        if self.kill is None:
            window = self._window_after(ts, equity, limits)
            tripped = global_trip(window, equity, limits)
            if tripped is not None:
                reason, figures = tripped
                self._tripped(scope="global", key="", reason=reason.value, figures=figures, ts=ts)
        for key, runner in self.runners.items():
            if runner.trip is not None or not runner.enabled or ts < runner.grace_until:
                continue
            day_pnl = runner.day_pnl if runner.day == ts // DAY_MS else 0.0
            tripped = runner_trip(
                runner.kind,
                runner.session_pnl,
                day_pnl,
                unrealized.get(key, 0.0),
                self.capital,
                limits,
            )
            if tripped is not None:
                reason, figures = tripped
                self._tripped(scope="runner", key=key, reason=reason.value, figures=figures, ts=ts)
        self._advanced(ts=ts, equity=equity, marks=marks)

    def _window_after(self, ts: int, equity: float, limits: Limits) -> list[list[float]]:
        """The global switch's window once candle ``ts`` closed at ``equity``: the check reads
        it before ``ClockAdvanced`` stores it."""
        horizon = ts - limits.window_ms
        return [row for row in self.window if row[0] > horizon] + [[ts, equity]]

    @event("ClockAdvanced", topic="scalp_radar:Simulator.ClockAdvanced")
    def _advanced(self, ts: int, equity: float, marks: dict[str, float]) -> None:
        self.last_ts = ts
        self.window = self._window_after(ts, equity, self.limits)

    @event("KillSwitchTripped", topic="scalp_radar:Simulator.KillSwitchTripped")
    def _tripped(self, scope: str, key: str, reason: str, figures: dict[str, Any], ts: int) -> None:
        trip = Trip(reason=TripReason(reason), figures=figures, ts=ts)
        if scope == "global":
            self.kill = trip
        else:
            self.runners[key].trip = trip

    def reset_kill_switches(self, request: int, key: str, ts: int) -> ResetDecision:
        """Operator request number ``request``: reset the global switch and every tripped runner
        (``key`` "") or one runner. Refused while the global switch is inside its cooldown
        (market time). Returns what was done (``ResetDecision.text`` for the operator)."""
        if self.kill is not None and not key:
            remaining = self.kill.ts + self.limits.cooldown_ms - ts
            if remaining > 0:
                why = (
                    f"global kill switch is in its cooldown for {remaining / 3_600_000:.1f} h more"
                )
                return self._refuse_reset(request, ResetRefusal.COOLDOWN, why, ts)
        if key and key not in self.runners:
            return self._refuse_reset(
                request, ResetRefusal.UNKNOWN_RUNNER, f"no runner {key!r}", ts
            )
        keys = [k for k, r in self.runners.items() if r.trip is not None and key in ("", k)]
        scopes = (["global"] if self.kill is not None and not key else []) + keys
        self._reset(request=request, scopes=scopes, ts=ts)
        return ResetDecision(scopes=tuple(scopes))

    def _refuse_reset(
        self, request: int, refusal: ResetRefusal, why: str, ts: int
    ) -> ResetDecision:
        self._reset_refused(request=request, reason=why, ts=ts)
        return ResetDecision(refused=refusal, why=why)

    @event("KillSwitchReset", topic="scalp_radar:Simulator.KillSwitchReset")
    def _reset(self, request: int, scopes: list[str], ts: int) -> None:
        """A reset starts a new session: losses count from zero and the drawdown window
        restarts, otherwise the old peak or loss would trip the switch again at once."""
        self.requests_done = request
        for scope in scopes:
            if scope == "global":
                self.kill, self.window = None, []
            else:
                runner = self.runners[scope]
                runner.trip, runner.session_pnl, runner.day_pnl = None, 0.0, 0.0

    @event("KillSwitchResetRefused", topic="scalp_radar:Simulator.KillSwitchResetRefused")
    def _reset_refused(self, request: int, reason: str, ts: int) -> None:
        self.requests_done = request

    # -- operator's halt of new entries -------------------------------------------------------
    def halt_entries(self, request: int, halt: bool, source: str, ts: int) -> None:
        """Operator request number ``request``: stop (``halt``) or allow again new entries.
        Recorded even when it changes nothing (a second stop), so the request is answered."""
        if halt:
            self._entries_halted(request=request, source=source, ts=ts)
        else:
            self._entries_resumed(request=request, source=source, ts=ts)

    @event("EntriesHalted", topic="scalp_radar:Simulator.EntriesHalted")
    def _entries_halted(self, request: int, source: str, ts: int) -> None:
        self.requests_done = request
        if not self.entries_halted:  # a second stop keeps the first one's time
            self.entries_halted, self.halted_ts, self.halted_by = True, ts, source

    @event("EntriesResumed", topic="scalp_radar:Simulator.EntriesResumed")
    def _entries_resumed(self, request: int, source: str, ts: int) -> None:
        self.requests_done = request
        self.entries_halted, self.halted_ts, self.halted_by = False, 0, ""
