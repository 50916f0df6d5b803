"""The paper read model on hand-computed scenarios driven through a real Simulator."""

from __future__ import annotations

import random

import pytest

from adapters.services.engine import Engine
from adapters.store.event_store import open_store
from adapters.store.home import Home
from domain.kill_switch import Limits
from domain.simulator import Simulator
from domain.trades import build_trade
from projections.paper.projector import PaperProjector
from projections.paper.reader import PaperReader
from projections.read_db import open_read_db
from tests.store_kit import Stores
from tests.stubs import T0

H = 3_600_000
GRID = "grid_atr:BTC/USDT"
MONO = "bollinger_mr:ETH/USDT"
TABLES = (
    "paper_portfolios",
    "paper_runners",
    "paper_positions",
    "paper_marks",
    "paper_trades",
    "paper_equity",
    "paper_journal",
    "paper_fills",
    "paper_stop_moves",
)


def _setup(sim: Simulator) -> None:
    sim.set_limits(Limits(global_max_drawdown_percent=5.0))
    sim.enable_runner(GRID, "grid_atr", "BTC/USDT", "grid")
    sim.enable_runner(MONO, "bollinger_mr", "ETH/USDT", "mono")
    sim.configure_runner(GRID, {"sl_percent": 10.0}, {}, grace_until=T0, warmup=50, ts=T0)
    sim.configure_runner(MONO, {"sl_percent": 5.0}, {}, grace_until=T0, warmup=20, ts=T0)


def _two_levels(sim: Simulator) -> None:
    """Grid long: level 0 at 100 (qty 1, fee 0.04), level 1 at 90 (qty 1, fee 0.036)."""
    sim.open_level(GRID, 0, 1, 100.0, 1.0, 0.04, 20.0, T0 + H)
    sim.close_candle(T0 + H, {GRID: -2.0}, {"BTC/USDT": 98.0})
    sim.open_level(GRID, 1, 1, 90.0, 1.0, 0.036, 20.0, T0 + 2 * H)
    sim.close_candle(T0 + 2 * H, {GRID: -6.0}, {"BTC/USDT": 92.0})


def _close_grid_and_open_mono(sim: Simulator) -> None:
    sim.charge_funding(GRID, 0.0001, 0.02, T0 + 3 * H)
    trade = build_trade(sim.runners[GRID], "grid_atr", "BTC/USDT", T0 + 4 * H, 100.0, 4e-4, "tp")
    sim.close_cycle(GRID, trade.record())
    sim.open_position(MONO, -1, 2000.0, 0.05, 0.04, 25.0, 1900.0, 2100.0, T0 + 4 * H)
    sim.close_candle(T0 + 4 * H, {MONO: -2.5}, {"ETH/USDT": 2050.0, "BTC/USDT": 101.0})


def _crash_and_reset(sim: Simulator) -> None:
    """ETH at 3200: the short loses 60 (6 % of capital, runner switch at 5 %) and the equity
    falls 5.7 % from its 24 h peak (global switch at 5 %)."""
    sim.close_candle(T0 + 5 * H, {MONO: -60.0}, {"ETH/USDT": 3200.0})
    sim.reset_kill_switches(1, "", T0 + 6 * H)  # refused: inside the 24 h cooldown
    sim.reset_kill_switches(2, "", T0 + 30 * H)
    sim.force_close(MONO, 3000.0, 6e-4, T0 + 30 * H, "disabled")
    sim.disable_runner(MONO, "no longer enabled in the config", T0 + 30 * H)


@pytest.fixture
def world():
    store = open_store(memory=True)
    db = open_read_db(":memory:")
    projector = PaperProjector(store.recorder, db, store.mapper.transcoder.decode)
    sim = Simulator(name="alpha", capital=1000.0, max_margin_ratio=0.7)
    _setup(sim)
    yield store, projector, PaperReader(db), sim
    db.conn.close()


def _save_and_project(store, projector: PaperProjector, sim: Simulator) -> int:
    store.save(sim)
    return projector.catch_up()


