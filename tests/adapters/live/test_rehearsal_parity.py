"""Rehearsal parity: live trading against the local Bitget makes the trades paper makes.

Three runners (BTC, ETH, SOL perpetuals of the sample), 60 days, once with a grid strategy
(resting levels, take-profit re-priced each candle, the global margin guard binding) and once
with a mono one (market entries at the open, a take-profit and a stop resting from the entry):
the live trader books only what the venue filled (the real ccxt client, the simulator's
matching); a paper replay of the same candles in the same home decides on its own. Their round
trips must agree candle for candle: entry and exit candles, side, and prices to the tick.
"""

from __future__ import annotations

import pytest

from domain.market import timeframe_ms
from tests.adapters.live.live_kit import DAY, paper_trades, rehearsal, venue_trades

START = 1_748_736_000_000  # 2025-06-01 00:00 UTC
DAYS = 60


@pytest.fixture(scope="module", params=["grid_atr", "bollinger_mr"])
def rehearsed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("rehearsal")
    with rehearsal(root, START, strategy=request.param) as r:
        engine = r.engine()
        try:
            trader = r.trader(engine)
            trader.boot(START)
            traded = trader.rehearse(r.step, candles=DAYS * 24)
            live = venue_trades(engine)
            paper = paper_trades(engine, r.settings, START, START + DAYS * DAY)
            state = r.sim.state()
        finally:
            engine.close()
    return traded, live, paper, state


def candle(ts: int) -> int:
    tf = timeframe_ms("1h")
    return ts // tf * tf


def test_the_rehearsal_trades_every_candle_and_several_cycles(rehearsed) -> None:
    traded, live, paper, _ = rehearsed
    assert traded == DAYS * 24
    assert len(paper) >= 6, "the sample must make the runners trade for parity to mean much"
    assert {t.symbol for t in live} == {"BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"}


def test_live_round_trips_are_the_paper_ones(rehearsed) -> None:
    _, live, paper, _ = rehearsed
    closed_paper = [t for t in paper if t.reason != "end"]
    want = sorted((t.symbol, t.entry_ts, t.exit_ts, t.side) for t in closed_paper)
    got = sorted((t.symbol, candle(t.entry_ts), candle(t.exit_ts), t.side) for t in live)
    assert got == want


def test_live_prices_equal_paper_prices_to_the_tick(rehearsed) -> None:
    _, live, paper, _ = rehearsed
    ticks = {"BTC/USDT:USDT": 0.1, "ETH/USDT:USDT": 0.01, "SOL/USDT:USDT": 0.001}
    by_cycle = {(t.symbol, candle(t.entry_ts), candle(t.exit_ts)): t for t in live}
    for p in paper:
        if p.reason == "end":
            continue
        t = by_cycle[(p.symbol, p.entry_ts, p.exit_ts)]
        assert abs(t.exit_price - p.exit_price) <= ticks[p.symbol], (p, t)
        assert abs(t.entry_price - p.entry_price) <= ticks[p.symbol], (p, t)


def test_no_position_was_left_without_a_stop(rehearsed) -> None:
    """The simulator watched every pause: a position was never without its pos_loss stop at
    a pause (the executor protects it in the reaction to the fill that opened it)."""
    _, _, _, state = rehearsed
    assert state.unprotected.pauses == 0
    assert state.duplicates_refused == []
