"""Strict readers of ccxt 4.5.90's Bitget answers into the account vocabulary.

ccxt is lenient: an unparseable body reads as an empty list, a missing field as ``None``, "NaN"
as a float NaN. Each reader here demands every field it books and refuses the whole answer with
a one-line ``BadVenueAnswer(where, why)`` naming the call and the field, so nothing is booked
from half an answer. Readers take ccxt's unified structures (ccxt already turns Bitget's hedge-
mode sides and fee signs into its own convention) and the raw body only where ccxt drops what
we need (Bitget's ``tradeSide``, ``planType``, the plan-cancel lists).
"""

from __future__ import annotations

import math
from typing import Any, get_args

from adapters.exchanges.account_vocabulary import (
    BadVenueAnswer,
    OrderStatus,
    Side,
    VenueBalance,
    VenueFill,
    VenueOrder,
    VenuePosition,
)

_SIDES = get_args(Side)
_STATUSES = get_args(OrderStatus)
# Bitget's fill tradeSide: hedge mode says open/close; one-way mode names the side, prefixed
# when the trade reduced (reduce_), was a liquidation (burst_), an offset or a delivery
_OPENING_TRADES = {"open", "buy_single", "sell_single"}
_REDUCING_PREFIXES = ("close", "reduce_", "burst_", "offset_", "delivery_", "dte_sys_adl_")


def data_of(where: str, raw: Any, container: type) -> Any:
    """Bitget's ``data`` of a raw answer, which must be a JSON object holding one of the
    ``container`` type: ccxt reads a non-JSON body as "nothing" (an empty list), which must
    never pass for "no positions" or "no orders"."""
    if not isinstance(raw, dict):
        raise BadVenueAnswer(where, "the answer is not a JSON object")
    data = raw.get("data")
    if not isinstance(data, container):
        raise BadVenueAnswer(where, f"'data' is not a {container.__name__}")
    return data


def venue_time(where: str, raw: dict) -> int:
    """Bitget's ``requestTime`` (epoch ms): the venue's clock for an acknowledgement, which
    carries no time of its own."""
    return _ms(where, raw, "requestTime")


def read_ack(where: str, order: dict) -> str:
    """The order id of a place/edit acknowledgement (``{orderId, clientOid}``)."""
    return _text(where, order, "id")


def read_order(where: str, order: dict) -> VenueOrder:
    """A normal (limit or market) order from an order list or detail."""
    kind = order.get("type")
    if kind not in ("limit", "market"):
        raise BadVenueAnswer(where, f"order type {kind!r} is not limit or market")
    return VenueOrder(
        id=_text(where, order, "id"),
        client_oid=_text(where, order, "clientOrderId"),
        symbol=_text(where, order, "symbol"),
        side=_side(where, order),
        kind=kind,
        price=_positive(where, order, "price") if kind == "limit" else 0.0,
        trigger=0.0,
        qty=_positive(where, order, "amount"),
        filled=_non_negative(where, order, "filled"),
        status=_status(where, order),
        reduce_only=_flag(where, order, "reduceOnly"),
        ts=_ms(where, order, "timestamp"),
    )


def plan_type(where: str, order: dict) -> str:
    """Bitget's ``planType`` of a plan order (ccxt keeps it only in ``info``)."""
    return _text(where, _info(where, order), "planType")


def read_stop(where: str, order: dict) -> VenueOrder:
    """A position stop (``pos_loss``) from the plan lists: it never fills itself (its trigger
    spawns a market order with another id), so ``filled`` is 0."""
    return VenueOrder(
        id=_text(where, order, "id"),
        client_oid=_text(where, order, "clientOrderId"),
        symbol=_text(where, order, "symbol"),
        side=_side(where, order),
        kind="stop",
        price=0.0,
        trigger=_positive(where, order, "triggerPrice"),
        qty=_positive(where, order, "amount"),
        filled=0.0,
        status=_status(where, order),
        reduce_only=True,
        ts=_ms(where, order, "timestamp"),
    )


