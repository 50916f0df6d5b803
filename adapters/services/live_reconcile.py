"""Boot is reconciliation (crash-only: the same path after a crash, a Ctrl-C or a lost connection).

Requests recorded without the venue's answer are looked up by their client id (stops in the plan
lists: ``fetch_order`` cannot see them), pending edits resolved, the fills since the last booked
one booked, then the venue's positions and orders compared with the executor's: a position the
venue holds that no fill explains is adopted, protected and its symbol halted; a position the
venue no longer holds without a fill to say how is dropped and its symbol halted; orders (normal
and plan) the executor does not own are cancelled. Every position then gets its stop.

A mixin of ``LiveTrader`` (``adapters/services/live_trader.py``), which holds the account, the
executor and the records these methods use.
"""

from __future__ import annotations

import math
from typing import Any

from domain.live_orders import LivePosition, OrderStatus
from domain.runner_book import OrderRole


class Reconciliation:
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


def _same(signed_qty: float, pos: LivePosition) -> bool:
    return math.isclose(signed_qty, pos.side * pos.qty, rel_tol=1e-6)
