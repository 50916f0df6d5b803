"""The Simulator aggregate: its state is exactly what its events rebuild."""

from __future__ import annotations

import numpy as np

from adapters.store.event_store import open_store
from domain.backtest import run_backtest
from domain.execution import Costs
from domain.simulator import Simulator
from domain.strategies.grid_atr import GridAtrParams
from domain.strategies.plans import MarketArrays
from tests.stubs import CandleStubs


def _wave_market(n: int = 600) -> MarketArrays:
    rows = np.array(CandleStubs.wave(n), dtype=float)
    funding = np.full(n, np.nan)
    funding[::8] = 0.0001
    return MarketArrays(rows[:, 0].astype(np.int64), *rows[:, 1:].T, 3_600_000, funding)


PARAMS = GridAtrParams(
    ma_period=10,
    atr_period=10,
    atr_multiplier_start=1.0,
    atr_multiplier_step=0.5,
    num_levels=3,
    sl_percent=20.0,
    leverage=3,
    sides=("long",),
)


def test_replaying_the_saved_events_rebuilds_the_same_simulator() -> None:
    store = open_store(memory=True)
    saved = []

    def save(events) -> None:
        saved.extend(events)
        store.save(*events)

    result = run_backtest(
        _wave_market(),
        "grid_atr",
        "X/USDT",
        PARAMS,
        Costs(0.0002, 0.0006, 0.0005),
        start=20,
        save=save,
    )
    assert result.trades, "the scenario must trade for the test to mean anything"
    rebuilt = store.repository.get(saved[0].originator_id)
    live = dict(vars(result.simulator))
    live.pop("_pending_events")
    assert {k: v for k, v in vars(rebuilt).items() if k != "_pending_events"} == live
    assert rebuilt.trades_closed == len(result.trades)
    assert rebuilt.cash == result.equity[-1]  # everything closed at the end: equity is cash


def test_snapshot_restores_the_same_state() -> None:
    store = open_store(memory=True)
    run_backtest(
        _wave_market(),
        "grid_atr",
        "X/USDT",
        PARAMS,
        Costs(0, 0, 0),
        start=20,
        save=lambda events: store.save(*events),
    )
    sim_id = Simulator.create_id("backtest:grid_atr:X/USDT")
    sim = store.repository.get(sim_id)
    snapshot = Simulator.Snapshot.take(sim)
    assert vars(snapshot.mutate(None)) == vars(sim)