def test_two_grid_levels_average_entry_stop_and_unrealized_at_the_mark(world) -> None:
    store, projector, reader, sim = world
    _two_levels(sim)
    _save_and_project(store, projector, sim)
    (grid,) = reader.positions("alpha")
    assert grid["key"] == GRID and grid["side"] == 1
    assert grid["levels"] == {"0": [100.0, 1.0, T0 + H], "1": [90.0, 1.0, T0 + 2 * H]}
    assert (grid["qty"], grid["cost"], grid["avg_entry"]) == (2.0, 190.0, 95.0)
    assert grid["sl"] == pytest.approx(85.5)  # 95 x (1 - 10 %)
    assert grid["tp"] is None and grid["stop"] == grid["sl"]
    assert (grid["mark"], grid["unrealized"]) == (92.0, -6.0)  # 2 x 92 - 190
    assert grid["sl_distance_pct"] == pytest.approx((92 - 85.5) / 92 * 100)
    assert grid["margin"] == 40.0 and grid["entry_fees"] == pytest.approx(0.076)
    pf = reader.portfolio("alpha")
    assert pf["cash"] == pytest.approx(1000 - 0.04 - 0.036) and pf["cash"] == sim.cash
    assert (pf["margin_used"], pf["last_ts"]) == (40.0, T0 + 2 * H)
    assert pf["equity"] == pytest.approx(1000 - 0.076 - 6.0)
    curve = reader.equity("alpha")
    assert curve.ts.tolist() == [T0 + H, T0 + 2 * H]
    assert curve.equity.tolist() == pytest.approx([999.96 - 2.0, 999.924 - 6.0])
    assert curve.cash.tolist() == pytest.approx([999.96, 999.924])
    assert reader.equity("alpha", since_ts=T0 + 2 * H).ts.tolist() == [T0 + 2 * H]


def test_closed_grid_trade_realized_pnl_wins_and_cash(world) -> None:
    store, projector, reader, sim = world
    _two_levels(sim)
    _save_and_project(store, projector, sim)  # the cycle closes on a later page
    _close_grid_and_open_mono(sim)
    _save_and_project(store, projector, sim)
    (trade,) = reader.trades("alpha")
    # gross 2 x 100 - 190 = 10; fees 0.076 + 0.08 (4e-4 x 100 x 2); funding 0.02
    assert (trade["gross"], trade["levels"], trade["reason"], trade["key"]) == (10.0, 2, "tp", GRID)
    assert trade["exit_fee"] == pytest.approx(0.08)
    assert trade["pnl"] == pytest.approx(10 - 0.076 - 0.08 - 0.02)
    assert trade["entry_price"] == 95.0 and trade["entry_ts"] == T0 + H
    runners = {r["key"]: r for r in reader.runners("alpha")}
    grid = runners[GRID]
    assert (grid["trades"], grid["wins"]) == (1, 1)
    assert grid["realized_pnl"] == pytest.approx(9.824) == grid["session_pnl"]
    pf = reader.portfolio("alpha")
    assert pf["cash"] == sim.cash == pytest.approx(1000 + 9.824 - 0.04)  # minus the mono's fee
    assert pf["funding_paid"] == pytest.approx(0.02) and pf["trades_closed"] == 1
    assert (
        pf["fees_paid"] == pytest.approx(0.076 + 0.08 + 0.04) and pf["fees_paid"] == sim.fees_paid
    )
    assert pf["margin_used"] == 25.0


def test_fills_keep_each_entry_with_the_stop_from_it_on(world) -> None:
    store, projector, reader, sim = world
    _two_levels(sim)
    _close_grid_and_open_mono(sim)
    _save_and_project(store, projector, sim)
    # the grid's stop: 100 x 0.9 after the first level, 95 x 0.9 after the second; the mono
    # entry keeps its own TP and SL
    grid = reader.fills("alpha", GRID, T0, T0 + 10 * H)
    assert [(f["level"], f["price"], f["ts"], f["tp"]) for f in grid] == [
        (0, 100.0, T0 + H, None),
        (1, 90.0, T0 + 2 * H, None),
    ]
    assert [f["sl"] for f in grid] == pytest.approx([90.0, 85.5])
    (mono,) = reader.fills("alpha", MONO, T0, T0 + 10 * H)
    assert (mono["level"], mono["side"], mono["price"], mono["tp"], mono["sl"]) == (
        0, -1, 2000.0, 1900.0, 2100.0,
    )  # fmt: skip
    assert reader.fills("alpha", GRID, T0 + 2 * H + 1, T0 + 10 * H) == []
    (trade,) = reader.runner_trades("alpha", GRID, T0 + 3 * H, T0 + 10 * H)
    assert trade["exit_ts"] == T0 + 4 * H
    assert reader.runner_trades("alpha", GRID, T0 + 4 * H + 1, T0 + 10 * H) == []


