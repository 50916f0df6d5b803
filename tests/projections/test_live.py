"""The live read model against hand-computed accounts: each test one tiny Executor story."""

from __future__ import annotations

import random

import pytest

from adapters.services.engine import Engine
from adapters.store.event_store import open_store
from adapters.store.home import Home
from domain.executor import Executor
from projections.live.projector import LiveProjector
from projections.live.reader import LiveReader
from projections.live.schema import TABLES
from projections.read_db import open_read_db
from tests.projections.live_kit import (
    BTC,
    ETH,
    M,
    entry,
    fill,
    long_two_fills,
    placed,
    stop_order,
)
from tests.stubs import T0


@pytest.fixture
def world():
    store = open_store(memory=True)
    db = open_read_db(":memory:")
    projector = LiveProjector(store.recorder, db, store.mapper.transcoder.decode)
    yield store, projector, LiveReader(db), Executor("sim", "bitget")
    db.conn.close()


def _project(world) -> LiveReader:
    store, projector, reader, ex = world
    store.save(ex)
    projector.catch_up()
    return reader


def test_a_new_account_has_no_balance_and_was_never_reconciled(world) -> None:
    [account] = _project(world).accounts()
    assert (account.account, account.venue) == ("sim", "bitget")
    assert (account.balance_total, account.balance_ts, account.reconciled_ts) == (0.0, 0, 0)
    assert account.reconciliation is None


def test_two_fills_average_their_entry(world) -> None:
    long_two_fills(world[3])
    [pos] = _project(world).positions("sim")
    assert (pos.symbol, pos.side, pos.qty, pos.entry_price) == (BTC, 1, 2.0, 95.0)
    assert pos.fees == pytest.approx(0.02)
    assert pos.opened_ts == T0 + M and not pos.adopted


def test_a_position_shows_the_stop_resting_for_it(world) -> None:
    long_two_fills(world[3])
    [pos] = _project(world).positions("sim")
    assert (pos.stop_trigger, pos.stop_qty) == (85.0, 2.0)


def test_a_moved_stop_shows_its_new_trigger(world) -> None:
    ex = world[3]
    long_two_fills(ex)
    [resting] = [o for o in ex.orders.values() if o.trigger]
    ex.stop_move_requested(resting.client_oid, 88.0, 2.0, T0 + 4 * M)
    ex.stop_moved(resting.client_oid, 88.0, 2.0, T0 + 4 * M)
    [pos] = _project(world).positions("sim")
    assert pos.stop_trigger == 88.0


def test_a_stop_only_requested_protects_nothing_yet(world) -> None:
    ex = world[3]
    short = placed(ex, entry(ETH, -1, 1.0, 2000.0, T0))
    fill(ex, short, 2000.0, 1.0, T0 + M)
    ex.request(stop_order(ETH, 1, 1.0, 2100.0, T0 + M))  # the venue has not answered
    [pos] = _project(world).positions("sim")
    assert (pos.side, pos.stop_trigger, pos.stop_qty) == (-1, None, None)
    [order] = world[2].orders("sim")
    assert (order.role, order.status, order.trigger) == ("stop", "requested", 2100.0)


def test_an_adopted_position_is_marked_adopted(world) -> None:
    world[3].adopt(ETH, -1, 0.5, 2000.0, T0)
    [pos] = _project(world).positions("sim")
    assert (pos.side, pos.qty, pos.entry_price, pos.adopted) == (-1, 0.5, 2000.0, True)


def test_a_closing_fill_removes_the_position_and_its_stop(world) -> None:
    ex = world[3]
    long_two_fills(ex)
    close = placed(ex, entry(BTC, -1, 2.0, 110.0, T0 + 5 * M, level=-1))
    fill(ex, close, 110.0, 2.0, T0 + 6 * M)
    reader = _project(world)
    assert reader.positions("sim") == [] and reader.orders("sim") == []
    assert [(f.price, f.qty, f.side) for f in reader.fills("sim")] == [
        (110.0, 2.0, -1),
        (90.0, 1.0, 1),
        (100.0, 1.0, 1),
    ]


def test_a_partly_filled_order_rests_with_its_filled_quantity(world) -> None:
    ex = world[3]
    order = placed(ex, entry(BTC, 1, 2.0, 100.0, T0))
    fill(ex, order, 100.0, 0.5, T0 + M)
    [row] = _project(world).orders("sim")
    assert (row.qty, row.filled, row.status, row.price) == (2.0, 0.5, "open", 100.0)
    assert row.venue_id == f"v-{T0}-0" and (row.role, row.side, row.market) == ("entry", 1, False)


