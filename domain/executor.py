"""The Executor aggregate: one exchange account's orders, stops and positions, as events.

The live process runs the paper Simulator on the live candles (its *shadow*) and this aggregate
beside it. The shadow decides (``GridRunner.book``: what rests during the next candle); the
executor turns the decisions into orders and records every step of every order, each one
**before** the venue is called (``OrderRequested``, ``CancelRequested``, ``StopMoveRequested``)
and the venue's answer after (``OrderAccepted``/``StopLossPlaced``, ``OrderRejected``,
``OrderFilled``, ``OrderCancelled``, ``StopLossMoved``). A crash between the two leaves a
request whose outcome boot looks up by its ``client_oid`` (crash-only: boot is reconciliation).

Positions are built from the venue's fills only (``OrderFilled``, each fill id booked once, also
fills of orders the executor never placed: a triggered stop's market order, a close by hand), so
the executor's position is the venue's. A symbol whose state cannot be explained at boot is
halted (``ReconciliationFailed``) until an operator resumes it.

One aggregate per account (deterministic id), not per symbol: the account's balance and the
reconciliation are account-wide, and boot must find it without an index.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from domain.account_guard import KEPT_MS
from domain.balance_watch import BalanceMove, unexplained_move
from domain.live_orders import (
    LiveOrder,
    LivePosition,
    OrderStatus,
    VenueLeg,
    client_oid,
)

_TYPED: dict[str, Any] = {"orders": dict[str, LiveOrder], "positions": dict[str, LivePosition]}


class Executor(Aggregate):
    TOPIC = "scalp_radar:Executor"

    class Created(Aggregate.Created):
        TOPIC = "scalp_radar:Executor.Created"

    class Snapshot(Aggregate.Snapshot):
        TOPIC = "scalp_radar:Executor.Snapshot"

        @classmethod
        def take(cls, aggregate: Any) -> Any:
            snapshot = super().take(aggregate)
            for name in _TYPED:
                snapshot.state[name] = msgspec.to_builtins(snapshot.state[name])
            snapshot.state["fills_seen"] = sorted(snapshot.state["fills_seen"])
            return snapshot

        def mutate(self, _: None) -> Any:
            executor = super().mutate(None)
            state = vars(executor)
            for name, kind in _TYPED.items():
                state[name] = msgspec.convert(state[name], kind)
            state["fills_seen"] = set(state["fills_seen"])
            return executor

    # (ts, total) of the recent balance refreshes; a class default, so that snapshots taken
    # before the account kill switch existed restore without it
    balance_history: tuple[tuple[int, float], ...] = ()
    # a fill or a position adopted or dropped since the last balance refresh (what explains a
    # move of the balance: ``domain.balance_watch``); a class default, as above
    traded_since_balance: bool = False

    @staticmethod
    def create_id(account: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/executor/{account}")

    @event("Started", topic="scalp_radar:Executor.Started")
    def __init__(self, account: str, venue: str) -> None:
        self.account, self.venue = account, venue
        self.orders: dict[str, LiveOrder] = {}  # client_oid -> order still open or unanswered
        self.positions: dict[str, LivePosition] = {}  # symbol -> what the venue holds
        self.fills_seen: set[str] = set()  # venue fill ids already booked (stream and poll)
        self.last_fill_ts: dict[str, int] = {}  # symbol -> newest fill booked
        self.closed_ts: dict[str, int] = {}  # symbol -> the fill that last closed a position
        self.requests = 0  # orders requested so far (part of every client_oid)
        self.halted: dict[str, str] = {}  # symbol -> why reconciliation refuses to trade it
        self.balance: tuple[float, float, int] = (0.0, 0.0, 0)  # total, free, ts
        self.reconciled_ts = 0  # market/wall time of the last completed reconciliation
        self.emergencies = 0

    # -- orders ---------------------------------------------------------------------------------
    def request(self, order: LiveOrder) -> LiveOrder:
        """Record an order before it is sent; returns it with its ``client_oid``."""
        oid = client_oid(self.account, order, self.requests)
        decided = msgspec.structs.replace(order, client_oid=oid, status=OrderStatus.REQUESTED)
        self._requested(order=decided.record())
        return self.orders[oid]

    @event("OrderRequested", topic="scalp_radar:Executor.OrderRequested")
    def _requested(self, order: dict[str, Any]) -> None:
        live = LiveOrder.from_record(order)
        self.orders[live.client_oid] = live
        self.requests += 1

    @event("OrderAccepted", topic="scalp_radar:Executor.OrderAccepted")
    def accepted(self, oid: str, venue_id: str, ts: int) -> None:
        order = self.orders[oid]
        order.venue_id, order.status = venue_id, OrderStatus.OPEN

    @event("StopLossPlaced", topic="scalp_radar:Executor.StopLossPlaced")
    def stop_placed(self, oid: str, venue_id: str, trigger: float, qty: float, ts: int) -> None:
        order = self.orders[oid]
        order.venue_id, order.status = venue_id, OrderStatus.OPEN
        order.trigger, order.qty = trigger, qty

    @event("OrderRejected", topic="scalp_radar:Executor.OrderRejected")
    def rejected(self, oid: str, code: str, reason: str, ts: int) -> None:
        self.orders.pop(oid)

    @event("CancelRequested", topic="scalp_radar:Executor.CancelRequested")
    def cancel_requested(self, oid: str, why: str, ts: int) -> None:
        self.orders[oid].status = OrderStatus.CANCEL_REQUESTED

    @event("OrderCancelled", topic="scalp_radar:Executor.OrderCancelled")
    def cancelled(self, oid: str, why: str, ts: int) -> None:
        self.orders.pop(oid, None)

    def request_edit(self, oid: str, price: float, qty: float, ts: int) -> str:
        """Record the re-pricing of a resting limit before the edit call; returns the client
        id the edited order will carry (derived like a new order's)."""
        order = self.orders[oid]
        edited = msgspec.structs.replace(order, price=price, qty=qty, ts=ts)
        new_oid = client_oid(self.account, edited, self.requests)
        self._edit_requested(oid=oid, new_oid=new_oid, price=price, qty=qty, ts=ts)
        return new_oid

    @event("OrderEditRequested", topic="scalp_radar:Executor.OrderEditRequested")
    def _edit_requested(self, oid: str, new_oid: str, price: float, qty: float, ts: int) -> None:
        order = self.orders[oid]
        order.edit_oid, order.edit_price, order.edit_qty = new_oid, price, qty
        self.requests += 1

    @event("OrderEdited", topic="scalp_radar:Executor.OrderEdited")
    def edited(self, oid: str, venue_id: str, ts: int) -> None:
        """The venue re-priced the order: it rests under its new client id (and the venue's
        id it answered)."""
        order = self.orders.pop(oid)
        order.client_oid, order.venue_id, order.ts = order.edit_oid, venue_id, ts
        order.price, order.qty = order.edit_price, order.edit_qty
        order.edit_oid, order.edit_price, order.edit_qty = "", 0.0, 0.0
        self.orders[order.client_oid] = order

    @event("OrderEditFailed", topic="scalp_radar:Executor.OrderEditFailed")
    def edit_failed(self, oid: str, code: str, reason: str, ts: int) -> None:
        """The venue did not edit (the order filled or went meanwhile): it stays as it was."""
        order = self.orders[oid]
        order.edit_oid, order.edit_price, order.edit_qty = "", 0.0, 0.0

    @event("StopMoveRequested", topic="scalp_radar:Executor.StopMoveRequested")
    def stop_move_requested(self, oid: str, trigger: float, qty: float, ts: int) -> None:
        self.orders[oid].moving_to = trigger

    @event("StopLossMoved", topic="scalp_radar:Executor.StopLossMoved")
    def stop_moved(self, oid: str, trigger: float, qty: float, ts: int) -> None:
        order = self.orders[oid]
        order.trigger, order.qty, order.moving_to = trigger, qty, 0.0

    @event("StopMoveFailed", topic="scalp_radar:Executor.StopMoveFailed")
    def stop_move_failed(self, oid: str, code: str, reason: str, ts: int) -> None:
        """The venue refused the edit: the old stop still rests (a new one replaces it)."""
        self.orders[oid].moving_to = 0.0

    @event("OrphanFound", topic="scalp_radar:Executor.OrphanFound")
    def orphan_found(self, symbol: str, venue_id: str, client_oid: str, kind: str, ts: int) -> None:
        pass  # an order on the venue the executor does not own, recorded before its cancel

    # -- fills and positions --------------------------------------------------------------------
    def book_fill(
        self,
        fill_id: str,
        order_id: str,
        symbol: str,
        side: int,
        price: float,
        qty: float,
        fee: float,
        ts: int,
    ) -> bool:
        """Book one venue fill unless it was booked already; returns whether it was new.
        ``order_id`` is the venue's order id (a stop's fill comes from the market order it
        spawned, whose id the executor never saw: booked all the same)."""
        if fill_id in self.fills_seen:
            return False
        oid = next((o.client_oid for o in self.orders.values() if o.venue_id == order_id), "")
        self._filled(
            oid=oid, fill_id=fill_id, symbol=symbol, side=side, price=price, qty=qty, fee=fee, ts=ts
        )
        return True

    @event("OrderFilled", topic="scalp_radar:Executor.OrderFilled")
    def _filled(
        self,
        oid: str,
        fill_id: str,
        symbol: str,
        side: int,
        price: float,
        qty: float,
        fee: float,
        ts: int,
    ) -> None:
        self.fills_seen.add(fill_id)
        self.traded_since_balance = True
        self.last_fill_ts[symbol] = max(ts, self.last_fill_ts.get(symbol, 0))
        order = self.orders.get(oid)
        if order is not None:
            order.filled += qty
            if order.filled >= order.qty * (1 - 1e-9) or order.role == "stop":
                self.orders.pop(oid)
        before = self.positions.get(symbol)
        opening = before is None or before.side == side
        if apply_fill(self.positions, symbol, side, price, qty, fee, ts) is not None:
            self.closed_ts[symbol] = ts
        pos = self.positions.get(symbol)
        if order is not None and order.role == "entry" and pos is not None:
            pos.levels.append(order.level)
        elif order is None and opening and pos is not None:
            # an order the executor never placed opened or grew the position (a trade by
            # hand): the position is no longer the runner's own
            pos.adopted = True
        if symbol not in self.positions:  # flat: the venue cancels the position's stop
            for o in [o for o in self.orders.values() if o.symbol == symbol and o.role == "stop"]:
                self.orders.pop(o.client_oid)

    @event("PositionAdopted", topic="scalp_radar:Executor.PositionAdopted")
    def adopt(self, symbol: str, side: int, qty: float, entry: float, ts: int) -> None:
        self.traded_since_balance = True
        self.positions[symbol] = LivePosition(
            side=side,
            qty=qty,
            cost=entry * qty,
            opened_ts=ts,
            entries=[VenueLeg(entry, qty, ts)],
            adopted=True,
        )

    @event("PositionDropped", topic="scalp_radar:Executor.PositionDropped")
    def drop_position(self, symbol: str, why: str, ts: int) -> None:
        """The venue no longer holds a position no fill explains closing (halts the symbol)."""
        self.positions.pop(symbol, None)
        self.traded_since_balance = True

    # -- safety ---------------------------------------------------------------------------------
    @event("EmergencyCloseRequested", topic="scalp_radar:Executor.EmergencyCloseRequested")
    def emergency(self, symbol: str, reason: str, ts: int) -> None:
        self.emergencies += 1

    def refresh_balance(
        self, total: float, free: float, ts: int, alert_pct: float
    ) -> BalanceMove | None:
        """Record the venue's balance, then ``BalanceMovedUnexplained`` when it moved more than
        ``alert_pct`` since the previous refresh with no trade between (``domain.balance_watch``:
        refresh to refresh); returns that move."""
        before, _, since_ts = self.balance
        move = unexplained_move(before, since_ts, total, self.traded_since_balance, alert_pct)
        self.balance_refreshed(total=total, free=free, ts=ts)
        if move is not None:
            self.balance_moved_unexplained(
                before=move.before, after=move.after, change_pct=move.change_pct,
                since_ts=move.since_ts, threshold_pct=alert_pct, ts=ts,
            )  # fmt: skip
        return move

    @event("BalanceRefreshed", topic="scalp_radar:Executor.BalanceRefreshed")
    def balance_refreshed(self, total: float, free: float, ts: int) -> None:
        self.balance = (total, free, ts)
        self.traded_since_balance = False
        # the account kill switch's memory: the refreshes of the last days (``account_guard``)
        kept = [(t, v) for t, v in self.balance_history if t > ts - KEPT_MS]
        self.balance_history = (*kept, (ts, total))

    @event("BalanceMovedUnexplained", topic="scalp_radar:Executor.BalanceMovedUnexplained")
    def balance_moved_unexplained(
        self, before: float, after: float, change_pct: float, since_ts: int,
        threshold_pct: float, ts: int,
    ) -> None:  # fmt: skip
        pass  # an alert for people (the notifier, the Live page): the balance is already booked

    @event("AccountKillSwitchTripped", topic="scalp_radar:Executor.AccountKillSwitchTripped")
    def account_kill_switch_tripped(
        self, peak: float, total: float, drawdown_pct: float, threshold_pct: float,
        flatten: bool, ts: int,
    ) -> None:  # fmt: skip
        """The balance fell ``drawdown_pct`` below its window's peak: new entries stop (and the
        positions close when ``flatten``). The window starts again here, so the next trip
        needs a new fall from this balance."""
        self.balance_history = ((ts, total),)

    @event("ReconciliationFailed", topic="scalp_radar:Executor.ReconciliationFailed")
    def halt(self, symbol: str, reason: str, ts: int) -> None:
        self.halted[symbol] = reason

    @event("SymbolResumed", topic="scalp_radar:Executor.SymbolResumed")
    def resume(self, symbol: str, ts: int) -> None:
        """An operator looked at a halted symbol and lets it trade again."""
        self.halted.pop(symbol, None)

    @event("ReconciliationCompleted", topic="scalp_radar:Executor.ReconciliationCompleted")
    def reconciled(self, summary: dict[str, Any], ts: int) -> None:
        self.reconciled_ts = ts

    # -- reading --------------------------------------------------------------------------------
    def open_orders(self, symbol: str) -> list[LiveOrder]:
        return [o for o in self.orders.values() if o.symbol == symbol]


def apply_fill(
    positions: dict[str, LivePosition],
    symbol: str,
    side: int,
    price: float,
    qty: float,
    fee: float,
    ts: int,
) -> LivePosition | None:
    """One-way netting: a fill on the position's side (or flat) adds, the other side reduces;
    a reduction beyond the position (never sent reduce-only, but a venue may) opens the rest.
    Returns the position this fill closed, if it closed one."""
    pos = positions.get(symbol)
    if pos is None or pos.side == side:
        if pos is None:
            pos = positions[symbol] = LivePosition(side=side, qty=0.0, cost=0.0, opened_ts=ts)
        pos.qty += qty
        pos.cost += price * qty
        pos.fees += fee
        pos.entries.append(VenueLeg(price, qty, ts))
        return None
    closing = min(qty, pos.qty)
    entry = pos.entry_price
    pos.realized += pos.side * (price - entry) * closing
    pos.fees += fee
    pos.exits.append(VenueLeg(price, closing, ts))
    pos.qty -= closing
    pos.cost = entry * pos.qty
    if pos.qty > 1e-12:
        return None
    del positions[symbol]
    rest = qty - closing
    if rest > 1e-12:
        apply_fill(positions, symbol, side, price, rest, 0.0, ts)
    return pos


def event_topics() -> tuple[str, ...]:
    """The topics of every event the Executor records (its read model pages exactly these: one
    it missed would leave the folded account a version behind)."""
    return tuple(
        sorted(
            kind.TOPIC
            for kind in vars(Executor).values()
            if isinstance(kind, type)
            and issubclass(kind, Aggregate.Event)
            and not issubclass(kind, Aggregate.Snapshot)
            and "TOPIC" in vars(kind)  # the generic ``Event`` base has none
        )
    )
