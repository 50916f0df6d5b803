"""Failure scenarios of live trading (notes/live-trading.md, sections F and G), each against
the local Bitget with the real ccxt client: one symbol (BTC), one grid runner, a few days of
the sample from 2025-06-01. Each test drives the venue's lockstep clock itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from adapters.services.engine import Engine
from adapters.services.live_trader import LiveTrader
from adapters.venue_sim.faults import Fault
from domain.executor import Executor
from domain.runner_book import OrderRole
from tests.adapters.live.conftest import START
from tests.adapters.live.live_kit import DAY, Rehearsal, rehearsal

BTC = "BTC/USDT:USDT"
# the first BTC fill of the sample's June 2025 comes at 2025-06-01 09:00 (a level of grid_atr)


def until(r: Rehearsal, trader: LiveTrader, done: Callable[[dict], bool], react: bool = True):
    """Step the venue (reacting like ``rehearse``) until ``done(pause)``; returns that pause,
    before any reaction to it."""
    for _ in range(2_000):
        pause = r.step()
        assert pause["paused"] != "end", "the scenario never happened"
        if done(pause):
            return pause
        if react:
            trader.react(trader._symbols())
            if pause["paused"] == "candle":
                trader.take_candles(trader.fetch_closed())
    raise AssertionError("the scenario never happened")


def first_fill(pause: dict) -> bool:
    return pause["paused"] == "fill"


def stops_on_venue(r: Rehearsal) -> list:
    return [p for p in r.sim.state().open_plans if p.symbol == BTC]


def booted(r: Rehearsal, engine: Engine) -> LiveTrader:
    trader = r.trader(engine)
    trader.boot(START)
    return trader


def test_an_entry_fill_gets_its_stop_before_the_venue_moves_on(venue) -> None:
    r, engine = venue
    trader = booted(r, engine)
    until(r, trader, first_fill)
    trader.react({BTC})
    (stop,) = stops_on_venue(r)
    pos = trader.executor.positions[BTC]
    assert stop.trigger == pytest.approx(round(pos.entry_price * 0.85, 1))


def test_a_stop_refused_three_times_closes_the_position_at_market(venue) -> None:
    """F4: a trigger on the wrong side of the market (45122) cannot rest: after bounded tries
    the position is closed (reduce-only market) and EmergencyCloseRequested is recorded."""
    r, engine = venue
    trader = booted(r, engine)
    until(r, trader, first_fill)
    path = "/api/v2/mix/order/place-tpsl-order"
    r.sim.faults.add(Fault("error", path, times=3, code="45122"))
    trader.react({BTC})
    assert trader.executor.emergencies == 1
    assert r.sim.state().positions == []
    assert BTC not in trader.executor.positions


def test_an_order_whose_answer_was_lost_is_found_by_its_client_id(venue) -> None:
    """F6: the venue took the order, the answer never came: the executor looks it up by its
    clientOid and places no second one."""
    r, engine = venue
    r.sim.faults.add(Fault("lose_answer", "/api/v2/mix/order/place-order", times=1))
    trader = booted(r, engine)
    state = r.sim.state()
    assert state.duplicates_refused == []
    venue_ids = {o.order_id for o in state.open_orders}
    entries = [o for o in trader.executor.orders.values() if o.role == OrderRole.ENTRY]
    assert entries and {o.venue_id for o in entries} == venue_ids


def test_a_partial_fill_keeps_what_filled_protects_it_and_drops_the_rest(venue) -> None:
    """F8: half a level fills, then the level is no longer wanted: the filled half stays, with
    its stop, and no order for that level rests once the candle closes."""
    r, engine = venue
    trader = booted(r, engine)
    r.sim.faults.add(Fault("partial", fraction=0.5, times=1))
    pause = until(r, trader, first_fill)
    (fill,) = pause["fills"]
    trader.react({BTC})
    pos = trader.executor.positions[BTC]
    assert pos.qty == pytest.approx(fill["qty"]) and len(stops_on_venue(r)) == 1
    level = pos.levels[0]
    until(r, trader, lambda p: p["paused"] == "candle")
    trader.react({BTC})
    trader.take_candles(trader.fetch_closed())
    resting = [o for o in trader.executor.orders.values() if o.role == OrderRole.ENTRY]
    assert level not in {o.level for o in resting}


def test_a_position_found_on_the_venue_is_adopted_protected_and_its_symbol_halted(venue) -> None:
    """F9: a position no fill of the executor explains (older than any history, or opened by
    hand): adopted, given a stop, and its symbol halted until an operator resumes it."""
    r, engine = venue
    trader = r.trader(engine)
    trader.account.markets()
    trader.account.place_market(BTC, "buy", 0.01, "by-hand-1", False)
    trader.boot(START)
    ex = trader.executor
    assert ex.positions[BTC].adopted and BTC in ex.halted
    assert len(stops_on_venue(r)) == 1
    assert not [o for o in ex.orders.values() if o.role == OrderRole.ENTRY]


def test_bursts_of_429_are_waited_out(venue) -> None:
    """F10: three 429 answers in a row, then the venue answers: the orders rest once each."""
    r, engine = venue
    r.sim.faults.add(Fault("429", "/api/v2/mix/order/place-order", times=3))
    trader = booted(r, engine)
    state = r.sim.state()
    assert len(state.open_orders) == len(trader.executor.orders) > 0
    assert state.duplicates_refused == []


def test_a_process_killed_between_a_fill_and_its_stop_protects_first_at_boot(venue) -> None:
    """F11 (and F7, a fill missed while away): the fill is booked and the stop placed by the
    boot's reconciliation, before the venue is stepped again."""
    r, engine = venue
    trader = booted(r, engine)
    until(r, trader, first_fill)
    # the process dies here: a new one boots on the same store
    again = booted(r, engine)
    assert BTC in again.executor.positions
    assert len(stops_on_venue(r)) == 1
    assert r.sim.state().unprotected.pauses == 0