def test_a_cancel_requested_shows_until_the_venue_answers(world) -> None:
    ex = world[3]
    order = placed(ex, entry(BTC, 1, 1.0, 100.0, T0))
    ex.cancel_requested(order.client_oid, "re-priced", T0 + M)
    assert _project(world).orders("sim")[0].status == "cancel_requested"
    ex.cancelled(order.client_oid, "cancelled", T0 + M)
    assert _project(world).orders("sim") == []


def test_a_rejected_order_leaves_no_row(world) -> None:
    ex = world[3]
    order = ex.request(entry(BTC, 1, 1.0, 100.0, T0))
    ex.rejected(order.client_oid, "40762", "balance", T0)
    assert _project(world).orders("sim") == []


def test_balance_reconciliation_and_emergencies(world) -> None:
    ex = world[3]
    ex.balance_refreshed(1000.0, 800.0, T0)
    ex.reconciled({"adopted": 1, "cancelled": 2}, T0 + M)
    ex.emergency(BTC, "stop refused 3 times", T0 + 2 * M)
    [account] = _project(world).accounts()
    assert (account.balance_total, account.balance_free, account.balance_ts) == (1000.0, 800.0, T0)
    assert (account.reconciled_ts, account.reconciliation) == (
        T0 + M,
        {"adopted": 1, "cancelled": 2},
    )
    assert account.emergencies == 1


def test_a_summary_stays_when_later_events_rewrite_the_account(world) -> None:
    ex = world[3]
    ex.reconciled({"adopted": 1}, T0)
    _project(world)
    ex.balance_refreshed(500.0, 500.0, T0 + M)
    [account] = _project(world).accounts()
    assert (account.reconciliation, account.balance_total) == ({"adopted": 1}, 500.0)


def test_the_last_balance_alert_is_the_newest(world) -> None:
    ex = world[3]
    ex.refresh_balance(1000.0, 1000.0, T0, 10.0)
    ex.refresh_balance(880.0, 880.0, T0 + M, 10.0)  # -12 %
    ex.refresh_balance(1000.0, 1000.0, T0 + 2 * M, 10.0)  # +13.6 %
    reader = _project(world)
    alert = reader.last_balance_alert("sim")
    assert alert is not None and (alert.before, alert.after, alert.since_ts, alert.ts) == (
        880.0, 1000.0, T0 + M, T0 + 2 * M,
    )  # fmt: skip
    [view] = reader.views()
    assert view.balance_alert == alert


def test_an_account_without_an_alert_has_none(world) -> None:
    world[3].refresh_balance(1000.0, 1000.0, T0, 10.0)
    [view] = _project(world).views()
    assert view.balance_alert is None


def test_a_halted_symbol_shows_its_reason_since_its_first_failure(world) -> None:
    ex = world[3]
    ex.halt(BTC, "venue holds 1, executor 2", T0)
    ex.halt(BTC, "venue holds 1, executor 3", T0 + M)
    [halt] = _project(world).halted("sim")
    assert (halt.symbol, halt.reason, halt.since) == (BTC, "venue holds 1, executor 3", T0)


def test_a_resumed_symbol_is_no_longer_halted(world) -> None:
    ex = world[3]
    ex.halt(BTC, "unexplained", T0)
    _project(world)
    ex.resume(BTC, T0 + M)
    assert _project(world).halted("sim") == []


def test_another_process_projecting_in_between_is_folded_again(world) -> None:
    """Two projectors on one read DB: the first's executor falls behind what the second
    wrote; its next page refolds from the store instead of applying on a stale state."""
    store, first, reader, ex = world
    second = LiveProjector(store.recorder, first.db, store.mapper.transcoder.decode)
    a = placed(ex, entry(BTC, 1, 1.0, 100.0, T0))
    fill(ex, a, 100.0, 1.0, T0 + M)
    store.save(ex)
    first.catch_up()
    b = placed(ex, entry(BTC, 1, 1.0, 90.0, T0, level=1))
    store.save(ex)
    second.catch_up()
    fill(ex, b, 90.0, 1.0, T0 + 2 * M)
    store.save(ex)
    first.catch_up()
    [pos] = reader.positions("sim")
    assert (pos.qty, pos.entry_price) == (2.0, 95.0)


