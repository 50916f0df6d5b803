"""The operator's halt of new entries on the Simulator: what it refuses, what it lets through,
and that replay and snapshots restore it."""

from __future__ import annotations

from domain.runner_state import EntryRefusal
from domain.simulator import Simulator

KEY = "grid_atr:BTC/USDT"
HOUR = 3_600_000


def _sim() -> Simulator:
    sim = Simulator(name="paper", capital=10_000.0, max_margin_ratio=1.0)
    sim.enable_runner(KEY, "grid_atr", "BTC/USDT", "grid")
    return sim


def test_a_halt_refuses_a_first_level_but_lets_an_open_grid_go_on() -> None:
    sim = _sim()
    sim.halt_entries(1, True, "telegram", 5 * HOUR)
    assert sim.entry_block(KEY, adding=False) == EntryRefusal.HALTED
    assert sim.entry_block(KEY, adding=True) is None
    assert (sim.entries_halted, sim.halted_ts, sim.halted_by) == (True, 5 * HOUR, "telegram")


def test_resume_allows_entries_again_and_both_answer_their_request() -> None:
    sim = _sim()
    sim.halt_entries(3, True, "cli", HOUR)
    assert sim.requests_done == 3
    sim.halt_entries(4, False, "telegram", 2 * HOUR)
    assert sim.entry_block(KEY, adding=False) is None
    assert (sim.entries_halted, sim.halted_ts, sim.halted_by, sim.requests_done) == (
        False, 0, "", 4,
    )  # fmt: skip


def test_a_second_stop_keeps_the_first_one_s_time_and_author() -> None:
    sim = _sim()
    sim.halt_entries(1, True, "cli", HOUR)
    sim.halt_entries(2, True, "telegram", 2 * HOUR)
    assert (sim.halted_ts, sim.halted_by, sim.requests_done) == (HOUR, "cli", 2)


def test_a_tripped_kill_switch_is_the_reason_given_before_the_halt() -> None:
    sim = _sim()
    sim.halt_entries(1, True, "cli", HOUR)
    sim._tripped(scope="global", key="", reason="drawdown", figures={}, ts=HOUR)
    assert sim.entry_block(KEY, adding=False) == EntryRefusal.KILL_SWITCH


def test_replay_and_snapshot_restore_the_halt() -> None:
    sim = _sim()
    sim.halt_entries(1, True, "telegram", HOUR)
    events = sim.collect_events()
    replayed = None
    for e in events:
        replayed = e.mutate(replayed)
    assert (replayed.entries_halted, replayed.halted_by) == (True, "telegram")
    restored = Simulator.Snapshot.take(replayed).mutate(None)
    assert restored.entry_block(KEY, adding=False) == EntryRefusal.HALTED


def test_a_snapshot_taken_before_halts_existed_restores_as_not_halted() -> None:
    snapshot = Simulator.Snapshot.take(_sim())
    for name in ("entries_halted", "halted_ts", "halted_by"):
        snapshot.state.pop(name, None)  # what an older snapshot holds
    assert snapshot.mutate(None).entry_block(KEY, adding=False) is None
