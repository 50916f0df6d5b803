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

The venue is driven by ``run`` (real time: poll fills, fetch closed candles) or by
``rehearse`` (the local Bitget's lockstep clock: react after every fill pause, trade every
candle pause).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from adapters.exchanges.account_vocabulary import (
    BadVenueAnswer,
    OutcomeUnknown,
    RateLimited,
    VenueOrder,
    VenueRejected,
    VenueUnreachable,
)
from adapters.exchanges.bitget_account import BitgetAccount
from adapters.exchanges.live_feed import ClosedCandle
from adapters.services.engine import Engine
from adapters.services.live_runners import live_specs
from adapters.services.paper_trader import SNAPSHOT_EVERY, PaperTrader, Slot
from adapters.services.runner_specs import RunnerSpec
from config.settings import Settings
from domain.contracts import floor_to_step
from domain.executor import Executor
from domain.grid_runner import GridRunner
from domain.live_orders import LiveOrder, LivePosition, OrderStatus
from domain.market import Market
from domain.mono_runner import MonoRunner
from domain.runner_book import BookOrder, OrderRole, RunnerBook
from domain.strategies import strategy as strategy_spec

log = logging.getLogger("scalp_radar.live")
CANDLE_PAGE = 200
REACTION_TRIES = 5  # bad answers in a row before the process stops (crash-only: restart)
STOP_ATTEMPTS = 3  # tries to place a stop before the position is closed at market
# the stop of an adopted position no runner trades (its symbol is halted until an operator acts)
ADOPTED_STOP_FRACTION = 0.10
_SIDE = {1: "buy", -1: "sell"}
_SEND_ORDER = {OrderRole.STOP: 0, OrderRole.EMERGENCY: 1, OrderRole.CLOSE: 2}
Runner = GridRunner | MonoRunner


class LiveError(Exception):
    """Live trading cannot start: one line, CLI exit code 2."""


