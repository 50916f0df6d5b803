"""Paper-trading rules of the Simulator, one tiny scenario each: kill switches (runner and
global, with their thresholds, grace period, cooldown and reset), the regime filter, entry
refusals, collisions, the candle guard. Expected figures are computed by hand."""

from __future__ import annotations

import math

import pytest

from adapters.store.event_store import open_store
from domain.candle_guard import CandleGuard
from domain.kill_switch import Limits, ResetDecision, ResetRefusal, global_trip, runner_trip
from domain.runner_state import EntryRefusal
from domain.simulator import DAY_MS, Simulator

H = 3_600_000
T = 1_700_006_400_000  # a UTC midnight (2023-11-15)


def _sim(capital: float = 10_000.0) -> Simulator:
    sim = Simulator(name="t", capital=capital, max_margin_ratio=0.7)
    return sim


def _runner(sim: Simulator, key: str = "g:BTC", kind: str = "grid", symbol: str = "BTC") -> None:
    sim.enable_runner(key, key.split(":")[0], symbol, kind)
    sim.configure_runner(key=key, params={}, regimes={}, grace_until=T, warmup=10, ts=T)


def _trade(pnl: float, exit_ts: int) -> dict:
    # gross = pnl with no fees: the cash moves by exactly pnl
    return {"gross": pnl, "exit_fee": 0.0, "pnl": pnl, "exit_ts": exit_ts}


# -- pure threshold rules -----------------------------------------------------------------------
def test_grid_runner_trips_at_25_percent_of_capital_realised_plus_unrealised() -> None:
    limits = Limits()
    # realised -1500, unrealised -1000: loss 2500 = 25 % of 10 000 -> trips (>=)
    reason, figures = runner_trip("grid", -1500.0, 0.0, -1000.0, 10_000.0, limits)
    assert reason == "session_loss"
    assert figures["loss_percent"] == pytest.approx(25.0)
    assert runner_trip("grid", -1500.0, 0.0, -999.0, 10_000.0, limits) is None


def test_mono_runner_trips_at_5_percent_session_or_10_percent_daily() -> None:
    limits = Limits()
    assert runner_trip("mono", -400.0, 0.0, -99.0, 10_000.0, limits) is None  # 4.99 %
    assert runner_trip("mono", -400.0, 0.0, -100.0, 10_000.0, limits)[0] == "session_loss"
    # a profitable session but a bad day: daily is 10 %, so -1000 today trips only via daily
    reason, figures = runner_trip("mono", 2000.0, -1000.0, 0.0, 10_000.0, limits)
    assert reason == "daily_loss" and figures["threshold_percent"] == 10.0


def test_global_switch_measures_drawdown_from_the_window_peak() -> None:
    limits = Limits()
    window = [[T, 10_000.0], [T + H, 12_000.0], [T + 2 * H, 8_400.0]]
    reason, figures = global_trip(window, 8_400.0, limits)  # (12000 - 8400) / 12000 = 30 %
    assert reason == "drawdown"
    assert figures["drawdown_percent"] == pytest.approx(30.0)
    assert figures["peak_ts"] == T + H
    assert global_trip(window, 8_401.0, limits) is None


# -- on the aggregate ---------------------------------------------------------------------------
def test_runner_switch_waits_for_the_grace_period_then_blocks_entries() -> None:
    sim = _sim()
    sim.enable_runner("g:BTC", "g", "BTC", "grid")
    sim.configure_runner(key="g:BTC", params={}, regimes={}, grace_until=T + 10 * H, warmup=5, ts=T)
    sim.close_cycle("g:BTC", _trade(-3000.0, T))  # 30 % lost at once
    sim.close_candle(T + 9 * H, {}, {})
    assert sim.runners["g:BTC"].trip is None  # still inside the grace period
    assert sim.entry_block("g:BTC", adding=False) is None
    sim.close_candle(T + 10 * H, {}, {})
    trip = sim.runners["g:BTC"].trip
    assert trip.reason == "session_loss" and trip.ts == T + 10 * H
    assert trip.figures["loss_percent"] == pytest.approx(30.0)
    assert sim.entry_block("g:BTC", adding=True) is EntryRefusal.KILL_SWITCH


