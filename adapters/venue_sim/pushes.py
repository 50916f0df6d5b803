"""What the account changed since the last push, as the private channels' frames.

Every change of an order or a stop stamps its ``updated`` with ``Matcher.stamp()``, which only
grows, and fills are only appended; so a watermark (fills seen, newest stamp seen) finds every
change whoever made it (the matching walk, an HTTP request, a hand close) without a hook at
each place that changes something. Frames come out in market-time order: per fill, the
``orders`` update that carries it, then the ``fill``.
"""

from __future__ import annotations

from typing import Any

import msgspec

from adapters.venue_sim import wire
from adapters.venue_sim.matching import Matcher


class Watermark(msgspec.Struct):
    fills: int = 0  # fills already pushed (an index into Matcher.fills)
    stamp: int = 0  # order and plan changes up to this market time already pushed


def pushes_since(m: Matcher, mark: Watermark) -> list[dict[str, Any]]:
    """The frames of every change after ``mark``, oldest first; ``mark`` moves past them."""
    timed: list[tuple[int, int, dict[str, Any]]] = []  # (market time, order of emission, frame)

    def add(channel: str, row: dict[str, Any], ts: int) -> None:
        timed.append((ts, len(timed), wire.ws_push(channel, row, ts)))

    filled_orders: set[str] = set()
    for f in m.fills[mark.fills :]:
        order = m.orders[f.order_id]
        wire_id = m.markets[f.symbol].wire_id
        filled_orders.add(order.order_id)
        add("orders", wire.ws_order_row(order, wire_id, f), f.ts)
        add("fill", wire.ws_fill_row(f, wire_id, order.kind), f.ts)
    for o in m.orders.values():
        if o.updated > mark.stamp and o.order_id not in filled_orders:
            add("orders", wire.ws_order_row(o, m.markets[o.symbol].wire_id, None), o.updated)
    for p in m.plans.values():
        if p.updated > mark.stamp:
            add("orders-algo", wire.ws_plan_row(p, m.markets[p.symbol].wire_id), p.updated)
    skip(m, mark)
    return [frame for _ts, _i, frame in sorted(timed, key=lambda t: t[:2])]


def skip(m: Matcher, mark: Watermark) -> None:
    """Move ``mark`` past everything so far (nobody listens: nothing to push)."""
    mark.fills, mark.stamp = len(m.fills), m.last_stamp
