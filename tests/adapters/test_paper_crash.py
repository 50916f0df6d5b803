"""Crash test: a paper replay killed with SIGKILL at random moments, restarted after each kill,
ends with the same event log and the same read DB as an uninterrupted run; with the events in
SQLite and in PostgreSQL (the ``store`` fixture)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.services.engine import Engine
from adapters.store.home import Home
from domain.simulator import Simulator
from tests.adapters.paper_kit import make_config, make_home
from tests.store_kit import Stores, stored_events

ARGS = ["paper", "--replay", "--from", "2023-06-01", "--to", "2025-12-01"]
KILLS = 8


def _paper(home: Path, config: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "adapters.cli.main", "--home", str(home)]
    command += ["--config-dir", str(config), *ARGS]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for(home: Path, count: int, process: subprocess.Popen) -> None:
    while process.poll() is None and stored_events(home) < count:
        time.sleep(0.02)


def _events(home: Path) -> list[tuple]:
    engine = Engine(Home(home))
    decode = engine.store.mapper.transcoder.decode
    out = []
    for r in engine.store.recorder.select_events(Simulator.create_id("paper")):
        state = decode(r.state)
        state.pop("timestamp")  # the library's wall clock: the only field allowed to differ
        out.append((r.originator_version, r.topic, json.dumps(state, sort_keys=True)))
    engine.close()
    return out


def _read_model(home: Path) -> dict[str, list]:
    engine = Engine(Home(home))
    engine.project()
    db = engine.read_db
    tables = sorted(t for t in db.table_names() if t.startswith("paper_"))
    dump = {t: _rows(db, t) for t in tables}
    engine.close()
    return dump


def _rows(db, table: str) -> list[tuple]:
    """A table's rows in order, without ``seq``: the events' places in the whole log, which
    the engine-session facts of each killed run legitimately shift."""
    columns = [c.name for c in db[table].columns]
    kept = ", ".join(c for c in columns if c != "seq")
    order = "portfolio, seq" if "seq" in columns else "1, 2"
    return [tuple(r) for r in db.execute(f"SELECT {kept} FROM {table} ORDER BY {order}")]


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash")
    return make_config(root, "BTC/USDT", "ETH/USDT", loose_kill_switch=False)


def _uninterrupted(config: Path, root: Path) -> tuple[list[tuple], dict[str, list], int]:
    """The reference run's events, read model and event count, in the store selected now."""
    root.mkdir()
    reference = make_home(root)
    done = _paper(reference, config)
    assert done.wait(timeout=300) == 0, done.stderr.read().decode()
    return _events(reference), _read_model(reference), stored_events(reference)


def _killed(config: Path, root: Path, final: int) -> tuple[list[tuple], dict[str, list], int]:
    """The same run killed ``KILLS`` times, then finished: its events, read model and kills."""
    root.mkdir()
    crashed = make_home(root)
    rng = random.Random(20261123)
    # kill points spread over the log, each well before its end, so the run is still busy
    targets = sorted(rng.randint(final // 20, final * 9 // 10) for _ in range(KILLS))
    kills = 0
    for run, target in enumerate(targets):
        process = _paper(crashed, config)
        if run % 4 == 0:  # some kills land during the boot, before anything is written
            time.sleep(rng.uniform(0.2, 1.5))
        else:  # the others once the log has grown to the kill point
            _wait_for(crashed, target, process)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
    finish = _paper(crashed, config)
    assert finish.wait(timeout=300) == 0, finish.stderr.read().decode()
    return _events(crashed), _read_model(crashed), kills


def test_sigkill_at_random_moments_loses_and_duplicates_nothing(
    store: Stores, config: Path, tmp_path: Path
) -> None:
    with store.fresh():  # each run its own store: they must not see each other's events
        expected, expected_model, final = _uninterrupted(config, tmp_path / "reference")
    with store.fresh():
        events, model, kills = _killed(config, tmp_path / "crashed", final)

    assert kills >= KILLS - 1  # the runs were really interrupted
    assert len(expected) > 10_000
    assert events == expected
    assert model == expected_model
