"""Crash-only: ``scalp-radar live`` killed (SIGKILL) at random moments of a rehearsal, restarted
each time, trades exactly as if nothing had happened.

The live process runs as a real subprocess against the local Bitget (which lives in the test
and keeps its state across the kills); a random delay, seeded, decides each kill: during the
boot's reconciliation, between a request and its answer, between a fill and its stop. After
the last run reaches the end of the candles:

- the venue's positions and open orders are the executor's;
- the venue never advanced its clock while a position had no stop (lockstep: the process that
  comes back reconciles before it steps), and refused no client id as a duplicate;
- the round trips on the venue's own fill list equal a paper replay of the same candles.

With the events in SQLite and in PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.services.engine import Engine
from adapters.store.home import Home
from domain.executor import Executor
from tests.adapters.live.live_kit import DAY, paper_trades, rehearsal, sim_trades
from tests.store_kit import Stores

START = 1_748_736_000_000  # 2025-06-01
# long enough that 20 runs, each killed within 3.5 s of its start or 2 s of its first step
# (40 market hours a second here), never reach the end: the kills, not the speed of the
# machine, decide how many there are
DAYS = 90
KILLS = 20
ROOT = Path(__file__).resolve().parents[3]


def live_process(home: Path, config: Path, port: str) -> subprocess.Popen:
    argv = [sys.executable, "-m", "adapters.cli.main", "--home", str(home)]
    argv += ["--config-dir", str(config), "live", "--venue", f"sim:{port}", "--from", "2025-06-01"]
    return subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def killed(store: Stores, tmp_path_factory: pytest.TempPathFactory):
    with store.fresh():
        return _killed_rehearsal(tmp_path_factory.mktemp("kills"))


def _killed_rehearsal(root: Path):
    rng = random.Random(15)
    with rehearsal(root, START, end=START + DAYS * DAY, live=True) as r:
        port = r.sim.url.rsplit(":", 1)[1]
        kills, clocks = 0, []
        while True:
            proc = live_process(r.home, r.config, port)
            try:
                _, err = proc.communicate(timeout=_kill_delay(r, proc, kills, rng))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                kills += 1
                clocks.append(r.sim.matcher.now_ts)
                continue
            assert proc.returncode == 0, err.decode()[-2000:]
            break
        state = r.sim.state()
        engine = Engine(Home.resolve(str(r.home)))
        try:
            executor = engine.store.repository.get(Executor.create_id(f"sim:{port}"))
            paper = paper_trades(engine, r.settings, START, START + DAYS * DAY)
        finally:
            engine.close()
        return kills, clocks, state, executor, sim_trades(r.sim), paper


def _kill_delay(r, proc: subprocess.Popen, kills: int, rng: random.Random) -> float:
    """Seconds until the next kill. One kill in four counts from the start, so it may land in
    the boot's reconciliation; the others count from the first step the process makes, so a
    loaded machine's slow boot does not turn every kill into a kill at boot."""
    if kills >= KILLS:
        return 900  # the last run goes to the end
    if kills % 4 == 0:
        return rng.uniform(0.8, 3.5)
    delay = rng.uniform(0.2, 2.0)
    began, clock = time.monotonic(), r.sim.matcher.now_ts
    while r.sim.matcher.now_ts == clock and proc.poll() is None and time.monotonic() - began < 60:
        time.sleep(0.02)
    return delay


def test_the_process_was_killed_twenty_times_while_trading(killed) -> None:
    kills, clocks, *_ = killed
    assert kills >= KILLS
    assert len(set(clocks)) >= KILLS // 2, "kills must land at many market times, not all at boot"


def test_the_venue_holds_what_the_executor_holds(killed) -> None:
    _, _, state, executor, _, _ = killed
    venue_positions = {p.symbol: round(p.qty, 9) for p in state.positions}
    mine = {s: round(p.side * p.qty, 9) for s, p in executor.positions.items()}
    assert venue_positions == mine
    venue_orders = {o.order_id for o in state.open_orders} | {p.order_id for p in state.open_plans}
    assert venue_orders == {o.venue_id for o in executor.orders.values()}
    assert executor.halted == {}


def test_no_position_went_without_a_stop_and_no_client_id_twice(killed) -> None:
    _, _, state, _, _, _ = killed
    assert state.unprotected.pauses == 0
    assert state.duplicates_refused == []


def test_the_trades_are_those_of_an_uninterrupted_run(killed) -> None:
    *_, venue, paper = killed
    assert len(paper) >= 10
    # averages of several fills differ from paper's in the last binary digit: 6 decimals
    # is far below every tick here
    want = sorted((t.symbol, t.entry_ts, t.exit_ts, t.side, round(t.entry_price, 6),
                   round(t.exit_price, 6)) for t in paper if t.reason != "end")  # fmt: skip
    hour = 3_600_000
    got = sorted((t.symbol, t.entry_ts // hour * hour, t.exit_ts // hour * hour, t.side,
                  round(t.entry_price, 6), round(t.exit_price, 6)) for t in venue)  # fmt: skip
    assert got == want