def read_fill(where: str, trade: dict) -> VenueFill:
    fee = trade.get("fee")
    if not isinstance(fee, dict):
        raise BadVenueAnswer(where, "field 'fee' missing")
    if fee.get("currency") != "USDT":
        raise BadVenueAnswer(where, f"fee currency {fee.get('currency')!r} is not USDT")
    return VenueFill(
        id=_text(where, trade, "id"),
        order_id=_text(where, trade, "order"),
        symbol=_text(where, trade, "symbol"),
        side=_side(where, trade),
        price=_positive(where, trade, "price"),
        qty=_positive(where, trade, "amount"),
        # ccxt already flips Bitget's sign (Bitget: negative = paid): positive = paid; a
        # rebate may be negative, so only finiteness is demanded
        fee=_finite(where, fee, "cost"),
        ts=_ms(where, trade, "timestamp"),
        reduce=_reduces(where, trade),
    )


def is_flat(where: str, position: dict) -> bool:
    """A position entry of size 0 (Bitget lists them after a close)."""
    return _non_negative(where, position, "contracts") == 0.0


def read_position(where: str, position: dict) -> VenuePosition:
    side = position.get("side")
    if side not in ("long", "short"):
        raise BadVenueAnswer(where, f"position side {side!r} is not long or short")
    liquidation = position.get("liquidationPrice")
    return VenuePosition(
        symbol=_text(where, position, "symbol"),
        side=1 if side == "long" else -1,
        qty=_positive(where, position, "contracts"),
        entry_price=_positive(where, position, "entryPrice"),
        leverage=_positive(where, position, "leverage"),
        # ccxt reads Bitget's "0" (not computed yet) as None: unknown, not a price of 0
        liquidation_price=0.0
        if liquidation is None
        else _non_negative(where, position, "liquidationPrice"),
        margin_mode=_text(where, position, "marginMode"),
    )


def read_balance(where: str, balance: dict) -> VenueBalance:
    usdt = balance.get("USDT")
    if not isinstance(usdt, dict):
        raise BadVenueAnswer(where, "no USDT account in the answer")
    return VenueBalance(
        total=_non_negative(where, usdt, "total"), free=_non_negative(where, usdt, "free")
    )


def _reduces(where: str, trade: dict) -> bool:
    trade_side = _text(where, _info(where, trade), "tradeSide").lower()
    if trade_side in _OPENING_TRADES:
        return False
    if trade_side.startswith(_REDUCING_PREFIXES):
        return True
    raise BadVenueAnswer(where, f"unknown tradeSide {trade_side!r}")


def _info(where: str, item: dict) -> dict:
    info = item.get("info")
    if not isinstance(info, dict):
        raise BadVenueAnswer(where, "field 'info' missing")
    return info


def _text(where: str, item: dict, key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise BadVenueAnswer(where, f"field {key!r} missing")
    return value


def _side(where: str, item: dict) -> Side:
    side = item.get("side")
    if side not in _SIDES:
        raise BadVenueAnswer(where, f"side {side!r} is not buy or sell")
    return side


def _status(where: str, order: dict) -> OrderStatus:
    status = order.get("status")
    if status not in _STATUSES:
        raise BadVenueAnswer(where, f"unknown order status {status!r}")
    return status


def _flag(where: str, item: dict, key: str) -> bool:
    value = item.get(key)
    if not isinstance(value, bool):
        raise BadVenueAnswer(where, f"field {key!r} missing")
    return value


def _ms(where: str, item: dict, key: str) -> int:
    value = item.get(key)
    try:
        ms = int(value)  # Bitget sends times as strings, ccxt as ints
    except (TypeError, ValueError):
        raise BadVenueAnswer(where, f"field {key!r} is not a time in ms: {value!r}") from None
    if ms <= 0:
        raise BadVenueAnswer(where, f"field {key!r} is not a time in ms: {value!r}")
    return ms


def _finite(where: str, item: dict, key: str) -> float:
    value = item.get(key)
    if value is None:
        raise BadVenueAnswer(where, f"field {key!r} missing")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadVenueAnswer(where, f"field {key!r} is not a number: {value!r}") from None
    if not math.isfinite(number):
        raise BadVenueAnswer(where, f"field {key!r} is not finite: {value!r}")
    return number


def _non_negative(where: str, item: dict, key: str) -> float:
    number = _finite(where, item, key)
    if number < 0:
        raise BadVenueAnswer(where, f"field {key!r} is negative: {number!r}")
    return number


def _positive(where: str, item: dict, key: str) -> float:
    number = _non_negative(where, item, key)
    if number == 0:
        raise BadVenueAnswer(where, f"field {key!r} is zero")
    return number
