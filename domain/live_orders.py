"""The executor's vocabulary: an order it asked the venue for, a position the venue holds.

Every field is decided by the engine before the venue is called (``OrderRequested`` stores a
``LiveOrder`` record), so a crash between the decision and the answer leaves a record to look the
order up by: its ``client_oid``, derived from the decision (``client_oid``), never random.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import msgspec

from domain.runner_book import OrderRole


class OrderStatus(StrEnum):
    REQUESTED = "requested"  # recorded, the venue's answer not (yet) known
    OPEN = "open"  # the venue accepted it and it rests (or a stop waits for its trigger)
    FILLED = "filled"
    CANCEL_REQUESTED = "cancel_requested"  # recorded before the cancel call
    CANCELLED = "cancelled"
    REJECTED = "rejected"  # the venue refused it, or it never reached the venue

    @property
    def final(self) -> bool:
        return self in (OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.REJECTED)


class LiveOrder(msgspec.Struct, kw_only=True):
    """One order of the executor. ``side`` +1 buy / -1 sell; ``price`` the limit price (0 for a
    market order or a stop), ``trigger`` a stop's trigger price (0 otherwise); ``ts`` the
    market time of the decision."""

    client_oid: str
    symbol: str
    key: str  # the runner it serves ("" for an adopted position's stop or an emergency close)
    role: OrderRole
    level: int = -1
    side: int
    qty: float
    price: float = 0.0
    trigger: float = 0.0
    market: bool = False
    reduce_only: bool = False
    ts: int
    status: OrderStatus = OrderStatus.REQUESTED
    venue_id: str = ""
    filled: float = 0.0
    moving_to: float = 0.0  # a stop's new trigger, recorded before the edit call (0: none)
    # a resting limit's edit, recorded before the call: the client id it takes (Bitget's
    # modify-order gives the order a new one), its new price and size ("": none pending)
    edit_oid: str = ""
    edit_price: float = 0.0
    edit_qty: float = 0.0

    def record(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> LiveOrder:
        return msgspec.convert(record, cls)


class VenueLeg(msgspec.Struct, frozen=True):
    """One fill of a position: price, quantity and market time."""

    price: float
    qty: float
    ts: int


class LivePosition(msgspec.Struct, kw_only=True):
    """The net position the venue holds on a symbol (one-way mode), as its fills built it."""

    side: int  # +1 long / -1 short
    qty: float
    cost: float  # sum of entry price x quantity of what is still held
    fees: float = 0.0  # fees of the open cycle (entries and partial exits)
    realized: float = 0.0  # price P&L of partial exits of the open cycle
    opened_ts: int
    entries: list[VenueLeg] = []
    exits: list[VenueLeg] = []
    adopted: bool = False  # found on the venue at boot, not opened by this executor
    levels: list[int] = []  # grid levels filled in this cycle (entry orders' levels)

    @property
    def entry_price(self) -> float:
        return self.cost / self.qty if self.qty else 0.0


def client_oid(account: str, order: LiveOrder, sequence: int) -> str:
    """The id the venue gets: derived from the decision (runner, role, level, market time) and
    the executor's request count, so a restart that re-decides the same order finds it again,
    and two decisions never share one. Bitget allows 1-64 letters/digits/_-; this is 34."""
    seed = f"{account}|{order.key}|{order.role}|{order.level}|{order.ts}|{sequence}"
    return "sr" + uuid5(NAMESPACE_URL, seed).hex
