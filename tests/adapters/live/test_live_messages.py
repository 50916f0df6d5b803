"""What Telegram is told of live trading's failures, from the events a rehearsal on the local
Bitget really records (the wording's own tests use hand-made events): each alert names the
symbol and what the order was for, not a bare client id."""

from __future__ import annotations

from pathlib import Path

from adapters.notify.notifier import Notifier
from adapters.services.engine import Engine
from adapters.venue_sim.faults import Fault
from config.notify import NotifyFile
from projections.notifier import Message
from tests.adapters.live.test_failures import BTC, booted, first_fill, until


def _told(engine: Engine, tmp_path: Path) -> list[Message]:
    decode = engine.store.mapper.transcoder.decode
    rules = NotifyFile(digest_after=0)
    notifier = Notifier(engine.store.recorder, decode, tmp_path / "n.db", rules, log=print)
    try:
        return notifier.preview()
    finally:
        notifier.close()


def test_refused_stops_and_a_refused_close_are_told_with_their_symbol(venue, tmp_path) -> None:
    r, engine = venue
    trader = booted(r, engine)
    until(r, trader, first_fill)
    r.sim.faults.add(Fault("error", "/api/v2/mix/order/place-tpsl-order", times=3, code="45122"))
    r.sim.faults.add(Fault("error", "/api/v2/mix/order/place-order", times=1, code="40762"))
    trader.react({BTC})
    told = _told(engine, tmp_path)
    kinds = [m.kind for m in told]
    assert kinds.count("emergency_close") == 1
    rejected = [m for m in told if m.kind == "order_rejected"]
    # three stops, then the emergency close: all on BTC, each saying what it was for
    assert len(rejected) == 4 and {m.subject for m in rejected} == {BTC}
    assert sum(f"<b>{BTC}</b> stop order rejected (45122)" in m.text for m in rejected) == 3
    assert sum(f"<b>{BTC}</b> emergency order rejected (40762)" in m.text for m in rejected) == 1


def test_a_position_nobody_placed_is_told_as_a_halt(venue, tmp_path) -> None:
    r, engine = venue
    trader = r.trader(engine)
    trader.account.markets()
    trader.account.place_market(BTC, "buy", 0.01, "by-hand-1", False)
    trader.boot(r.start)
    (halt,) = [m for m in _told(engine, tmp_path) if m.kind == "reconciliation_failed"]
    assert halt.subject == BTC and f"<b>{BTC}</b> (sim) halted: reconciliation failed" in halt.text
