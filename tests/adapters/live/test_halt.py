"""The operator's halt reaches live trading through the shadow: a halted shadow books no entry,
so the executor requests no entry order on the local Bitget (and without the halt it does)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.store.operator_log import OperatorLog
from domain.executor import Executor
from tests.adapters.live.live_kit import rehearsal

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
