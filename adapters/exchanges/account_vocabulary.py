"""What a venue account says, typed: its orders, fills, positions and balance, and the ways a
call to it can fail.

The live engine books only these structs, never ccxt's dicts: a field that is missing or absurd
is refused where the answer is read (``BadVenueAnswer``), so nothing downstream re-checks it.

Errors, by what the caller must do next:

- ``VenueRejected``: the venue answered no; the order does not exist (or was not changed).
- ``OutcomeUnknown``: a POST got no usable answer (timeout, dropped connection, an answer ccxt
  could not read); the order may or may not exist: look it up by its clientOid.
- ``VenueUnreachable``: a GET got no answer; nothing changed on the venue, ask again later.
- ``RateLimited``: the venue kept answering 429 after the bounded retries; nothing was executed.
- ``BadVenueAnswer``: the venue answered, but not in a shape we can book; nothing is booked.
  From a POST it is also an ``OutcomeUnknown``: the request may have been executed.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Side = Literal["buy", "sell"]
OrderKind = Literal["limit", "market", "stop"]
OrderStatus = Literal["open", "closed", "canceled", "rejected"]
# what cancel found: the order was live and is now cancelled, or it was already gone (filled,
# cancelled by someone else, or never existed): the caller re-reads the order to tell which
CancelOutcome = Literal["cancelled", "already_gone"]


class VenueOrder(msgspec.Struct, frozen=True):
    """An order as the venue holds it. ``price`` is the limit price (0.0 for market and stop
    orders), ``trigger`` the stop's trigger price (0.0 otherwise); ``ts`` is the venue's time
    (epoch ms) of the order's creation, or of the acknowledgement for an order just placed."""

    id: str
    client_oid: str
    symbol: str
    side: Side
    kind: OrderKind
    price: float
    trigger: float
    qty: float
    filled: float
    status: OrderStatus
    reduce_only: bool
    ts: int


class VenueFill(msgspec.Struct, frozen=True):
    """One trade of ours. ``fee`` is in USDT, positive when paid; ``reduce`` is True when the
    trade closed or reduced a position."""

    id: str
    order_id: str
    symbol: str
    side: Side
    price: float
    qty: float
    fee: float
    ts: int
    reduce: bool


class VenuePosition(msgspec.Struct, frozen=True):
    """An open position: ``side`` +1 long / -1 short, ``qty`` > 0 in base units;
    ``liquidation_price`` 0.0 when the venue does not say."""

    symbol: str
    side: int
    qty: float
    entry_price: float
    leverage: float
    liquidation_price: float
    margin_mode: str


class VenueBalance(msgspec.Struct, frozen=True):
    """The futures account's USDT: ``total`` equity and what is ``free`` to use."""

    total: float
    free: float


class VenueError(Exception):
    """Base of every failure of a venue call; its message never holds a credential."""


class VenueRejected(VenueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"venue refused (code {code or 'none'}): {message}")
        self.code = code
        self.message = message


class OutcomeUnknown(VenueError):
    def __init__(self, where: str, detail: str) -> None:
        super().__init__(f"{where}: outcome unknown ({detail})")
        self.where = where
        self.detail = detail


class VenueUnreachable(VenueError):
    def __init__(self, where: str, detail: str) -> None:
        super().__init__(f"{where}: no answer ({detail})")
        self.where = where
        self.detail = detail


class RateLimited(VenueError):
    def __init__(self, where: str, tries: int) -> None:
        super().__init__(f"{where}: rate limited on all {tries} tries")
        self.where = where
        self.tries = tries


class BadVenueAnswer(OutcomeUnknown):
    """An answer that cannot be booked. It subclasses ``OutcomeUnknown`` because from a POST
    it leaves the request's fate open (the venue may have executed it)."""

    def __init__(self, where: str, why: str) -> None:
        VenueError.__init__(self, f"{where}: bad venue answer: {why}")
        self.where = where
        self.detail = why
        self.why = why
