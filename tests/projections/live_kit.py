"""Executor event streams built with the aggregate's own commands, for the live read model's
tests (projection, status, dashboard): no venue needed."""

from __future__ import annotations

from domain.executor import Executor
from domain.live_orders import LiveOrder
from domain.runner_book import OrderRole
from tests.stubs import T0

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"
KEY = "grid_atr:BTC/USDT"
M = 60_000


def entry(symbol: str, side: int, qty: float, price: float, ts: int, level: int = 0) -> LiveOrder:
    """A limit entry of a grid level, as the engine decides it."""
    return LiveOrder(
        client_oid="",
        symbol=symbol,
        key=KEY,
        role=OrderRole.ENTRY,
        level=level,
        side=side,
        qty=qty,
        price=price,
        ts=ts,
    )


def stop_order(symbol: str, side: int, qty: float, trigger: float, ts: int) -> LiveOrder:
    """A stop closing with ``side``, as the engine decides it."""
    return LiveOrder(
        client_oid="",
        symbol=symbol,
        key=KEY,
        role=OrderRole.STOP,
        side=side,
        qty=qty,
        trigger=trigger,
        reduce_only=True,
        ts=ts,
    )


def placed(ex: Executor, order: LiveOrder) -> LiveOrder:
    """``order`` requested, then accepted by the venue (venue id ``v-<ts>-<level>``)."""
    mine = ex.request(order)
    venue_id = f"v-{order.ts}-{order.level}"
    if order.role == OrderRole.STOP:
        ex.stop_placed(mine.client_oid, venue_id, order.trigger, order.qty, order.ts)
    else:
        ex.accepted(mine.client_oid, venue_id, order.ts)
    return mine


def fill(ex: Executor, order: LiveOrder, price: float, qty: float, ts: int) -> None:
    """A venue fill of ``order`` (fill id ``f<ts>``, fee 0.01)."""
    ex.book_fill(f"f{ts}", order.venue_id, order.symbol, order.side, price, qty, 0.01, ts)


def long_two_fills(ex: Executor) -> None:
    """Two grid levels filled, 1 @ 100 then 1 @ 90 (entry 95), protected at 85 for 2."""
    a = placed(ex, entry(BTC, 1, 1.0, 100.0, T0, level=0))
    b = placed(ex, entry(BTC, 1, 1.0, 90.0, T0, level=1))
    fill(ex, a, 100.0, 1.0, T0 + M)
    fill(ex, b, 90.0, 1.0, T0 + 2 * M)
    placed(ex, stop_order(BTC, -1, 2.0, 85.0, T0 + 3 * M))
