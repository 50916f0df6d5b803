"""The Executor aggregate: positions from fills, one booking per fill id, deterministic ids."""

from __future__ import annotations

import pytest

from domain.executor import Executor
from domain.live_orders import LiveOrder, OrderStatus
from domain.live_trades import VenueFillRecord, live_trades
from domain.runner_book import OrderRole

SYM = "BTC/USDT:USDT"


def entry(ts: int = 1_000, level: int = 0, price: float = 100.0) -> LiveOrder:
    return LiveOrder(
        client_oid="", symbol=SYM, key="grid:BTC", role=OrderRole.ENTRY, level=level,
        side=1, qty=2.0, price=price, ts=ts,
    )  # fmt: skip


def test_a_request_is_recorded_with_a_client_oid_derived_from_the_decision() -> None:
    a, b = Executor("acc", "bitget"), Executor("acc", "bitget")
    oid_a, oid_b = a.request(entry()).client_oid, b.request(entry()).client_oid
    assert oid_a == oid_b and oid_a.startswith("sr") and len(oid_a) <= 64
    assert a.orders[oid_a].status == OrderStatus.REQUESTED
    assert a.request(entry()).client_oid != oid_a, "a second decision never reuses an id"


def test_two_fills_average_the_entry_and_a_close_leaves_the_symbol_flat() -> None:
    ex = Executor("acc", "bitget")
    ex.book_fill("f1", "v1", SYM, 1, 100.0, 1.0, 0.02, 10)
    ex.book_fill("f2", "v2", SYM, 1, 90.0, 1.0, 0.018, 20)
    pos = ex.positions[SYM]
    assert (pos.side, pos.qty, pos.entry_price) == (1, 2.0, 95.0)
    ex.book_fill("f3", "v3", SYM, -1, 99.0, 2.0, 0.06, 30)
    assert SYM not in ex.positions


def test_a_fill_seen_twice_is_booked_once() -> None:
    """Bug G: a fill seen by both the stream and a poll booked its P&L twice."""
    ex = Executor("acc", "bitget")
    assert ex.book_fill("f1", "v1", SYM, 1, 100.0, 1.0, 0.0, 10)
    assert not ex.book_fill("f1", "v1", SYM, 1, 100.0, 1.0, 0.0, 10)
    assert ex.positions[SYM].qty == 1.0


def test_the_stop_of_a_position_that_went_flat_is_forgotten() -> None:
    ex = Executor("acc", "bitget")
    ex.book_fill("f1", "v1", SYM, 1, 100.0, 1.0, 0.0, 10)
    stop = ex.request(
        LiveOrder(client_oid="", symbol=SYM, key="k", role=OrderRole.STOP, side=-1, qty=1.0,
                  trigger=80.0, ts=10)
    )  # fmt: skip
    ex.stop_placed(stop.client_oid, "plan-1", 80.0, 1.0, 10)
    ex.book_fill("f2", "spawned-market-order", SYM, -1, 80.0, 1.0, 0.0, 20)
    assert ex.orders == {} and ex.positions == {}


def test_rebuilt_from_its_events_it_holds_the_same_state() -> None:
    ex = Executor("acc", "bitget")
    order = ex.request(entry())
    ex.accepted(order.client_oid, "v1", 1_000)
    ex.book_fill("f1", "v1", SYM, 1, 100.0, 1.0, 0.02, 1_100)
    ex.halt("ETH/USDT:USDT", "venue position unexplained", 1_200)
    copy = None
    for e in ex.collect_events():
        copy = e.mutate(copy)
    assert copy.orders == ex.orders and copy.positions == ex.positions
    assert copy.fills_seen == {"f1"} and copy.halted == ex.halted and copy.requests == 1


