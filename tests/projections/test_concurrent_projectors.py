"""Two processes projecting the same store into the same read DB (``paper`` and ``serve`` do)
apply every event exactly once between them: counters are not doubled."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from adapters.services.engine import Engine
from adapters.store.home import Home
from domain.simulator import Simulator

CYCLES = 300
T = 1_700_006_400_000
H = 3_600_000


def _write_cycles(home: Path, done: threading.Event) -> None:
    """One grid cycle per candle, each +1.5 (no fees): known counters at the end."""
    engine = Engine(Home(home))
    sim = Simulator(name="paper", capital=10_000.0, max_margin_ratio=0.7)
    sim.enable_runner("g:BTC", "g", "BTC", "grid")
    for i in range(CYCLES):
        ts = T + i * H
        sim.open_level("g:BTC", 0, 1, 100.0, 1.0, 0.0, 10.0, ts)
        trade = {"strategy": "g", "symbol": "BTC", "side": 1, "entry_ts": ts, "exit_ts": ts}
        trade |= {"entry_price": 100.0, "exit_price": 101.5, "qty": 1.0, "levels": 1}
        trade |= {"gross": 1.5, "entry_fees": 0.0, "exit_fee": 0.0, "funding": 0.0}
        trade |= {"pnl": 1.5, "reason": "tp"}
        sim.close_cycle("g:BTC", trade)
        sim.close_candle(ts, {}, {"BTC": 101.5})
        engine.store.save(sim)
    engine.close()
    done.set()


def _project_until(home: Path, done: threading.Event, errors: list[BaseException]) -> None:
    engine = Engine(Home(home))  # its own connections, as another process would have
    try:
        while not done.is_set():
            engine.project()
        engine.project()
    except BaseException as exc:  # surfaced by the test
        errors.append(exc)
    finally:
        engine.close()


def test_concurrent_projectors_apply_each_event_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Engine(Home(home)).close()  # create both databases first
    done = threading.Event()
    errors: list[BaseException] = []
    projectors = [
        threading.Thread(target=_project_until, args=(home, done, errors)) for _ in range(2)
    ]
    for thread in projectors:
        thread.start()
    _write_cycles(home, done)
    for thread in projectors:
        thread.join(timeout=120)
    assert not errors, errors
    engine = Engine(Home(home))
    runner = engine.paper_reader().runners("paper")[0]
    assert runner["trades"] == CYCLES
    assert runner["realized_pnl"] == pytest.approx(1.5 * CYCLES)
    assert len(engine.paper_reader().equity("paper").ts) == CYCLES
    journal = engine.read_db.execute("SELECT COUNT(*) FROM paper_journal").fetchone()[0]
    engine.rebuild_projections()
    assert engine.read_db.execute("SELECT COUNT(*) FROM paper_journal").fetchone()[0] == journal
    assert engine.paper_reader().runners("paper")[0]["trades"] == CYCLES
    engine.close()
