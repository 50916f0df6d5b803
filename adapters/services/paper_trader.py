"""Paper trading: one Simulator aggregate fed closed candles, its decisions saved with them.

Boot is recovery (crash-only, one code path): the Simulator is rebuilt from the store (latest
snapshot + the events after it), the runners from the config and the stored candles, and trading
resumes after the last candle the Simulator recorded (its ``ClockAdvanced`` event). No state
file exists; a process killed at any moment restarts where its last transaction ended.

Per candle open time ``ts``, for every runner whose market has a candle then: the candle passes
the guard (``domain.candle_guard``), the regime filter is re-evaluated on a new UTC day, the
runner steps (its decisions become Simulator events); then ``Simulator.close_candle`` records
the equity and the marks and checks the kill switches. The events of a batch of candles (one UTC
day in a fast replay, one candle otherwise) are saved in one transaction together with the
``ClockAdvanced`` events that name those candles, so no decision is ever stored without the
candle that caused it, and a crash loses whole candles only, which the restart recomputes
identically.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from eventsourcing.application import AggregateNotFoundError

from adapters.exchanges.live_feed import ClosedCandle, LiveFeed
from adapters.services.backtest import BacktestRequest, account, costs, load_market
from adapters.services.engine import Engine
from adapters.services.runner_specs import RunnerSpec, runner_specs
from adapters.services.traded_contract import VenueContracts
from adapters.store.operator_log import OperatorLog
from adapters.text.timefmt import fmt_ts
from config.settings import Settings
from domain.backtest import make_runner
from domain.candle_guard import CandleGuard
from domain.grid_runner import GridRunner
from domain.market import Market
from domain.mono_runner import MonoRunner
from domain.names import checked_name
from domain.operator import EntriesHaltRequested, FlattenRequested, halt_text
from domain.simulator import DAY_MS, Simulator
from domain.strategies import strategy as strategy_spec
from domain.strategies.plans import MarketArrays
from domain.trades import ExitReason
from optimization.regimes import regime_before

log = logging.getLogger("scalp_radar.paper")
Runner = GridRunner | MonoRunner
SNAPSHOT_EVERY = 500  # Simulator events between snapshots: boot replays at most this many


class PaperError(Exception):
    """Paper trading cannot start (bad period, no data): one line, CLI exit code 2."""


@dataclass
class Slot:
    """One runner and the candles it trades on."""

    spec: RunnerSpec
    runner: Runner
    market: MarketArrays
    cursor: int  # index of the next candle to step
    closes: tuple[np.ndarray, np.ndarray]  # full stored (ts, close) history for the regime
    regime_day: int = -1

    def row(self, i: int) -> tuple[int, float, float, float, float, float]:
        m = self.market
        values = (m.open[i], m.high[i], m.low[i], m.close[i], m.volume[i])
        return (int(m.ts[i]), *(float(v) for v in values))


@dataclass
class ReplayReport:
    candles: int = 0
    rejected: int = 0
    events: int = 0
    seconds: float = 0.0
    resumed_from: int = 0


class PaperTrader:
    """Application service of one paper portfolio (``portfolio`` names its Simulator)."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        portfolio: str = "paper",
        exchange: str | None = None,
        on_note: Callable[[str], None] | None = None,
        no_specs: bool = False,
        specs: Callable[[Settings, Any], list[RunnerSpec]] = runner_specs,
        live_start: bool = False,
        data: Engine | None = None,
    ) -> None:
        self.engine, self.settings, self.portfolio = engine, settings, portfolio
        self.store = engine.store
        # where the candles, funding, contract specs and research are read (default: the
        # engine the decisions are written to; a portfolio backtest writes to a scratch store)
        self.data = data or engine
        self.exchange = exchange or settings.exchanges.history_exchange
        # the runners obey the trading venue's contracts, as the backtests do
        self.contracts = VenueContracts.of(settings, no_specs)
        self.on_note = on_note or log.info
        self.requests = OperatorLog(self.store, portfolio)
        # the name becomes the aggregate's id and the lock file's name (backtests name their
        # in-memory Simulator themselves)
        self.sim_id = Simulator.create_id(checked_name("portfolio", portfolio))
        self.slots: list[Slot] = []
        self.guard = CandleGuard()
        self.marks: dict[str, float] = {}
        self.feed_guard = CandleGuard()  # live candles, per market, before they join a slot
        self.sizing = account(settings)
        self.sim: Simulator | None = None
        self._snapshot_version = 0
        # which runners trade (live trading keeps only its graded ``live: true`` ones)
        self.specs = specs
        # a live shadow starts at the candle still forming: no stored candle of the period yet
        self.live_start = live_start

    # -- boot -----------------------------------------------------------------------------------
    def load(self) -> Simulator | None:
        try:
            return self.store.repository.get(self.sim_id)
        except AggregateNotFoundError:
            return None

    def boot(self, start_ms: int | None, end_ms: int | None) -> Simulator:
        """Rebuild (or create) the Simulator, reconcile its runners with the config, and build
        the runners over the stored candles up to ``end_ms``. ``start_ms`` is where a new
        portfolio (or a runner new to it) starts trading."""
        self.data.project()  # the regime profiles come from the research read model
        sim = self.load()
        if sim is None:
            if start_ms is None:
                raise PaperError(f"portfolio {self.portfolio!r} is new: give the start (--from)")
            risk = self.settings.risk
            sim = Simulator(
                name=self.portfolio,
                capital=risk.initial_capital,
                max_margin_ratio=risk.max_margin_ratio,
            )
        self._snapshot_version = sim.version
        limits = self.settings.risk.kill_switch
        if sim.limits != limits:
            sim.set_limits(limits)
        if sim.exchange != self.exchange:
            sim.select_exchange(exchange=self.exchange, ts=sim.last_ts)
        specs = self.specs(self.settings, self.data.research_reader())
        self._retire(sim, {spec.key for spec in specs})
        resume = max(start_ms or 0, sim.last_ts + 1)
        # equal allocation: capital / runners per runner, capped per asset (the seed's
        # portfolio mode)
        self.sizing = replace(account(self.settings), assets=max(len(specs), 1))
        self.slots = [self._slot(sim, spec, resume, end_ms) for spec in specs]
        self.marks = {s.spec.symbol: float(s.market.close[s.cursor - 1]) for s in self.slots}
        self.guard = CandleGuard({s.spec.key: int(s.market.ts[s.cursor - 1]) for s in self.slots})
        newest = {f"{s.spec.symbol} {s.spec.timeframe}": int(s.market.ts[-1]) for s in self.slots}
        self.feed_guard = CandleGuard(newest)
        self.handle_requests(sim)
        self.save(sim)
        self.sim = sim
        return sim

    def _slot(self, sim: Simulator, spec: RunnerSpec, resume: int, end_ms: int | None) -> Slot:
        """The runner of ``spec`` over its stored candles."""
        known = sim.runners.get(spec.key)
        start_ms = known.start_ts if known and known.start_ts is not None else resume
        request = BacktestRequest(
            spec.strategy, spec.symbol, spec.timeframe, self.exchange, start_ms, end_ms
        )
        strategy = strategy_spec(spec.strategy)
        try:
            loaded = load_market(
                self.data.market_reader(),
                request,
                spec.timeframe,
                strategy.warmup(spec.params),
                strategy.needs,
                self.contracts,
                min_period=0 if self.live_start else 2,
            )
        except ValueError as exc:
            raise PaperError(f"{spec.key}: {exc}") from None
        market, start = loaded.market, loaded.start
        runner = self.runner_for(sim, spec, market)
        cursor = max(start, int(np.searchsorted(market.ts, sim.last_ts, side="right")))
        state = sim.runners[spec.key]
        if not known or not state.enabled or state.params != spec.record:
            self._configure(sim, spec, market, start, cursor, known is not None)
        closes = self._closes(spec.symbol, spec.timeframe, end_ms)
        return Slot(spec, runner, market, cursor, closes)

    def _configure(
        self,
        sim: Simulator,
        spec: RunnerSpec,
        market: MarketArrays,
        start: int,
        cursor: int,
        known: bool,
    ) -> None:
        """(Re)configure a runner from its next candle on; a known runner whose parameters
        changed while nothing is left to trade is reconfigured at its last candle."""
        if cursor >= len(market) and not known and not self.live_start:
            raise PaperError(f"{spec.key}: no stored candle after the start to trade on")
        if cursor < len(market) or not self.live_start:
            ts = int(market.ts[min(cursor, len(market) - 1)])
        else:  # live, before the first traded candle exists: it is the next one
            ts = int(market.ts[-1]) + market.tf_ms
        grace = self.settings.risk.kill_switch.grace_period_candles * market.tf_ms
        sim.configure_runner(
            key=spec.key,
            params=spec.record,
            regimes=spec.regimes,
            grace_until=ts + grace,
            warmup=start,
            ts=ts,
        )

    def _closes(
        self, symbol: str, timeframe: str, end_ms: int | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(open times, closes) of the stored candles opened before ``end_ms`` (exclusive)."""
        reader = self.data.market_reader()
        info = reader.find(self.exchange, symbol, timeframe)
        candles = reader.candles(info.series_id, end=end_ms)
        return candles.ts, candles.close

    def _retire(self, sim: Simulator, wanted: set[str]) -> None:
        """Runners the config no longer enables close what they hold (market order at the close
        of the last candle processed, taker fee and slippage) and are disabled, each with an
        explicit event."""
        for key, state in list(sim.runners.items()):
            if key in wanted or not state.enabled:
                continue
            self._close_now(sim, key, ExitReason.DISABLED)
            sim.disable_runner(key=key, reason="no longer enabled in the config", ts=sim.last_ts)
            self.on_note(f"{key}: disabled (its position, if any, closed at the last price)")

    def _close_now(self, sim: Simulator, key: str, reason: ExitReason) -> bool:
        """Close what runner ``key`` holds by a market order at the close of the last candle
        processed (taker fee and slippage); False when it holds nothing."""
        state = sim.runners[key]
        if not state.side:
            return False
        fees = costs(self.settings)
        # the candle opened at last_ts was processed: the exclusive end goes past it
        _, closes = self._closes(state.symbol, state.params["timeframe"], sim.last_ts + 1)
        fill = float(closes[-1]) * (1.0 - state.side * fees.slippage)
        sim.force_close(key, fill, fees.taker, sim.last_ts, reason)
        return True

    # -- operator requests ----------------------------------------------------------------------
    def handle_requests(self, sim: Simulator) -> None:
        """Answer the operator's requests (resets, halts of new entries, flattens) in their
        order."""
        for request in self.requests.pending(sim.requests_done):
            number = request.originator_version
            if isinstance(request, EntriesHaltRequested):
                sim.halt_entries(number, request.halt, request.source, sim.last_ts)
                self.on_note(f"entries request #{number}: {halt_text(request.halt)}")
                continue
            if isinstance(request, FlattenRequested):
                self._flatten(sim, number, request.source)
                continue
            outcome = sim.reset_kill_switches(number, request.key, sim.last_ts)
            self.on_note(f"kill-switch reset request #{number}: {outcome.text}")

    def _flatten(self, sim: Simulator, number: int, source: str) -> None:
        """Close every position at the last price, then stop new entries (the halt's event
        marks the request done), so the portfolio stays flat until entries are allowed."""
        flat = ExitReason.FLATTENED
        closed = [key for key in list(sim.runners) if self._close_now(sim, key, flat)]
        sim.halt_entries(number, True, source, sim.last_ts)
        what = ", ".join(closed) or "nothing was open"
        self.on_note(f"flatten request #{number}: closed {what}; new entries stopped")

    # -- stepping -------------------------------------------------------------------------------
    def timeline(self, end_ms: int | None) -> list[int]:
        """Open times still to process, across every runner's market, in order."""
        stamps = [s.market.ts[s.cursor :] for s in self.slots]
        merged = np.unique(np.concatenate(stamps)) if stamps else np.empty(0, np.int64)
        if end_ms is not None:
            merged = merged[merged < end_ms]  # like backtests: --to is exclusive
        return merged.tolist()

    def step(self, sim: Simulator, ts: int) -> int:
        """Process candle open time ``ts`` for every runner; returns the candles rejected."""
        rejected = 0
        marks: dict[str, float] = {}
        for slot in self.slots:
            i = slot.cursor
            if i >= len(slot.market) or slot.market.ts[i] != ts:
                continue
            slot.cursor += 1
            row = slot.row(i)
            problem = self.guard.check(slot.spec.key, row, slot.market.tf_ms)
            if problem is not None:
                log.warning("%s: candle at %d rejected: %s", slot.spec.key, ts, problem)
                rejected += 1
                continue
            self._regime(sim, slot, ts)
            slot.runner.step(i)
            marks[slot.spec.symbol] = self.marks[slot.spec.symbol] = row[4]
        unrealized = {
            s.spec.key: s.runner.unrealized(self.marks[s.spec.symbol])
            for s in self.slots
            if s.runner.state.side
        }
        sim.close_candle(ts, unrealized, marks)
        return rejected

    def _regime(self, sim: Simulator, slot: Slot, ts: int) -> None:
        day = ts // DAY_MS
        spec = slot.spec
        if (
            day == slot.regime_day
            or not spec.regimes
            or not self.settings.risk.regime_filter_enabled
        ):
            return
        slot.regime_day = day
        closes_ts, closes = slot.closes
        name = regime_before(
            closes_ts, closes, day * DAY_MS, spec.regime_window_ms, slot.market.tf_ms
        )
        sim.set_regime(spec.key, name, spec.regimes.get(name, 0.0) < 0, ts)

    # -- persistence ----------------------------------------------------------------------------
    def save(self, sim: Simulator, *candle_events: Any, also: Sequence[Any] = ()) -> int:
        """Save pending decisions (and, live, the candles that caused them and the order
        intents they caused, ``also``) in one transaction. A failed save leaves the in-memory
        aggregates ahead of the store: they must be dropped, so the error propagates and the
        caller reboots from the store."""
        pending = len(sim.pending_events)
        if not pending and not candle_events and not also:
            return 0
        self.store.save(*candle_events, sim, *also)
        if sim.version - self._snapshot_version >= SNAPSHOT_EVERY:
            self.store.snapshots.put([Simulator.Snapshot.take(sim)])
            self._snapshot_version = sim.version
        return pending

    def replay(
        self,
        start_ms: int | None,
        end_ms: int | None,
        speed: float | None = None,
        on_batch: Callable[[int, int], None] | None = None,
        after_step: Callable[[Simulator, int], None] | None = None,
    ) -> ReplayReport:
        """Replay stored candles as paper trading. ``speed``: market time per wall time
        (3600 = one hour of candles per second); None runs as fast as possible.
        ``after_step(sim, ts)`` runs after each candle's close (a portfolio backtest samples
        the portfolio there and plays the operator's resets)."""
        began = time.perf_counter()
        sim = self.boot(start_ms, end_ms)
        report = ReplayReport(resumed_from=sim.last_ts)
        stamps = self.timeline(end_ms)
        paced_from = time.perf_counter()  # market time starts at the first candle, after boot
        for batch in _batches(stamps, one_per_candle=speed is not None):
            self.handle_requests(sim)
            for ts in batch:
                report.rejected += self.step(sim, ts)
                if after_step is not None:
                    after_step(sim, ts)
                report.candles += sum(1 for s in self.slots if s.market.ts[s.cursor - 1] == ts)
            report.events += self.save(sim)
            if on_batch is not None:
                on_batch(len(batch), len(stamps))
            if speed:
                _pace(batch, speed, paced_from, stamps[0])
        report.seconds = time.perf_counter() - began
        return report

    # -- live -----------------------------------------------------------------------------------
    async def live(
        self,
        feed: LiveFeed,
        on_saved: Callable[[], object] | None = None,
        watch: Callable[[], object] | None = None,
        every_s: float = 60.0,
    ) -> None:
        """Trade the feed's closed candles until it ends (``boot`` or ``replay`` first);
        ``on_saved`` runs after each batch is stored (the CLI projects the read models);
        ``watch`` every ``every_s`` seconds meanwhile (the watchdog: a market that stops
        sends nothing, so only a clock can notice it)."""
        if self.sim is None:
            raise PaperError("boot the portfolio before going live")
        watching = asyncio.ensure_future(_every(every_s, watch)) if watch else None
        try:
            async for closed in feed.closed_candles():
                self.take_closed(self.sim, closed)
                if on_saved is not None:
                    on_saved()
        finally:
            if watching is not None:
                watching.cancel()

    def take_closed(
        self,
        sim: Simulator,
        closed: list[ClosedCandle],
        intents: Callable[[int], Sequence[Any]] | None = None,
    ) -> int:
        """Closed candles from a live feed: each sound one joins its runners' history, is
        stepped, and is saved in one transaction with the decisions it caused (one transaction
        per candle time). ``intents(ts)``, called after the step, returns further aggregates
        to save in that transaction (live trading: the executor with the orders the decisions
        cause). Returns the candles rejected."""
        rejected = 0
        by_ts: dict[int, list[ClosedCandle]] = {}
        for candle in sorted(closed, key=lambda c: c.row[0]):
            label = f"{candle.market.symbol} {candle.market.timeframe}"
            problem = self.feed_guard.check(label, candle.row, candle.market.tf_ms)
            if problem is not None:
                where = f"{candle.market.exchange} {label} at {fmt_ts(int(candle.row[0]))}"
                log.warning("%s: live candle rejected: %s", where, problem)
                rejected += 1
                continue
            by_ts.setdefault(int(candle.row[0]), []).append(candle)
        for ts, candles in by_ts.items():
            pending = []
            for candle in candles:
                for slot in self._slots_on(candle.market):
                    self._extend(sim, slot, candle.row)
                pending.append(self.engine.market_data.pending_candles(candle.market, [candle.row]))
            self.handle_requests(sim)
            rejected += self.step(sim, ts)
            also = intents(ts) if intents is not None else ()
            self.save(sim, *(event for p in pending for event in p.events), also=also)
            for p in pending:
                p.stored()
        return rejected

    def _slots_on(self, market: Market) -> list[Slot]:
        return [
            s
            for s in self.slots
            if s.spec.symbol == market.symbol and s.spec.timeframe == market.timeframe
        ]

    def _extend(self, sim: Simulator, slot: Slot, row: tuple) -> None:
        """Append a live candle to a runner's history and rebuild its plan over it (plans are
        causal: the rebuilt rows before it are unchanged). Live funding is not streamed."""
        slot.market = slot.market.appended(row)
        slot.runner = self.runner_for(sim, slot.spec, slot.market)
        slot.closes = (np.append(slot.closes[0], row[0]), np.append(slot.closes[1], row[4]))

    def runner_for(self, sim: Simulator, spec: RunnerSpec, market: MarketArrays) -> Runner:
        plan = strategy_spec(spec.strategy).build(market, spec.params)
        return make_runner(
            sim,
            spec.key,
            spec.strategy,
            spec.symbol,
            plan,
            market,
            spec.params,
            costs(self.settings),
            self.sizing,
        )


def _batches(stamps: list[int], one_per_candle: bool) -> Iterator[list[int]]:
    """Candles grouped per UTC day (or one by one): the grouping depends on the candles only,
    so a run resumed after a crash writes the same transactions as an uninterrupted one."""
    batch: list[int] = []
    for ts in stamps:
        if batch and (one_per_candle or ts // DAY_MS != batch[0] // DAY_MS):
            yield batch
            batch = []
        batch.append(ts)
    if batch:
        yield batch


def _pace(batch: list[int], speed: float, began: float, first_ts: int) -> None:
    due = (batch[-1] - first_ts) / 1000.0 / speed
    wait = due - (time.perf_counter() - began)
    if wait > 0:
        time.sleep(wait)


async def _every(seconds: float, call: Callable[[], object]) -> None:
    while True:
        call()
        await asyncio.sleep(seconds)