class LiveTrader:
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

    def reconcile(self) -> dict[str, Any]:
        """The one recovery path (boot, and after any lost connection)."""
        ex, ts = self._ex(), self.clock()
        looked_up = self._resolve_unanswered(ts)
        symbols = self._symbols() | set(ex.positions)
        venue_positions = {p.symbol: p for p in self.account.positions()}
        symbols |= set(venue_positions)
        booked = self.poll_fills(symbols)
        self._halt_foreign()
        for symbol in sorted(symbols):
            self._match_position(symbol, venue_positions.get(symbol), ts)
        orphans = sum(self._match_orders(symbol, ts) for symbol in sorted(symbols))
        self._save()
        self.react(symbols)
        self._refresh_balance()
        summary = {
            "looked_up": looked_up,
            "fills_booked": booked,
            "orphans_cancelled": orphans,
            "positions": sorted(ex.positions),
            "halted": dict(sorted(ex.halted.items())),
        }
        ex.reconciled(summary=summary, ts=ts)
        self._save()
        return summary

    def _resolve_unanswered(self, ts: int) -> int:
        """Requests recorded without the venue's answer: looked up by client id once; not
        found means it never reached the venue."""
        ex, n = self._ex(), 0
        for order in [o for o in ex.orders.values() if o.status == OrderStatus.REQUESTED]:
            found = self._lookup(order)
            n += 1
            if found is None:
                reason = "no answer, and the venue knows no order with its client id"
                ex.rejected(oid=order.client_oid, code="", reason=reason, ts=ts)
            elif order.role == OrderRole.STOP:
                ex.stop_placed(order.client_oid, found.id, found.trigger, order.qty, ts)
            else:
                ex.accepted(oid=order.client_oid, venue_id=found.id, ts=ts)
        for order in [o for o in ex.orders.values() if o.edit_oid]:
            edited = self.account.order_by_client_oid(order.symbol, order.edit_oid)
            if edited is None:
                ex.edit_failed(oid=order.client_oid, code="", reason="not found at boot", ts=ts)
            else:
                ex.edited(oid=order.client_oid, venue_id=edited.id, ts=ts)
        for order in [o for o in ex.orders.values() if o.status == OrderStatus.CANCEL_REQUESTED]:
            self._cancel(order, ts)
        self._save()
        return n

    def _halt_foreign(self) -> None:
        """A position an order of someone else opened or grew (adopted at boot, or a trade by
        hand on a traded symbol): protected by a stop, never traded, its symbol halted until
        an operator resolves it (``live --resume``)."""
        ex = self._ex()
        for symbol, pos in ex.positions.items():
            if pos.adopted and symbol not in ex.halted:
                why = "the venue holds a position the engine did not open: protected, not traded"
                ex.halt(symbol=symbol, reason=why, ts=self.clock())

    def _match_position(self, symbol: str, venue: Any, ts: int) -> None:
        ex = self._ex()
        mine = ex.positions.get(symbol)
        if venue is not None and mine is None:
            ex.adopt(symbol=symbol, side=venue.side, qty=venue.qty, entry=venue.entry_price, ts=ts)
            self._halt_foreign()
        elif venue is None and mine is not None:
            why = "the venue holds no position and no fill explains its close"
            ex.drop_position(symbol=symbol, why=why, ts=ts)
            ex.halt(symbol=symbol, reason=why, ts=ts)
        elif venue is not None and mine is not None and not _same(venue.side * venue.qty, mine):
            why = f"the venue holds {venue.side * venue.qty:g}, the fills {mine.side * mine.qty:g}"
            ex.halt(symbol=symbol, reason=why, ts=ts)

    def _match_orders(self, symbol: str, ts: int) -> int:
        """Cancel the venue's orders the executor does not own (normal and plan orders: an
        orphan sweep that misses plan orders leaves stops behind); forget the executor's orders
        the venue no longer lists (their fills, if any, are booked)."""
        ex = self._ex()
        listed = self.account.open_orders(symbol) + self.account.open_stops(symbol)
        mine = {o.venue_id: o for o in ex.open_orders(symbol) if o.venue_id}
        orphans = 0
        for order in listed:
            if order.id in mine:
                continue
            ex.orphan_found(symbol, order.id, order.client_oid, order.kind, ts)
            self._save()
            self.account.cancel(order)
            orphans += 1
        ids = {o.id for o in listed}
        for venue_id, order in mine.items():
            if venue_id not in ids:
                ex.cancelled(oid=order.client_oid, why="no longer on the venue", ts=ts)
        return orphans

    # -- the venue's clock ----------------------------------------------------------------------
    def run(
        self,
        poll_s: float,
        stop: Callable[[], bool] = lambda: False,
        wait: Callable[[float], None] = time.sleep,
    ) -> None:
        """Real time: book the fills (REST, the truth) and react, then trade the candles the
        venue closed meanwhile; again when ``wait`` returns: at the latest after ``poll_s``,
        at once when the order stream signals activity or a reconnect (``StreamWaker.wait``:
        the REST backfill then runs before anything trusts the stream)."""
        while not stop():
            self._until_done(lambda: self.react(self._symbols()))
            self._until_done(lambda: self.take_candles(self.fetch_closed()))
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
        """The account's balance once a candle, recorded when it changed."""
        ex, balance = self._ex(), self.account.balance()
        if (balance.total, balance.free) != tuple(ex.balance[:2]):
            ex.balance_refreshed(total=balance.total, free=balance.free, ts=self.clock())
            self._save()

    # -- deciding -------------------------------------------------------------------------------
    def _next_books(self) -> dict[str, tuple[RunnerBook, Runner]]:
        """Per symbol, the runner's book for the candle after the last one stepped."""
        books = {}
        sim = self.shadow.sim
        for slot in self.shadow.slots:
            runner = self._next_candle_runner(slot)
            books[slot.spec.symbol] = (runner.book(len(slot.market)), runner)
        assert sim is not None
        return books

    def _next_candle_runner(self, slot: Slot) -> Runner:
        """The slot's runner over its candles plus a placeholder for the next one (its plan
        row is known from the candles before it; no price of the placeholder is read)."""
        m = slot.market
        last = float(m.close[-1])
        placeholder = (int(m.ts[-1]) + m.tf_ms, last, last, last, last, 0.0)
        return self.shadow.runner_for(self.shadow.sim, slot.spec, m.appended(placeholder))

    def _decide(self, books: dict[str, tuple[RunnerBook, Runner]]) -> None:
        """The orders of a new candle: closes, take-profits and stops per symbol, then the
        entries under the global margin guard."""
        ex = self._ex()
        self._books, self._done, self._closing = books, set(), set()
        for symbol, (book, runner) in books.items():
            pos = ex.positions.get(symbol)
            orders = self._orders(symbol)
            if symbol in ex.halted or ex.closed_ts.get(symbol, -1) >= book.ts:
                # halted, or its cycle closed during this candle (a boot in mid-candle)
                self._done.add(symbol)
                self._cancel_roles(orders, (OrderRole.TAKE_PROFIT,), "halted")
            elif pos is not None and not pos.adopted and _closing(book, pos):
                # closes at the open; a mono runner reversing enters the other side after
                self._closing.add(symbol)
                if not book.entries:
                    self._done.add(symbol)
                self._cancel_roles(orders, (OrderRole.TAKE_PROFIT,), "closing")
                if not any(o.role == OrderRole.CLOSE for o in orders):
                    held = self._held(symbol, pos)
                    self._request(book.key, symbol, OrderRole.CLOSE, -pos.side, held, book.ts,
                                  market=True, reduce_only=True)  # fmt: skip
            else:
                self._take_profit(book, pos, orders)
            if pos is not None:
                self._protect(symbol, pos, runner, book)
        self._gate_entries()

    def _gate_entries(self) -> None:
        """Paper's global margin guard, live. Paper refuses a level when the margin of every
        open level plus its own would pass ``max_margin_ratio`` x capital (or the cash), at
        the moment it fills. Live, the entries each runner booked rest only as far as the
        margin the venue's fills hold now leaves room for, nearest first; this runs again
        after every fill (an entry fill takes room from the others, an exit gives it back),
        so a level rests exactly while paper would still let it fill."""
        sim = self.shadow.sim
        assert sim is not None
        room = min(sim.max_margin_ratio * sim.capital, sim.cash) - self._margin_held()
        for slot in self.shadow.slots:
            symbol = slot.spec.symbol
            if symbol not in self._books:
                continue
            book, runner = self._books[symbol]
            wanted = self._wanted(symbol, book)
            fits = max(0, int((room + 1e-9) // _margin_unit(runner)))
            self._entries(book, self._orders(symbol), wanted[:fits])

    def _margin_held(self) -> float:
        """Margin of the levels the venue holds (paper's ``margin_used``): each filled level
        of a position commits its runner's margin per level."""
        ex, held = self._ex(), 0.0
        for slot in self.shadow.slots:
            pos = ex.positions.get(slot.spec.symbol)
            if pos is not None and slot.spec.symbol not in self._closing:
                held += len(set(pos.levels)) * _margin_unit(slot.runner)
        return held

    def _wanted(self, symbol: str, book: RunnerBook) -> list[BookOrder]:
        """The book's levels still to fill this candle: none once the symbol closed, closes
        or is halted; else those of the position's side not filled yet."""
        if symbol in self._done:
            return []
        pos = self._ex().positions.get(symbol)
        if pos is None or symbol in self._closing:
            return list(book.entries)
        return [e for e in book.entries if e.side == pos.side and e.level not in pos.levels]

    def _entries(self, book: RunnerBook, orders: list[LiveOrder], wanted: list[BookOrder]) -> None:
        """Rest exactly ``wanted``: keep what already rests at its price and size, cancel
        the rest, place what is missing."""
        missing = {(e.level, e.side): e for e in wanted}
        for order in orders:
            if order.role != OrderRole.ENTRY:
                continue
            want = missing.pop((order.level, order.side), None)
            if want is None:
                self._cancel_request(order, "no longer wanted")
            elif not self._reprice(order, want.price, want.qty):
                missing[(order.level, order.side)] = want  # replaced: placed again below
        for e in missing.values():
            price = 0.0 if e.market else e.price
            self._request(book.key, book.symbol, OrderRole.ENTRY, e.side, e.qty, book.ts,
                          level=e.level, price=price, market=e.market)  # fmt: skip

    def _reprice(self, order: LiveOrder, price: float, qty: float) -> bool:
        """Bring a resting limit to ``price`` and ``qty``: nothing when it is there; an edit
        (one call, Bitget's modify-order) when it rests untouched on the venue; else (not
        answered yet, partly filled) False after recording its cancel: the caller places it
        again."""
        if order.price == price and order.qty == qty and not order.edit_oid:
            return True
        if order.status == OrderStatus.OPEN and not order.filled and not order.edit_oid:
            self._ex().request_edit(order.client_oid, price, qty, self.clock())
            return True
        if order.edit_oid:
            return True  # an edit is on its way; the next candle looks again
        self._cancel_request(order, "re-priced")
        return False

    def _orders(self, symbol: str) -> list[LiveOrder]:
        """The symbol's orders that rest or will (a cancel already decided is not one)."""
        return [
            o for o in self._ex().open_orders(symbol) if o.status != OrderStatus.CANCEL_REQUESTED
        ]

    def _take_profit(self, book: RunnerBook, pos: LivePosition | None, orders: list) -> None:
        tp = book.take_profit if pos is not None and not pos.adopted else math.nan
        current = [o for o in orders if o.role == OrderRole.TAKE_PROFIT]
        for order in current:
            if pos is not None and math.isfinite(tp):
                if self._reprice(order, tp, self._held(book.symbol, pos)):
                    return
            else:
                self._cancel_request(order, "no take-profit")
        if pos is not None and math.isfinite(tp):
            held = self._held(book.symbol, pos)
            self._request(book.key, book.symbol, OrderRole.TAKE_PROFIT, -pos.side, held,
                          book.ts, price=tp, reduce_only=True)  # fmt: skip

    def _protect(
        self, symbol: str, pos: LivePosition, runner: Runner | None, book: RunnerBook | None
    ) -> None:
        """Record the stop the position needs: placed when it has none, moved when its trigger
        should change (an edit; the venue's pos_loss covers the whole position whatever its
        size)."""
        ex = self._ex()
        trigger = self._stop_trigger(pos, runner, book)
        stop = next((o for o in ex.open_orders(symbol) if o.role == OrderRole.STOP), None)
        key = book.key if book is not None else ""
        if stop is None:
            held = self._held(symbol, pos)
            self._request(key, symbol, OrderRole.STOP, -pos.side, held, self.clock(),
                          trigger=trigger, reduce_only=True)  # fmt: skip
        elif stop.status == OrderStatus.OPEN and stop.trigger != trigger and not stop.moving_to:
            ex.stop_move_requested(
                oid=stop.client_oid, trigger=trigger, qty=self._held(symbol, pos), ts=self.clock()
            )

    def _entry_take_profit(self, symbol: str, pos: LivePosition, runner: Runner) -> None:
        """A mono position's take-profit rests from its entry on (paper's rule: it may fill in
        the entry candle); a grid's from the next candle (``venue_take_profit`` is NaN)."""
        book = self._books.get(symbol)
        if pos.adopted or book is None or pos.opened_ts < book[0].ts:
            return  # only a position this candle opened: older ones have the book's
        tp = runner.venue_take_profit(pos.side, pos.entry_price)
        if math.isfinite(tp) and not any(
            o.role == OrderRole.TAKE_PROFIT for o in self._orders(symbol)
        ):
            held = self._held(symbol, pos)
            self._request(book[0].key, symbol, OrderRole.TAKE_PROFIT, -pos.side, held,
                          self.clock(), price=tp, reduce_only=True)  # fmt: skip

    def _stop_trigger(
        self, pos: LivePosition, runner: Runner | None, book: RunnerBook | None
    ) -> float:
        if runner is None:
            return pos.entry_price * (1.0 - pos.side * ADOPTED_STOP_FRACTION)
        same = book is not None and book.side == pos.side and book.stop
        # a grid's stop follows the levels the venue holds; a mono position's is fixed
        if same and (isinstance(runner, MonoRunner) or math.isclose(book.qty, pos.qty)):
            return book.stop  # the shadow's own stop (trailing stop included)
        return runner.venue_stop(pos.side, pos.entry_price)[0]

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
            slot = runners.get(symbol)
            runner = self._next_candle_runner(slot) if slot is not None else None
            self._protect(symbol, pos, runner, None)
            if runner is not None:
                self._entry_take_profit(symbol, pos, runner)
        self._gate_entries()
        self._save()
        self.execute()

    # -- sending --------------------------------------------------------------------------------
    def execute(self, passes: int = 4) -> None:
        """Send every recorded step still unanswered: stops, cancels, closes, then the rest.
        A pass can record new steps (a refused stop is tried again, then an emergency close):
        a few passes send them; what is left waits for the next reaction."""
        ex = self._ex()
        for _ in range(passes):
            pending = sorted(ex.orders.values(), key=lambda o: (_SEND_ORDER.get(o.role, 3), o.ts))
            todo = [o for o in pending if o.status != OrderStatus.OPEN or o.moving_to or o.edit_oid]
            if not todo:
                break
            for order in [o for o in todo if o.status == OrderStatus.CANCEL_REQUESTED]:
                self._cancel(order, self.clock())
                self._save()
            for order in todo:
                if order.status == OrderStatus.REQUESTED:
                    self._send(order)
                elif order.status == OrderStatus.OPEN and order.moving_to:
                    self._move(order)
                elif order.status == OrderStatus.OPEN and order.edit_oid:
                    self._edit(order)
                self._save()
        # a market order fills at once: book it now (a close is confirmed before anything
        # else, an entry gets its stop in the same reaction)
        filled_at_once, self._market_sent = self._market_sent, set()
        if filled_at_once:
            self.react(filled_at_once)

    def _send(self, order: LiveOrder) -> None:
        ex, ts = self._ex(), self.clock()
        try:
            placed = self._place(order)
        except VenueRejected as exc:
            ex.rejected(oid=order.client_oid, code=exc.code, reason=str(exc), ts=ts)
            if order.role == OrderRole.STOP:
                self._stop_refused(order, str(exc))
            return
        except OutcomeUnknown:
            placed = self._lookup(order)
            if placed is None:
                return  # still unknown: the next reconciliation looks it up again
        if order.role == OrderRole.STOP:
            ex.stop_placed(order.client_oid, placed.id, order.trigger, order.qty, ts)
            self._stop_refusals.pop(order.symbol, None)
        else:
            ex.accepted(oid=order.client_oid, venue_id=placed.id, ts=ts)
            if order.market:
                self._market_sent.add(order.symbol)

    def _place(self, order: LiveOrder) -> VenueOrder:
        a, side = self.account, _SIDE[order.side]
        if order.role == OrderRole.STOP:
            return a.place_stop(
                order.symbol, -order.side, order.qty, order.trigger, order.client_oid
            )
        if order.market:
            return a.place_market(
                order.symbol, side, order.qty, order.client_oid, order.reduce_only
            )
        return a.place_limit(
            order.symbol, side, order.qty, order.price, order.client_oid, order.reduce_only
        )

    def _stop_refused(self, order: LiveOrder, why: str) -> None:
        """A stop the venue refused: tried again up to ``STOP_ATTEMPTS`` times in all, then the
        position is closed at market (reduce-only): never a position without a stop."""
        ex = self._ex()
        pos = ex.positions.get(order.symbol)
        if pos is None:
            return
        refused = self._stop_refusals.get(order.symbol, 0) + 1
        self._stop_refusals[order.symbol] = refused
        if refused < STOP_ATTEMPTS:
            held = self._held(order.symbol, pos)
            self._request(order.key, order.symbol, OrderRole.STOP, order.side, held,
                          self.clock(), trigger=order.trigger, reduce_only=True)  # fmt: skip
            return
        self._stop_refusals[order.symbol] = 0
        ex.emergency(
            symbol=order.symbol, reason=f"stop refused {refused} times: {why}", ts=self.clock()
        )
        held = self._held(order.symbol, pos)
        self._request(order.key, order.symbol, OrderRole.EMERGENCY, -pos.side, held,
                      self.clock(), market=True, reduce_only=True)  # fmt: skip

    def _move(self, order: LiveOrder) -> None:
        """Move a stop by editing it; if the venue refuses the edit, a new stop is placed and
        the old one cancelled after it (never cancel first: no moment without a stop)."""
        ex, ts = self._ex(), self.clock()
        trigger = order.moving_to
        try:
            self.account.move_stop(_venue_order(order), trigger)
        except VenueRejected as exc:
            ex.stop_move_failed(oid=order.client_oid, code=exc.code, reason=str(exc), ts=ts)
            new = self._request(order.key, order.symbol, OrderRole.STOP, order.side, order.qty,
                                ts, trigger=trigger, reduce_only=True)  # fmt: skip
            self._save()
            self._send(new)
            if new.client_oid in ex.orders and ex.orders[new.client_oid].status == OrderStatus.OPEN:
                self._cancel_request(order, "replaced by a new stop")
                self._save()
                self._cancel(order, ts)
            return
        pos = ex.positions.get(order.symbol)
        qty = self._held(order.symbol, pos) if pos is not None else order.qty
        ex.stop_moved(oid=order.client_oid, trigger=trigger, qty=qty, ts=ts)

    def _edit(self, order: LiveOrder) -> None:
        ex, ts = self._ex(), self.clock()
        try:
            edited = self.account.edit_limit(
                _venue_order(order), order.edit_qty, order.edit_price, order.edit_oid
            )
        except VenueRejected as exc:  # filled or gone meanwhile: the fills will say
            ex.edit_failed(oid=order.client_oid, code=exc.code, reason=str(exc), ts=ts)
            return
        except OutcomeUnknown:
            edited = self.account.order_by_client_oid(order.symbol, order.edit_oid)
            if edited is None:
                ex.edit_failed(oid=order.client_oid, code="", reason="no answer", ts=ts)
                return
        ex.edited(oid=order.client_oid, venue_id=edited.id, ts=ts)

    def _cancel(self, order: LiveOrder, ts: int) -> None:
        if order.venue_id:
            self.account.cancel(_venue_order(order))
        self._ex().cancelled(oid=order.client_oid, why="cancelled", ts=ts)

    def _lookup(self, order: LiveOrder) -> VenueOrder | None:
        if order.role == OrderRole.STOP:
            return self.account.stop_by_client_oid(order.symbol, order.client_oid)
        return self.account.order_by_client_oid(order.symbol, order.client_oid)

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


def _margin_unit(runner: Runner) -> float:
    """The margin one entry commits: a grid level's, or a mono position's."""
    return runner.margin_per_level if isinstance(runner, GridRunner) else runner.margin


def _row(raw: list[Any]) -> tuple[int, float, float, float, float, float]:
    ts, o, h, l, c, v = raw[:6]
    return (int(ts), float(o), float(h), float(l), float(c), float(v))


def _same(signed_qty: float, pos: LivePosition) -> bool:
    return math.isclose(signed_qty, pos.side * pos.qty, rel_tol=1e-6)


def _closing(book: RunnerBook, pos: LivePosition) -> bool:
    """The shadow wants the venue's position gone: it closes at the open, holds the other
    side, or holds nothing though the position predates this candle (it closed the cycle; a
    venue that did not follow is brought in line). A position opened during this candle is
    the book's own entries filling: the shadow learns of them when the candle closes."""
    if book.close_at_open is not None or (book.side and book.side != pos.side):
        return True
    return not book.side and pos.opened_ts < book.ts


def _venue_order(order: LiveOrder) -> VenueOrder:
    kind = "stop" if order.role == OrderRole.STOP else "market" if order.market else "limit"
    return VenueOrder(
        id=order.venue_id,
        client_oid=order.client_oid,
        symbol=order.symbol,
        side=_SIDE[order.side],
        kind=kind,
        price=order.price,
        trigger=order.trigger,
        qty=order.qty,
        filled=order.filled,
        status="open",
        reduce_only=order.reduce_only,
        ts=order.ts,
    )