def test_every_trailing_stop_move_is_kept_in_order(world) -> None:
    store, projector, reader, sim = world
    _two_levels(sim)
    sim.move_trailing_stop(GRID, 88.0, T0 + 2 * H)
    sim.move_trailing_stop(GRID, 91.5, T0 + 3 * H)
    _save_and_project(store, projector, sim)
    moves = reader.stop_moves("alpha", GRID, T0, T0 + 10 * H)
    assert [(m["ts"], m["price"]) for m in moves] == [(T0 + 2 * H, 88.0), (T0 + 3 * H, 91.5)]
    assert reader.stop_moves("alpha", MONO, T0, T0 + 10 * H) == []
    (grid,) = reader.positions("alpha")
    assert grid["stop"] == 91.5  # the newest move, tighter than the 85.5 stop-loss


def test_performance_per_runner_and_pnl_per_day(world) -> None:
    store, projector, reader, sim = world
    _two_levels(sim)
    _close_grid_and_open_mono(sim)
    _crash_and_reset(sim)
    _save_and_project(store, projector, sim)
    # the grid won 9.824 (test_closed_grid_trade...); the mono short, forced out at 3000 from
    # 2000 x 0.05: -50 gross, fees 0.04 + 0.09 -> -50.13
    mono, grid = reader.performance("alpha")  # by key
    assert (grid["key"], grid["trades"], grid["wins"], grid["lost"]) == (GRID, 1, 1, 0)
    assert grid["pnl"] == pytest.approx(9.824) == grid["won"]
    assert (mono["key"], mono["trades"], mono["wins"], mono["won"]) == (MONO, 1, 0, 0)
    assert mono["pnl"] == pytest.approx(-50.13) and mono["lost"] == pytest.approx(50.13)
    # T0 + 4 h and T0 + 30 h: two UTC days (T0 is a day's start)
    days = reader.daily_pnl("alpha")
    assert [d for d, _ in days] == [T0, T0 + 24 * H]
    assert [p for _, p in days] == pytest.approx([9.824, -50.13])


def test_mono_position_tp_sl_distances(world) -> None:
    store, projector, reader, sim = world
    _two_levels(sim)
    _close_grid_and_open_mono(sim)
    _save_and_project(store, projector, sim)
    (mono,) = reader.positions("alpha")
    assert (mono["key"], mono["side"], mono["tp"], mono["sl"]) == (MONO, -1, 1900.0, 2100.0)
    assert (mono["avg_entry"], mono["qty"], mono["mark"]) == (2000.0, 0.05, 2050.0)
    assert mono["unrealized"] == pytest.approx(-2.5)  # -(2050 x 0.05 - 100)
    assert mono["tp_distance_pct"] == pytest.approx(150 / 2050 * 100)  # down to 1900
    assert mono["sl_distance_pct"] == pytest.approx(50 / 2050 * 100)  # up to 2100
    marks = dict(reader.db.execute("SELECT symbol, price FROM paper_marks").fetchall())
    assert marks == {"BTC/USDT": 101.0, "ETH/USDT": 2050.0}


def test_kill_switch_trip_refused_reset_reset_and_disabled_runner(world) -> None:
    store, projector, reader, sim = world
    _two_levels(sim)
    _close_grid_and_open_mono(sim)
    sim.close_candle(T0 + 5 * H, {MONO: -60.0}, {"ETH/USDT": 3200.0})
    _save_and_project(store, projector, sim)
    kill = reader.kill_switch("alpha")
    peak, equity = 1009.784 - 2.5, 1009.784 - 60.0
    assert kill["global"]["tripped"] and kill["global"]["reason"] == "drawdown"
    assert kill["global"]["figures"]["drawdown_percent"] == pytest.approx(
        (peak - equity) / peak * 100
    )
    assert kill["global"]["ts"] == T0 + 5 * H and kill["limits"]["global_max_drawdown_percent"] == 5
    (runner,) = kill["runners"]
    assert (runner["key"], runner["reason"]) == (MONO, "session_loss")
    assert runner["figures"]["loss_percent"] == pytest.approx(6.0)
    texts = [e["text"] for e in reader.journal("alpha", limit=2)]
    assert texts == [
        # (1007.284 - 949.784) / 1007.284 = 5.71 %, the peak at the 04:00 close
        "kill switch tripped (global): equity fell 5.71 % from its peak of 1,007.28 on "
        "2023-01-01 04:00 UTC (limit 5.00 % within 24 h)",
        f"kill switch tripped ({MONO}): lost 6.00 % of the capital since its last reset: "
        "+0.00 closed, -60.00 open (limit 5.00 %)",
    ]

    _crash_and_reset(sim)
    _save_and_project(store, projector, sim)
    kill = reader.kill_switch("alpha")
    assert not kill["global"]["tripped"] and kill["global"]["figures"] is None
    assert kill["runners"] == []
    runners = {r["key"]: r for r in reader.runners("alpha")}
    mono = runners[MONO]
    # 3000 short from 2000: gross -50, fees 0.04 + 0.09 (6e-4 x 3000 x 0.05)
    assert (mono["enabled"], mono["trades"], mono["wins"]) == (0, 1, 0)
    assert mono["realized_pnl"] == pytest.approx(-50.13)
    assert mono["session_pnl"] == pytest.approx(-50.13)  # the reset zeroed the session first
    assert reader.positions("alpha") == []
    pf = reader.portfolio("alpha")
    assert (pf["cash"], pf["margin_used"], pf["trades_closed"]) == (sim.cash, 0.0, 2)
    assert pf["kill_tripped"] == 0
    entries = reader.journal("alpha", limit=4)
    assert [e["kind"] for e in entries] == [
        "KillSwitchResetRefused",
        "KillSwitchReset",
        "PositionClosed",
        "RunnerDisabled",
    ]
    assert entries[0]["text"] == (
        "kill switch reset refused (request #1): global kill switch is in its cooldown "
        "for 23.0 h more"
    )
    assert entries[1]["text"] == f"kill switch reset (request #2): global, {MONO}"
    assert entries[2]["text"] == f"{MONO} short closed (runner disabled) at 3,000: lost, P&L -50.13"
    assert entries[3] == entries[3] | {
        "ts": T0 + 30 * H,
        "key": MONO,
        "text": f"{MONO} disabled: no longer enabled in the config",
    }