def test_a_candle_records_its_trips_before_the_clock_event_that_closes_it() -> None:
    sim = _sim()
    _runner(sim, "m:BTC", kind="mono")
    sim.close_candle(T, {}, {})  # equity 10 000: the window's peak
    sim.close_position("m:BTC", _trade(-3100.0, T + H))  # -31 %: runner and global trip
    sim.collect_events()
    sim.close_candle(T + H, {}, {"BTC": 1.0})
    events = sim.collect_events()
    assert [(type(e).__name__, getattr(e, "scope", "")) for e in events] == [
        ("KillSwitchTripped", "global"),
        ("KillSwitchTripped", "runner"),
        ("ClockAdvanced", ""),
    ]
    assert sim.window == [[T, 10_000.0], [T + H, 6_900.0]]


def test_daily_loss_counts_only_trades_closed_today() -> None:
    sim = _sim()
    _runner(sim, "m:BTC", kind="mono")
    sim.close_position("m:BTC", _trade(+600.0, T))  # day 1: +600
    sim.close_position("m:BTC", _trade(-900.0, T + DAY_MS))  # day 2: -900, session -300
    sim.close_candle(T + DAY_MS + H, {"m:BTC": -150.0}, {})
    # session: -300 - 150 = 4.5 % < 5 ; daily: -900 - 150 = 10.5 % >= 10
    assert sim.runners["m:BTC"].trip.reason == "daily_loss"


def test_global_switch_trips_blocks_everyone_and_resets_only_after_cooldown() -> None:
    sim = _sim()
    _runner(sim, "g:BTC")
    _runner(sim, "g:ETH", symbol="ETH")
    sim.close_candle(T, {}, {})  # equity 10 000 = the window's peak
    sim.close_candle(T + H, {"g:BTC": -3100.0}, {"BTC": 1.0})  # equity 6 900: -31 %
    assert sim.kill.reason == "drawdown"
    assert sim.kill.figures["drawdown_percent"] == pytest.approx(31.0)
    assert sim.entry_block("g:ETH", adding=False) is EntryRefusal.KILL_SWITCH
    # 23 h later (market time) the 24 h cooldown is not over
    sim.close_candle(T + 24 * H, {}, {})
    outcome = sim.reset_kill_switches(request=1, key="", ts=T + 24 * H)
    assert outcome.refused is ResetRefusal.COOLDOWN and outcome.scopes == ()
    assert outcome.text == "refused: global kill switch is in its cooldown for 1.0 h more"
    assert sim.kill is not None and sim.requests_done == 1
    sim.close_candle(T + 25 * H, {}, {})
    outcome = sim.reset_kill_switches(request=2, key="", ts=T + 25 * H)
    assert outcome == ResetDecision(scopes=("global", "g:BTC"))  # its -31 % tripped it too
    assert sim.kill is None and sim.window == [] and sim.requests_done == 2
    assert sim.entry_block("g:ETH", adding=False) is None


def test_global_window_forgets_peaks_older_than_24_hours() -> None:
    sim = _sim()
    _runner(sim)
    sim.close_candle(T, {"g:BTC": 2000.0}, {})  # peak 12 000
    sim.close_candle(T + 24 * H, {"g:BTC": -1500.0}, {})  # 8 500: -29 % of the old peak...
    sim.close_candle(T + 25 * H, {"g:BTC": -1600.0}, {})  # ...the 12 000 left the window
    assert sim.kill is None
    assert [row[0] for row in sim.window] == [T + 24 * H, T + 25 * H]


def test_runner_reset_starts_a_new_session() -> None:
    sim = _sim()
    _runner(sim, "m:BTC", kind="mono")
    sim.close_position("m:BTC", _trade(-600.0, T))
    sim.close_candle(T + H, {}, {})
    assert sim.runners["m:BTC"].trip is not None
    assert sim.reset_kill_switches(request=1, key="m:BTC", ts=T + H).text == "reset m:BTC"
    sim.close_candle(T + 2 * H, {}, {})
    assert sim.runners["m:BTC"].trip is None  # the -600 belongs to the old session
    refused = sim.reset_kill_switches(request=2, key="nope", ts=T)
    assert refused.refused is ResetRefusal.UNKNOWN_RUNNER and refused.why == "no runner 'nope'"
    assert sim.reset_kill_switches(request=3, key="", ts=T).text == "nothing was tripped"


def test_regime_filter_blocks_new_grids_but_not_added_levels_and_records_changes_once() -> None:
    sim = _sim()
    _runner(sim)
    sim.set_regime("g:BTC", "crash", True, T)
    sim.set_regime("g:BTC", "crash", True, T + H)  # unchanged: no second event
    assert sim.entry_block("g:BTC", adding=False) is EntryRefusal.REGIME
    assert sim.entry_block("g:BTC", adding=True) is None
    sim.set_regime("g:BTC", "range", False, T + DAY_MS)
    assert sim.entry_block("g:BTC", adding=False) is None
    names = [type(e).__name__ for e in sim.collect_events()]
    assert names.count("EntryBlocked") == 1 and names.count("EntryUnblocked") == 1


