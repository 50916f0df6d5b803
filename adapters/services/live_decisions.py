"""What the executor wants resting on the venue: the runners' books turned into order steps.

At each candle's close (``_decide``): closes at the open, take-profits and stops per symbol, then
the entries under paper's global margin guard (``_gate_entries``, re-run after every fill). Each
step is only *recorded* here (``OrderRequested``, ``CancelRequested``, ``OrderEditRequested``,
``StopMoveRequested``); ``live_sending`` sends them.

A mixin of ``LiveTrader`` (``adapters/services/live_trader.py``).
"""

from __future__ import annotations

import math

from domain.grid_runner import GridRunner
from domain.live_orders import LiveOrder, LivePosition, OrderStatus
from domain.mono_runner import MonoRunner
from domain.runner_book import BookOrder, OrderRole, RunnerBook

# the stop of an adopted position no runner trades (its symbol is halted until an operator acts)
ADOPTED_STOP_FRACTION = 0.10
Runner = GridRunner | MonoRunner


class Decisions:
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


def _margin_unit(runner: Runner) -> float:
    """The margin one entry commits: a grid level's, or a mono position's."""
    return runner.margin_per_level if isinstance(runner, GridRunner) else runner.margin


def _closing(book: RunnerBook, pos: LivePosition) -> bool:
    """The shadow wants the venue's position gone: it closes at the open, holds the other
    side, or holds nothing though the position predates this candle (it closed the cycle; a
    venue that did not follow is brought in line). A position opened during this candle is
    the book's own entries filling: the shadow learns of them when the candle closes."""
    if book.close_at_open is not None or (book.side and book.side != pos.side):
        return True
    return not book.side and pos.opened_ts < book.ts
