"""The operator's halt reaches live trading through the shadow: a halted shadow books no entry,
so the executor requests no entry order on the local Bitget (and without the halt it does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.store.operator_log import OperatorLog
from domain.executor import Executor
from domain.runner_book import OrderRole
from domain.simulator import Simulator
from tests.adapters.live.live_kit import rehearsal
from tests.adapters.live.test_failures import BTC, booted, first_fill, until

START = 1_748_736_000_000  # 2025-06-01 00:00 UTC
CANDLES = 24


def _entry_orders(root: Path, halt: bool) -> list[dict]:
    with rehearsal(root, START, assets=("BTC/USDT",)) as r:
        engine = r.engine()
        try:
            if halt:  # asked before the live process starts: its boot answers it
                OperatorLog(engine.store, "rehearsal").request_halt(True, "cli")
            trader = r.trader(engine)
            trader.boot(START)
            assert trader.rehearse(r.step, candles=CANDLES) == CANDLES
            events = engine.store.events.get(Executor.create_id("sim"))
            orders = [e.order for e in events if type(e).__name__ == "OrderRequested"]
        finally:
            engine.close()
    return [o for o in orders if o["role"] == "entry"]


@pytest.mark.parametrize("halt", [True, False])
def test_a_halted_shadow_places_no_entry_order(tmp_path: Path, halt: bool) -> None:
    entries = _entry_orders(tmp_path, halt)
    assert (entries == []) is halt


def test_a_flattened_shadow_closes_the_venue_position(venue) -> None:
    """The operator flattens the live portfolio while it holds a grid: at the next candle the
    shadow closes (reason flattened) and stops entries, and the executor closes the venue's
    position (reduce-only market) and cancels its stop; no entry order rests afterwards."""
    r, engine = venue
    trader = booted(r, engine)
    until(r, trader, first_fill)
    trader.react({BTC})
    _close_candle(r, trader)  # the shadow books the level at the candle's close
    assert r.sim.state().positions and any(s.side for s in trader.shadow.sim.runners.values())
    OperatorLog(engine.store, "rehearsal").request_flatten("telegram")
    pause = _close_candle(r, trader)
    for _ in range(3):  # the close fills at the venue's next pause
        r.step()
        trader.react({BTC})
    assert r.sim.state().positions == [] and BTC not in trader.executor.positions
    assert not [p for p in r.sim.state().open_plans if p.symbol == BTC]
    resting = [o for o in trader.executor.orders.values() if o.role == OrderRole.ENTRY]
    assert resting == [] and pause["paused"] == "candle"
    shadow = engine.store.events.get(Simulator.create_id("rehearsal"))
    closes = [e.trade["reason"] for e in shadow if type(e).__name__ == "GridCycleClosed"]
    assert closes == ["flattened"]  # the grid did not close by itself meanwhile


def _close_candle(r, trader) -> dict:
    pause = until(r, trader, lambda p: p["paused"] == "candle")
    trader.react({BTC})
    trader.take_candles(trader.fetch_closed())
    return pause