def test_margin_refusal_is_recorded_once_per_episode() -> None:
    sim = _sim()
    _runner(sim)
    sim.refuse_entry("g:BTC", EntryRefusal.MARGIN, T)
    sim.refuse_entry("g:BTC", EntryRefusal.MARGIN, T + H)
    assert sim.runners["g:BTC"].blocked == {EntryRefusal.MARGIN: T}
    sim.open_level("g:BTC", 0, 1, 100.0, 1.0, 0.0, 10.0, T + 2 * H)  # an entry lifts it
    assert sim.runners["g:BTC"].blocked == {}
    sim.refuse_entry("g:BTC", EntryRefusal.MARGIN, T + 3 * H)
    blocked = [e for e in sim.collect_events() if type(e).__name__ == "EntryBlocked"]
    # the events store the refusal's value: the string stored events have always held
    assert [(type(e.reason), e.reason, e.ts) for e in blocked] == [
        (str, "margin", T),
        (str, "margin", T + 3 * H),
    ]


def test_collision_is_flagged_when_a_second_runner_opens_the_same_symbol() -> None:
    sim = _sim()
    _runner(sim, "a:BTC")
    _runner(sim, "b:BTC")
    _runner(sim, "c:ETH", symbol="ETH")
    sim.warn_collision("a:BTC", T)  # nobody holds BTC yet
    sim.open_level("a:BTC", 0, 1, 100.0, 1.0, 0.0, 10.0, T)
    sim.warn_collision("c:ETH", T)  # another symbol
    sim.warn_collision("b:BTC", T + H)
    collisions = [e for e in sim.collect_events() if type(e).__name__ == "CollisionDetected"]
    assert [(e.key, e.other, e.symbol) for e in collisions] == [("b:BTC", "a:BTC", "BTC")]


def test_force_close_settles_the_position_at_the_given_price() -> None:
    sim = _sim()
    _runner(sim, "m:BTC", kind="mono")
    sim.open_position("m:BTC", 1, 100.0, 2.0, 0.2, 50.0, math.nan, 90.0, T)
    sim.force_close("m:BTC", 110.0, 0.001, T + H, "disabled")
    # gross 2 x 10 = 20, exit fee 0.001 x 110 x 2 = 0.22, entry fee 0.2 paid at the open
    assert sim.cash == pytest.approx(10_000.0 - 0.2 + 20.0 - 0.22)
    assert sim.runners["m:BTC"].side == 0 and sim.margin_used == pytest.approx(0.0)
    closed = [e for e in sim.collect_events() if type(e).__name__ == "PositionClosed"]
    assert closed[-1].trade["reason"] == "disabled"


def test_state_rebuilt_from_a_stored_snapshot_equals_the_replayed_state() -> None:
    store = open_store(memory=True)
    sim = _sim()
    _runner(sim)
    sim.close_candle(T, {"g:BTC": -10.0}, {"BTC": 1.0})
    sim.set_regime("g:BTC", "bear", True, T)
    sim.open_level("g:BTC", 0, 1, 100.0, 1.0, 0.1, 10.0, T)
    store.save(sim)
    replayed = store.repository.get(sim.id)
    store.snapshots.put([Simulator.Snapshot.take(sim)])
    from_snapshot = store.repository.get(sim.id)
    assert vars(from_snapshot) == vars(replayed) == vars(sim)


# -- candle guard -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("row", "why"),
    [
        ((T + H, 1.0, 2.0, 0.5, 1.5, 1.0), None),
        ((T, 1.0, 2.0, 0.5, 1.5, 1.0), "duplicate"),
        ((T - H, 1.0, 2.0, 0.5, 1.5, 1.0), "older"),
        ((T + H, math.nan, 2.0, 0.5, 1.5, 1.0), "open is nan"),
        ((T + H, 1.0, 0.4, 0.5, 0.45, 1.0), "high 0.4 < low 0.5"),
    ],
)
def test_candle_guard_rejects_repeated_old_and_corrupt_candles(row, why) -> None:
    guard = CandleGuard({"BTC": T})
    problem = guard.check("BTC", row, H)
    if why is None:
        assert problem is None and guard.last_ts["BTC"] == T + H
    else:
        assert why in problem and guard.last_ts["BTC"] == T  # a rejected candle changes nothing
