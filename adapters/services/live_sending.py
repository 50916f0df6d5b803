"""Sending the recorded order steps to the venue, and recording its answers.

Stops first, then cancels, closes, and the rest. A refused stop is tried again, then the
position is closed at market (``EmergencyCloseRequested``); a stop moves by an edit, or by a new
stop placed before the old one is cancelled; an unknown outcome is looked up by client id. A
market order fills at once: its fill is booked in the same reaction.

A mixin of ``LiveTrader`` (``adapters/services/live_trader.py``).
"""

from __future__ import annotations

from adapters.exchanges.account_vocabulary import (
    OutcomeUnknown,
    VenueOrder,
    VenueRejected,
)
from domain.live_orders import LiveOrder, OrderStatus
from domain.runner_book import OrderRole

STOP_ATTEMPTS = 3  # tries to place a stop before the position is closed at market
_SIDE = {1: "buy", -1: "sell"}
_SEND_ORDER = {OrderRole.STOP: 0, OrderRole.EMERGENCY: 1, OrderRole.CLOSE: 2}


class Sending:
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
