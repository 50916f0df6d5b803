"""Round trips rebuilt from the venue's fills: what live trading actually did.

A trade starts with the fill that opens a position on a symbol and ends with the fill that
brings it back to flat (one-way netting, ``domain.executor.apply_fill``). Prices are the
quantity-weighted averages of the entry and exit fills, so a live trade compares directly with
the paper trade of the same cycle.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from domain.executor import apply_fill
from domain.live_orders import LivePosition


class VenueFillRecord(msgspec.Struct, frozen=True):
    """The fields of an ``OrderFilled`` event that make a position."""

    symbol: str
    side: int
    price: float
    qty: float
    fee: float
    ts: int


class LiveTrade(msgspec.Struct, frozen=True):
    symbol: str
    side: int
    entry_ts: int
    exit_ts: int
    entry_price: float
    exit_price: float
    qty: float
    fees: float
    pnl: float  # price P&L minus fees


def live_trades(fills: Iterable[VenueFillRecord]) -> list[LiveTrade]:
    positions: dict[str, LivePosition] = {}
    trades: list[LiveTrade] = []
    for f in fills:
        closed = apply_fill(positions, f.symbol, f.side, f.price, f.qty, f.fee, f.ts)
        if closed is not None:
            trades.append(_trade(f.symbol, closed))
    return trades


def _trade(symbol: str, pos: LivePosition) -> LiveTrade:
    entry_qty = sum(leg.qty for leg in pos.entries)
    exit_qty = sum(leg.qty for leg in pos.exits)
    entry = sum(leg.price * leg.qty for leg in pos.entries) / entry_qty
    exit_ = sum(leg.price * leg.qty for leg in pos.exits) / exit_qty
    return LiveTrade(
        symbol=symbol,
        side=pos.side,
        entry_ts=pos.opened_ts,
        exit_ts=pos.exits[-1].ts,
        entry_price=entry,
        exit_price=exit_,
        qty=entry_qty,
        fees=pos.fees,
        pnl=pos.realized - pos.fees,
    )