def test_journal_text_and_market_time(world) -> None:
    store, projector, reader, sim = world
    _two_levels(sim)
    sim.set_regime(GRID, "bear", True, T0 + 3 * H)
    _save_and_project(store, projector, sim)
    journal = reader.journal("alpha")
    kinds = [e["kind"] for e in journal]
    assert "ClockAdvanced" not in kinds and kinds[:3] == [
        "Started",
        "RiskLimitsSet",
        "RunnerEnabled",
    ]
    texts = {e["kind"]: e["text"] for e in journal[::-1]}  # the first of each kind
    assert (
        texts["Started"] == "portfolio alpha started with capital 1,000 (margin at most 70 % of it)"
    )
    assert texts["RunnerEnabled"] == f"{GRID} enabled (grid grid_atr on BTC/USDT)"
    assert texts["EntryBlocked"] == f"{GRID} entries blocked: regime (bear)"
    levels = [e for e in journal if e["kind"] == "GridLevelOpened"]
    assert [e["text"] for e in levels] == [
        f"{GRID} long level 0 filled at 100 (qty 1)",
        f"{GRID} long level 1 filled at 90 (qty 1)",
    ]
    assert [e["ts"] for e in levels] == [T0 + H, T0 + 2 * H]
    assert journal[0]["ts"] is None  # no market time before the first candle
    seqs = [e["seq"] for e in journal]
    assert seqs == sorted(seqs)
    newer = reader.journal("alpha", after_seq=levels[0]["seq"])
    assert [e["kind"] for e in newer] == ["GridLevelOpened", "EntryBlocked"]
    runner = next(r for r in reader.runners("alpha") if r["key"] == GRID)
    assert runner["blocked"] == {"regime": T0 + 3 * H}


def test_exactly_once_and_unknown_portfolio(world) -> None:
    store, projector, reader, sim = world
    _two_levels(sim)
    assert _save_and_project(store, projector, sim) > 0
    before = _dump(projector)
    assert projector.catch_up() == 0
    assert _dump(projector) == before
    assert reader.portfolio("nope") is None and reader.positions("nope") == []
    assert len(reader.equity("nope")) == 0
    assert [p["portfolio"] for p in reader.portfolios()] == ["alpha"]


def test_a_failed_page_is_rolled_back_and_resumed(world, monkeypatch) -> None:
    store, projector, _, sim = world
    _two_levels(sim)
    _close_grid_and_open_mono(sim)
    store.save(sim)

    def boom(*args):
        raise RuntimeError("crash")

    with monkeypatch.context() as patch:
        patch.setitem(projector._handlers, Simulator.PositionOpened.TOPIC, boom)
        with pytest.raises(RuntimeError):
            projector.catch_up(page=3, pages_per_commit=2)
    projector.catch_up(page=3, pages_per_commit=2)
    resumed = _dump(projector)
    projector.rebuild()
    assert _dump(projector) == resumed


# -- incremental versus rebuild ---------------------------------------------------------------
def _dump(projector: PaperProjector) -> list[str]:
    """The paper tables as SQL text (floats by repr): equal text, equal content."""
    return [
        line
        for line in projector.db.conn.iterdump()
        if any(f'"{t}"' in line or f" {t} " in line for t in TABLES)
    ]