def test_trades_from_fills_average_entries_and_exits() -> None:
    """Hand computed: buy 1 @100, buy 1 @90 (avg 95), sell 2 @99: +8 price P&L, 0.1 fees."""
    fills = [
        VenueFillRecord(SYM, 1, 100.0, 1.0, 0.04, 10),
        VenueFillRecord(SYM, 1, 90.0, 1.0, 0.02, 20),
        VenueFillRecord(SYM, -1, 99.0, 2.0, 0.04, 30),
    ]
    (trade,) = live_trades(fills)
    assert (trade.entry_ts, trade.exit_ts, trade.entry_price, trade.exit_price) == (10, 30, 95, 99)
    assert trade.pnl == pytest.approx(8.0 - 0.1)


def test_an_edit_is_recorded_before_the_call_and_moves_the_order_to_its_new_client_id() -> None:
    ex = Executor("acc", "bitget")
    order = ex.request(entry())
    ex.accepted(order.client_oid, "v1", 1_000)
    new_oid = ex.request_edit(order.client_oid, 99.5, 2.0, 2_000)
    assert new_oid != order.client_oid and ex.orders[order.client_oid].edit_oid == new_oid
    ex.edited(order.client_oid, "v1", 2_000)
    assert list(ex.orders) == [new_oid]
    moved = ex.orders[new_oid]
    assert (moved.price, moved.venue_id, moved.edit_oid) == (99.5, "v1", "")


def test_a_failed_edit_leaves_the_order_as_it_was() -> None:
    ex = Executor("acc", "bitget")
    order = ex.request(entry())
    ex.accepted(order.client_oid, "v1", 1_000)
    ex.request_edit(order.client_oid, 99.5, 2.0, 2_000)
    ex.edit_failed(order.client_oid, "40768", "Order does not exist", 2_000)
    kept = ex.orders[order.client_oid]
    assert (kept.price, kept.edit_oid) == (100.0, "")


def test_a_fill_of_an_order_nobody_placed_makes_the_position_adopted() -> None:
    """A trade by hand on a traded symbol: the position is no longer the runner's own."""
    ex = Executor("acc", "bitget")
    ex.book_fill("f1", "by-hand", SYM, 1, 100.0, 1.0, 0.0, 10)
    assert ex.positions[SYM].adopted


def test_a_stop_fill_of_an_unknown_order_only_reduces() -> None:
    """A triggered stop's market order is not the executor's, yet it only closes: no adoption."""
    ex = Executor("acc", "bitget")
    order = ex.request(entry())
    ex.accepted(order.client_oid, "v1", 1_000)
    ex.book_fill("f1", "v1", SYM, 1, 100.0, 2.0, 0.0, 10)
    ex.book_fill("f2", "spawned", SYM, -1, 90.0, 1.0, 0.0, 20)
    pos = ex.positions[SYM]
    assert (pos.qty, pos.adopted, pos.levels) == (1.0, False, [0])


def test_a_snapshot_restores_what_replay_builds() -> None:
    """Boot reads the latest snapshot and the events after it: same state as a full replay."""
    ex = Executor("acc", "bitget")
    order = ex.request(entry())
    ex.accepted(order.client_oid, "v1", 1_000)
    ex.book_fill("f1", "v1", SYM, 1, 100.0, 1.0, 0.02, 1_100)
    stop = ex.request(
        LiveOrder(client_oid="", symbol=SYM, key="k", role=OrderRole.STOP, side=-1, qty=1.0,
                  trigger=85.0, ts=1_100)
    )  # fmt: skip
    ex.stop_placed(stop.client_oid, "p1", 85.0, 1.0, 1_100)
    ex.halt("ETH/USDT:USDT", "why", 1_200)
    events = ex.collect_events()
    snapshot = Executor.Snapshot.take(ex)
    restored = snapshot.mutate(None)
    replayed = None
    for e in events:
        replayed = e.mutate(replayed)
    for name in ("orders", "positions", "fills_seen", "halted", "requests", "closed_ts"):
        assert getattr(restored, name) == getattr(replayed, name), name