# -- incremental versus rebuild ---------------------------------------------------------------
def _dump(db) -> list[str]:
    return [line for line in db.conn.iterdump() if any(f'"{t}"' in line for t in TABLES)]


def _random_minute(ex: Executor, rng: random.Random, ts: int) -> None:
    """One step of a random account story touching every kind of event."""
    symbol = rng.choice((BTC, ETH))
    roll = rng.random()
    if roll < 0.35:
        order = placed(ex, entry(symbol, rng.choice((1, -1)), 1.0, 100.0 + rng.randint(0, 20), ts))
        if rng.random() < 0.7:
            fill(ex, order, order.price, rng.choice((0.5, 1.0)), ts)
    elif roll < 0.5 and symbol in ex.positions:
        pos = ex.positions[symbol]
        placed_stop = placed(ex, stop_order(symbol, -pos.side, pos.qty, 80.0, ts))
        if rng.random() < 0.5:
            ex.stop_move_requested(placed_stop.client_oid, 82.0, pos.qty, ts)
            ex.stop_moved(placed_stop.client_oid, 82.0, pos.qty, ts)
    elif roll < 0.6 and ex.orders:
        oid = rng.choice(sorted(ex.orders))
        ex.cancel_requested(oid, "re-priced", ts)
        ex.cancelled(oid, "cancelled", ts)
    elif roll < 0.7:  # moves of up to 30 %: some alert (``live_balance_alerts``)
        ex.refresh_balance(1000.0 + 300.0 * rng.random(), 900.0, ts, 10.0)
        ex.reconciled({"seen": rng.randint(0, 9)}, ts)
    elif roll < 0.8:
        ex.halt(symbol, f"mismatch {rng.randint(0, 3)}", ts)
    elif roll < 0.85:
        ex.resume(symbol, ts)
    elif roll < 0.9:
        ex.emergency(symbol, "stop refused", ts)


def test_rebuild_equals_incremental_built_across_page_boundaries(tmp_path) -> None:
    engine = Engine(Home(tmp_path))
    try:
        accounts = [
            (Executor("a", "bitget"), random.Random(1)),
            (Executor("b", "sim"), random.Random(2)),
        ]
        live = next(p for p in engine.projectors if isinstance(p, LiveProjector))
        pages = iter([(1, 1), (7, 3), (50, 1), (3, 5), (1000, 50)] * 20)
        for minute in range(300):
            for ex, rng in accounts:
                _random_minute(ex, rng, T0 + minute * M)
            if minute % 7 == 6:
                engine.store.save(*(ex for ex, _ in accounts))
                live.catch_up(*next(pages))
        engine.store.save(*(ex for ex, _ in accounts))
        engine.project()
        incremental = _dump(engine.read_db)
        assert sum("live_fills" in line for line in incremental) > 50
        assert any("live_balance_alerts" in line for line in incremental)
        engine.rebuild_projections()
        assert _dump(engine.read_db) == incremental
        reader = engine.live_reader()
        for ex, _ in accounts:  # the read model holds the aggregate's own state
            positions = {
                p.symbol: (p.side, p.qty, p.entry_price) for p in reader.positions(ex.account)
            }
            assert positions == {s: (p.side, p.qty, p.entry_price) for s, p in ex.positions.items()}
            assert {o.client_oid for o in reader.orders(ex.account)} == set(ex.orders)
            assert {h.symbol: h.reason for h in reader.halted(ex.account)} == ex.halted
    finally:
        engine.close()


def test_the_read_model_pages_every_event_the_executor_records() -> None:
    """An event kind the projector does not page (the edits were, once) leaves each folded
    account a version behind: every later page then refolds the account from the store."""
    from domain.executor import Executor
    from projections.live.projector import LiveProjector

    # ``Created`` is the library's default creation event: the Executor is created by its
    # ``Started`` event instead, so none is ever recorded
    recorded = {
        kind.TOPIC for name, kind in vars(Executor).items()
        if isinstance(kind, type) and "TOPIC" in vars(kind) and name not in ("Snapshot", "Created")
    }  # fmt: skip
    assert "scalp_radar:Executor.OrderEdited" in recorded
    assert recorded <= set(LiveProjector.topics)