def _random_day(sim: Simulator, rng: random.Random, prices: dict[str, float], ts: int) -> None:
    """One candle of a two-runner portfolio trading on a random walk (every event kind)."""
    for key, state in sim.runners.items():
        symbol = state.symbol
        price = prices[symbol] = prices[symbol] * (1 + rng.gauss(0, 0.02))
        if not state.enabled or sim.entry_block(key, bool(state.side)):
            continue
        if state.kind == "grid":
            if len(state.levels) < 3 and rng.random() < 0.4:
                side = state.side or rng.choice((1, -1))
                sim.warn_collision(key, ts)
                sim.open_level(key, len(state.levels), side, price, 0.1, 0.004, 10.0, ts)
                sim.move_trailing_stop(key, price * 0.9, ts)
            elif state.side and rng.random() < 0.3:
                trade = build_trade(state, state.strategy, symbol, ts, price, 4e-4, "tp")
                sim.close_cycle(key, trade.record())
        elif not state.side and rng.random() < 0.3:
            sim.open_position(key, 1, price, 0.05, 0.01, 25.0, price * 1.05, price * 0.95, ts)
        elif state.side and rng.random() < 0.3:
            sim.charge_funding(key, 1e-4, 0.003, ts)
            trade = build_trade(state, state.strategy, symbol, ts, price, 6e-4, "signal")
            sim.close_position(key, trade.record())
    unrealized = {
        k: s.side * sum((prices[s.symbol] - p) * q for p, q, _ in s.levels.values())
        for k, s in sim.runners.items()
        if s.side
    }
    sim.close_candle(ts, unrealized, {s: prices[s] for s in prices})
    if rng.random() < 0.05:
        sim.reset_kill_switches(sim.requests_done + 1, "", ts)


def _portfolio(name: str, seed: int) -> tuple[Simulator, random.Random, dict[str, float]]:
    sim = Simulator(name=name, capital=1000.0, max_margin_ratio=0.7)
    _setup(sim)
    sim.enable_runner("grid_atr:ETH/USDT", "grid_atr", "ETH/USDT", "grid")
    return sim, random.Random(seed), {"BTC/USDT": 100.0, "ETH/USDT": 2000.0}


def test_rebuild_equals_incremental_built_across_page_boundaries(store: Stores, tmp_path) -> None:
    with store.fresh():
        _rebuild_equals_incremental(tmp_path)


def _rebuild_equals_incremental(tmp_path) -> None:
    engine = Engine(Home(tmp_path))
    try:
        runs = [_portfolio("alpha", 1), _portfolio("beta", 2)]
        pages = iter([(1, 1), (7, 3), (50, 1), (3, 5), (1000, 50)] * 20)
        paper = next(p for p in engine.projectors if isinstance(p, PaperProjector))
        for day in range(60):
            for sim, rng, prices in runs:
                _random_day(sim, rng, prices, T0 + day * H)
                if day == 40 and sim.name == "beta":
                    sim.force_close(MONO, prices["ETH/USDT"], 6e-4, T0 + day * H, "disabled")
                    sim.disable_runner(MONO, "gone", T0 + day * H)
            if day % 4 == 3:
                engine.store.save(*(sim for sim, _, _ in runs))
                page, per_commit = next(pages)
                paper.catch_up(page=page, pages_per_commit=per_commit)
        engine.store.save(*(sim for sim, _, _ in runs))
        engine.project()
        incremental = _dump(paper)
        assert len(incremental) > 7 * 2 + 120  # schema + the equity rows at least
        kinds = {r[0] for r in engine.read_db.execute("SELECT kind FROM paper_journal")}
        assert {"KillSwitchTripped", "GridCycleClosed", "PositionClosed"} <= kinds
        engine.rebuild_projections()
        assert _dump(paper) == incremental
        reader = engine.paper_reader()
        for sim, _, _ in runs:  # the mirrored bookkeeping equals the aggregate's, bit for bit
            pf = reader.portfolio(sim.name)
            assert (pf["cash"], pf["fees_paid"], pf["margin_used"]) == (
                sim.cash,
                sim.fees_paid,
                sim.margin_used,
            )
            assert pf["trades_closed"] == sim.trades_closed
            assert len(reader.equity(sim.name)) == 60
            open_keys = [p["key"] for p in reader.positions(sim.name)]
            assert open_keys == sorted(k for k, s in sim.runners.items() if s.side)
    finally:
        engine.close()