def test_a_position_closed_by_hand_while_down_is_closed_at_the_venues_price(venue) -> None:
    """F12: the engine was down, a human closed the position: boot books the close from the
    venue's fills (no halt: the fills explain it) and the stop is gone with the position."""
    r, engine = venue
    trader = booted(r, engine)
    until(r, trader, first_fill)
    trader.react({BTC})
    closed = r.sim.close_position(BTC)
    again = booted(r, engine)
    ex = again.executor
    assert BTC not in ex.positions and BTC not in ex.halted
    assert not [o for o in ex.orders.values() if o.role == OrderRole.STOP]
    assert ex.last_fill_ts[BTC] == closed.ts


def test_a_hedge_mode_account_is_switched_to_one_way_at_boot(tmp_path: Path) -> None:
    """F5: a hedge-mode account refuses one-way orders (40774); boot sets one-way mode first."""
    with rehearsal(tmp_path, START, assets=("BTC/USDT",), end=START + 2 * DAY) as r:
        r.sim.endpoints.hedge_mode = True
        engine = r.engine()
        try:
            trader = booted(r, engine)
            assert trader.executor.orders and r.sim.state().open_orders
        finally:
            engine.close()


def test_a_second_boot_cancels_none_of_its_own_orders(venue) -> None:
    """G: the orphan sweep once cancelled the grid's own stop and pending entries."""
    r, engine = venue
    trader = booted(r, engine)
    until(r, trader, first_fill)
    trader.react({BTC})
    before = r.sim.state()
    again = r.trader(engine)
    again.boot(START)
    after = r.sim.state()
    assert {o.order_id for o in after.open_orders} == {o.order_id for o in before.open_orders}
    assert {p.order_id for p in after.open_plans} == {p.order_id for p in before.open_plans}
    events = engine.store.events.get(Executor.create_id("sim"))
    assert not [e for e in events if type(e).__name__ == "OrphanFound"]


def test_the_leverage_on_the_venue_is_the_runners(venue) -> None:
    """G: a margin check once used another leverage than the orders'."""
    r, engine = venue
    booted(r, engine)
    assert r.sim.matcher.leverage[BTC] == 3


def test_a_fills_answer_with_a_nan_price_books_nothing_and_is_asked_again(venue) -> None:
    """A broken answer is refused with its reason; the fill is booked from the next, sound
    answer, once."""
    r, engine = venue
    trader = booted(r, engine)
    until(r, trader, first_fill)
    r.sim.faults.add(Fault("nan_price", "/api/v2/mix/order/fills", times=1))
    trader._until_done(lambda: trader.react({BTC}))
    fills = [e for e in engine.store.events.get(Executor.create_id("sim"))
             if type(e).__name__ == "OrderFilled"]  # fmt: skip
    assert len(fills) == 1 and fills[0].price == pytest.approx(msgspec.to_builtins(
        r.sim.state().fills[0])["price"])  # fmt: skip


def test_a_refused_emergency_close_keeps_the_position_and_protects_it_next(venue) -> None:
    """G: a failed close once dropped the state. Here the stop is refused three times, then
    the emergency close too: the executor still holds the position, and the next reaction
    gives it a stop."""
    r, engine = venue
    trader = booted(r, engine)
    until(r, trader, first_fill)
    r.sim.faults.add(Fault("error", "/api/v2/mix/order/place-tpsl-order", times=3, code="45122"))
    r.sim.faults.add(Fault("error", "/api/v2/mix/order/place-order", times=1, code="40762"))
    trader.react({BTC})
    assert trader.executor.emergencies == 1 and BTC in trader.executor.positions
    assert r.sim.state().positions and not stops_on_venue(r)
    trader.react({BTC})
    assert len(stops_on_venue(r)) == 1


def test_a_restart_keeps_a_tripped_kill_switch_and_rests_no_entry(venue) -> None:
    """G: a restore once cleared an active kill switch. The shadow's switch is an event: after
    a restart it is still tripped, and the book rests no level on the venue."""
    r, engine = venue
    trader = booted(r, engine)
    sim = trader.shadow.sim
    sim._tripped(scope="global", key="", reason="drawdown", figures={}, ts=sim.last_ts)
    trader.shadow.save(sim)
    again = booted(r, engine)
    assert again.shadow.sim.kill is not None
    assert not [o for o in again.executor.orders.values() if o.role == OrderRole.ENTRY]
    assert r.sim.state().open_orders == []
