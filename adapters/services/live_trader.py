"""Live trading: the paper Simulator on the venue's candles (the shadow) and the Executor.

The shadow decides, the executor orders, the venue fills:

1. At the close of a candle the shadow steps it (``PaperTrader.take_closed``) and every runner
   says what must rest during the next candle (``GridRunner.book``). The executor compares that
   book with what rests on the venue and records the steps (orders to place, cancels, stop
   moves) **in the same transaction** as the candle and the shadow's decisions.
2. Then the steps are sent, each answer saved as it comes: stops first, then cancels, then new
   orders. Nothing is sent that was not recorded first, so a crash between a record and its
   answer leaves a request boot looks up by its ``client_oid``.
3. Fills come from the venue's fill list (``fills``), each booked once. After fills, every
   position gets its exchange-side stop within the same reaction; a position that went flat
   has its entries and take-profit cancelled (a candle that closes a grid opens nothing); a
   grid that opened a side cancels the other side's levels.
4. Boot is reconciliation (``reconcile``): requests without answers are looked up, fills since
   the last booked one are booked, the venue's positions and orders are compared with the
   executor's; orphans are cancelled, unknown positions adopted, protected and their symbol
   halted, positions the venue closed without a fill to explain it halt their symbol.

The venue is driven by ``run`` (real time: book fills and fetch closed candles every few
seconds, at once when the order stream signals) or by ``rehearse`` (the local Bitget's lockstep
clock: react after every fill pause, trade every candle pause).

The parts live beside this module: ``live_decisions`` (books into recorded order steps, the
global margin guard), ``live_sending`` (the steps to the venue, its answers recorded) and
``live_reconcile`` (boot); ``LiveTrader`` holds the state they share.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from adapters.exchanges.account_vocabulary import (
    BadVenueAnswer,
    RateLimited,
    VenueUnreachable,
)
from adapters.exchanges.bitget_account import BitgetAccount
from adapters.exchanges.live_feed import ClosedCandle
from adapters.services.engine import Engine
from adapters.services.live_decisions import Decisions, Runner
from adapters.services.live_reconcile import Reconciliation
from adapters.services.live_runners import live_settings, live_specs
from adapters.services.live_sending import Sending
from adapters.services.paper_trader import SNAPSHOT_EVERY, PaperTrader, Slot
from adapters.services.runner_specs import RunnerSpec
from adapters.store.operator_log import OperatorLog
from config.settings import Settings
from domain.account_guard import account_trip
from domain.contracts import floor_to_step
from domain.executor import Executor
from domain.live_orders import LiveOrder, LivePosition, OrderStatus
from domain.market import Market
from domain.runner_book import OrderRole, RunnerBook
from domain.strategies import strategy as strategy_spec

log = logging.getLogger("scalp_radar.live")
CANDLE_PAGE = 200
REACTION_TRIES = 5  # bad answers in a row before the process stops (crash-only: restart)


ACCOUNT_KILL_SWITCH = "account kill switch"  # the source of the requests it makes
BALANCE_EVERY_MS = 5 * 60_000  # the balance is asked this often in real time (funding, fees)


class LiveError(Exception):
    """Live trading cannot start: one line, CLI exit code 2."""


class LiveTrader(Reconciliation, Decisions, Sending):
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        account: BitgetAccount,
        account_name: str,
        portfolio: str = "live",
        clock: Callable[[], int] | None = None,
        on_note: Callable[[str], None] | None = None,
        specs: Callable[[Settings, Any], list[RunnerSpec]] = live_specs,
    ) -> None:
        settings = live_settings(settings)  # the live capital cap, for the shadow's sizing too
        self.engine, self.settings, self.account = engine, settings, account
        self.venue = settings.exchanges.trading_exchange
        self.account_name = account_name
        self.on_note = on_note or log.info
        self.shadow = PaperTrader(
            engine, settings, portfolio, self.venue, on_note=self.on_note, specs=specs,
            live_start=True,
        )  # fmt: skip
        self.executor_id = Executor.create_id(account_name)
        self.executor: Executor | None = None
        self.clock = clock or (lambda: int(time.time() * 1000))
        self._stop_refusals: dict[str, int] = {}  # symbol -> stops refused in a row
        self._snapshot_version = 0
        # the candle in progress: each symbol's book, and the symbols that may open nothing
        # more in it (closed, closing or halted)
        self._books: dict[str, tuple[RunnerBook, Runner]] = {}
        self._done: set[str] = set()
        self._closing: set[str] = set()  # symbols closed at this candle's open
        self._market_sent: set[str] = set()  # symbols a market order was just sent on

    # -- boot = reconciliation ------------------------------------------------------------------
    def boot(self, start_ms: int | None) -> Executor:
        """Catch the candles up from the venue, rebuild the shadow and the executor, reconcile,
        prepare the symbols (one-way mode, isolated margin, leverage while flat), then rest
        the next candle's orders."""
        self.catch_up(start_ms)
        sim = self.shadow.boot(start_ms, None)
        if not self.shadow.slots:
            raise LiveError("no runner goes live (see `scalp-radar live --dry-run`)")
        # candles the venue closed while the process was down (or stored just before a
        # crash): the venue traded them with the orders resting then; the shadow steps them
        for ts in self.shadow.timeline(None):
            self.shadow.step(sim, ts)
            self.shadow.save(sim)
        self.executor = self._load_executor()
        self._save()
        self.account.markets()
        self.reconcile()
        held = {p.symbol for p in self.account.positions()}
        for slot in self.shadow.slots:
            symbol = slot.spec.symbol
            leverage = int(slot.spec.params.leverage)
            self.account.prepare(symbol, leverage, symbol not in held, account_flat=not held)
        self._decide(self._next_books())
        self._save(sim)
        self.execute()
        return self.executor

    def catch_up(self, start_ms: int | None) -> None:
        """Store the venue's closed candles the runners need: from the last stored one, or
        from their warm-up before ``start_ms`` on a new home."""
        specs = self.shadow.specs(self.settings, self.engine.research_reader())
        for spec in specs:
            market = Market(self.venue, spec.symbol, spec.timeframe)
            warmup = strategy_spec(spec.strategy).warmup(spec.params) + 1
            since = None if start_ms is None else start_ms - warmup * market.tf_ms
            rows = [c.row for c in self._venue_candles(market, since)]
            self.engine.market_data.append_candles(market, rows)

    def _venue_candles(self, market: Market, since: int | None) -> list[ClosedCandle]:
        """The venue's candles closed after the last stored one (or from ``since``), in pages
        of ``CANDLE_PAGE``: the largest page both of Bitget's candle endpoints serve, so ccxt's
        choice between them (by the wall clock, which a rehearsal is far behind) is harmless."""
        last = self.engine.market_data.last_candle_ts(market)
        want = last + market.tf_ms if last is not None else since
        if want is None:
            raise LiveError(f"{market.symbol}: no stored candle and no start to fetch from")
        now, closed = self.clock(), []
        while want + market.tf_ms <= now:
            rows = self.account.public.fetch_ohlcv(
                market.symbol, market.timeframe, want, CANDLE_PAGE
            )
            fresh = [r for r in rows if int(r[0]) >= want and int(r[0]) + market.tf_ms <= now]
            if not fresh:
                break
            closed += [ClosedCandle(market, _row(r)) for r in fresh]
            want = int(fresh[-1][0]) + market.tf_ms
        return closed

    # -- the venue's clock ----------------------------------------------------------------------
    def run(
        self,
        poll_s: float,
        stop: Callable[[], bool] = lambda: False,
        wait: Callable[[float], None] = time.sleep,
        watch: Callable[[], object] = lambda: None,
    ) -> None:
        """Real time: book the fills (REST, the truth) and react, then trade the candles the
        venue closed meanwhile; again when ``wait`` returns: at the latest after ``poll_s``,
        at once when the order stream signals activity or a reconnect (``StreamWaker.wait``:
        the REST backfill then runs before anything trusts the stream). ``watch`` after each
        round (the watchdog)."""
        checked = self.clock()
        while not stop():
            self._until_done(lambda: self.react(self._symbols()))
            self._until_done(lambda: self.take_candles(self.fetch_closed()))
            if self.clock() - checked >= BALANCE_EVERY_MS:  # between candles too
                self._until_done(self._refresh_balance)
                checked = self.clock()
            watch()
            wait(poll_s)

    def rehearse(self, step: Callable[[], dict[str, Any]], candles: int | None = None) -> int:
        """Trade against the local Bitget's lockstep clock: ``step`` advances it to its next
        pause (``{"paused": "fill" | "candle" | "end", "ts": candle open}``); the venue's
        market time is the clock. Returns the candles traded."""
        traded, now = 0, [self.clock()]
        self.clock = lambda: now[0]
        tf = min(s.market.tf_ms for s in self.shadow.slots)
        while candles is None or traded < candles:
            pause = step()
            if pause["paused"] == "end":
                break
            now[0] = int(pause["ts"]) + (tf if pause["paused"] == "candle" else 0)
            # the venue's clock waits for us: a reaction refused by a bad answer is tried
            # again before the next step, never skipped
            self._until_done(lambda: self.react(self._symbols()))
            if pause["paused"] == "candle":
                self._until_done(lambda: self.take_candles(self.fetch_closed()))
                traded += 1
        return traded

    def _until_done(self, work: Callable[[], object], tries: int = REACTION_TRIES) -> None:
        """``work`` until the venue answers it soundly: a refused answer (malformed, NaN,
        missing field, unreachable) is logged with its reason and nothing is booked from it."""
        for attempt in range(1, tries + 1):
            try:
                work()
                return
            except (BadVenueAnswer, VenueUnreachable, RateLimited) as exc:
                log.warning("venue answer refused (%d/%d): %s", attempt, tries, exc)
                self._reload()
        raise LiveError(f"the venue answered badly {tries} times in a row; stopped")

    def _reload(self) -> None:
        """Drop the in-memory executor for the stored one (a failed reaction may have left
        unsaved changes: the store is the truth)."""
        self.executor = self._load_executor()

    def resume(self, symbol: str) -> None:
        """An operator resolved a halted symbol: it trades again from the next candle."""
        ex = self.executor = self._load_executor()
        if symbol not in ex.halted:
            raise LiveError(f"{symbol} is not halted ({', '.join(ex.halted) or 'none is'})")
        ex.resume(symbol=symbol, ts=self.clock())
        self._save()

    def fetch_closed(self) -> list[ClosedCandle]:
        """The candles the venue closed since the last one stored, per traded market."""
        return [c for m in self._markets() for c in self._venue_candles(m, None)]

    def take_candles(self, closed: list[ClosedCandle]) -> None:
        """Closed candles: the shadow steps them; at the newest, the executor records what
        the next candle needs, in the same transaction; then the steps are sent."""
        if not closed or self.shadow.sim is None:
            return
        newest = max(int(c.row[0]) for c in closed)

        def intents(ts: int) -> list[Executor]:
            if ts == newest:
                self._decide(self._next_books())
            return [self._ex()]

        self.shadow.take_closed(self.shadow.sim, closed, intents=intents)
        self.execute()
        self._refresh_balance()
        self.engine.project()

    def _refresh_balance(self) -> None:
        """The account's balance, asked at each candle and every ``BALANCE_EVERY_MS`` of
        ``run``, recorded when it changed (with an alert when no trade explains the move)."""
        ex, balance = self._ex(), self.account.balance()
        if (balance.total, balance.free) != tuple(ex.balance[:2]):
            alert_pct = self.settings.risk.live_balance_alert_percent
            move = ex.refresh_balance(balance.total, balance.free, self.clock(), alert_pct)
            self._save()
            if move is not None:
                self.on_note(
                    f"balance moved {move.change_pct:+.1f} % with no trade: "
                    f"{move.before:,.2f} -> {move.after:,.2f}"
                )
            self._guard_account(ex)

    def _guard_account(self, ex: Executor) -> None:
        """The account kill switch (``domain.account_guard``): a trip is recorded, then the
        operator's own request (stop new entries, or flatten) goes to the shadow's log, which
        answers it at its next step, as it would a person's."""
        limits = self.settings.risk.live_kill_switch
        trip = account_trip(ex.balance_history, limits, self.clock())
        if trip is None:
            return
        ex.account_kill_switch_tripped(
            peak=trip.peak, total=trip.total, drawdown_pct=trip.drawdown_pct,
            threshold_pct=limits.drawdown_percent, flatten=limits.flatten, ts=self.clock(),
        )  # fmt: skip
        self._save()
        requests = OperatorLog(self.engine.store, self.shadow.portfolio)
        if limits.flatten:
            requests.request_flatten(ACCOUNT_KILL_SWITCH)
        else:
            requests.request_halt(True, ACCOUNT_KILL_SWITCH)
        self.on_note(
            f"account kill switch: balance {trip.total:,.2f} is {trip.drawdown_pct:.1f} % below "
            f"{trip.peak:,.2f}: {'flatten' if limits.flatten else 'new entries stopped'}"
        )

    # -- deciding -------------------------------------------------------------------------------
    def _next_books(self) -> dict[str, tuple[RunnerBook, Runner]]:
        """Per symbol, the runner's book for the candle after the last one stepped."""
        books = {}
        for slot in self.shadow.slots:
            runner = self._next_candle_runner(slot)
            books[slot.spec.symbol] = (runner.book(len(slot.market)), runner)
        return books

    def _runner_now(self, slot: Slot | None) -> Runner | None:
        """The runner of the candle in progress: the one its book came from (a plan is rebuilt
        over the whole history, once a candle, not at every fill), else built (at boot)."""
        if slot is None:
            return None
        booked = self._books.get(slot.spec.symbol)
        return booked[1] if booked is not None else self._next_candle_runner(slot)

    def _next_candle_runner(self, slot: Slot) -> Runner:
        """The slot's runner over its candles plus a placeholder for the next one (its plan
        row is known from the candles before it; no price of the placeholder is read)."""
        m = slot.market
        last = float(m.close[-1])
        placeholder = (int(m.ts[-1]) + m.tf_ms, last, last, last, last, 0.0)
        return self.shadow.runner_for(self.shadow.sim, slot.spec, m.appended(placeholder))

    # -- reacting to fills ----------------------------------------------------------------------
    def poll_fills(self, symbols: Iterable[str]) -> int:
        """Book the venue's fills since the newest booked per symbol; returns how many."""
        ex, booked = self._ex(), 0
        for symbol in sorted(symbols):
            since = ex.last_fill_ts.get(symbol, 0)
            for f in self.account.fills(symbol, since):
                side = 1 if f.side == "buy" else -1
                booked += ex.book_fill(f.id, f.order_id, symbol, side, f.price, f.qty, f.fee, f.ts)
        self._save()
        return booked

    def react(self, symbols: Iterable[str]) -> None:
        """After fills: stops for every position, a flat symbol's entries and take-profit
        cancelled, the other side's levels of a grid that opened cancelled; then sent."""
        symbols = set(symbols)
        ex = self._ex()
        held = set(ex.positions)
        self.poll_fills(symbols)
        self._halt_foreign()
        runners = {s.spec.symbol: s for s in self.shadow.slots}
        for symbol in sorted(symbols):
            pos = ex.positions.get(symbol)
            if pos is None:
                if symbol in held:  # closed by these fills: nothing more this candle
                    self._done.add(symbol)
                    self._cancel_roles(self._orders(symbol), (OrderRole.TAKE_PROFIT,), "closed")
                continue
            runner = self._runner_now(runners.get(symbol))
            self._protect(symbol, pos, runner, None)
            if runner is not None:
                self._entry_take_profit(symbol, pos, runner)
        self._gate_entries()
        self._save()
        self.execute()

    def _load_executor(self) -> Executor:
        try:
            executor = self.engine.store.repository.get(self.executor_id)
        except AggregateNotFoundError:
            executor = Executor(account=self.account_name, venue=self.venue)
        self._snapshot_version = executor.version
        return executor

    # -- records --------------------------------------------------------------------------------
    def _request(
        self,
        key: str,
        symbol: str,
        role: OrderRole,
        side: int,
        qty: float,
        ts: int,
        **fields: Any,
    ) -> LiveOrder:
        order = LiveOrder(
            client_oid="", symbol=symbol, key=key, role=role, side=side, qty=qty, ts=ts, **fields
        )
        return self._ex().request(order)

    def _cancel_request(self, order: LiveOrder, why: str) -> None:
        ex = self._ex()
        if order.status == OrderStatus.REQUESTED:
            # never sent: dropping the record is the cancel (no venue call to make)
            ex.cancelled(oid=order.client_oid, why=why, ts=self.clock())
        else:
            ex.cancel_requested(oid=order.client_oid, why=why, ts=self.clock())

    def _cancel_roles(self, orders: list[LiveOrder], roles: tuple, why: str) -> None:
        for order in orders:
            if order.role in roles:
                self._cancel_request(order, why)

    def _save(self, *others: Any) -> None:
        ex = self._ex()
        if ex.pending_events or any(o.pending_events for o in others):
            self.engine.store.save(*others, ex)
        if ex.version - self._snapshot_version >= SNAPSHOT_EVERY:
            # boot replays at most this many executor events (taken from memory, after save)
            self.engine.store.snapshots.put([Executor.Snapshot.take(ex)])
            self._snapshot_version = ex.version

    def _ex(self) -> Executor:
        if self.executor is None:
            raise LiveError("boot the live trader first")
        return self.executor

    def _held(self, symbol: str, pos: LivePosition) -> float:
        """The position's size on the contract's step: a sum of fills carries binary
        round-off (0.97 + 0.99 + 1.01 = 2.9699999999999998), which the venue's precision
        would floor a whole step down, leaving a remainder no order closes."""
        step = next(
            (s.market.contract.step for s in self.shadow.slots if s.spec.symbol == symbol), 0.0
        )
        return floor_to_step(pos.qty, step)

    def _symbols(self) -> set[str]:
        return {s.spec.symbol for s in self.shadow.slots}

    def _markets(self) -> list[Market]:
        seen = {Market(self.venue, s.spec.symbol, s.spec.timeframe) for s in self.shadow.slots}
        return sorted(seen, key=lambda m: (m.symbol, m.timeframe))


def _row(raw: list[Any]) -> tuple[int, float, float, float, float, float]:
    ts, o, h, l, c, v = raw[:6]
    return (int(ts), float(o), float(h), float(l), float(c), float(v))
