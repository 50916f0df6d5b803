"""The Equity page of a year of ten runners stays under the issue's 60 KB: a hand-driven
Simulator (random walks, grid cycles and mono positions, about three trades a day as the
benchmark's real replay closes) projected into a home, the page as served."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from adapters.services.engine import Engine
from adapters.store.home import Home
from config.loader import load_settings
from domain.simulator import Simulator
from domain.trades import build_trade
from web.app import create_app

H = 3_600_000
T0 = 1_735_689_600_000  # 2025-01-01
YEAR = 365 * 24
SYMBOLS = ("BTC/USDT", "ETH/USDT", "SOL/USDT")
RUNNERS = [
    *(("grid_atr", s, "grid") for s in SYMBOLS),
    *(("envelope_dca", s, "grid") for s in SYMBOLS),
    *(("bollinger_mr", s, "mono") for s in SYMBOLS),
    ("grid_trend", "BTC/USDT", "grid"),
]


def _candle(sim: Simulator, rng: random.Random, prices: dict[str, float], ts: int) -> None:
    """One hour: each runner opens with chance 5 % when flat, a grid adds a level or moves its
    trailing stop, and a position closes with chance 2 % (a cycle of about 70 hours)."""
    for symbol in prices:
        prices[symbol] *= 1 + rng.gauss(0, 0.005)
    for key, state in sim.runners.items():
        price = prices[state.symbol]
        if not state.side:
            if rng.random() < 0.05 and not sim.entry_block(key, False):
                side = rng.choice((1, -1))
                if state.kind == "grid":
                    sim.open_level(key, 0, side, price, 0.01, 0.004, 10.0, ts)
                else:
                    sl, tp = price * (1 - side * 0.05), price * (1 + side * 0.05)
                    sim.open_position(key, side, price, 0.01, 0.004, 10.0, tp, sl, ts)
        elif rng.random() < 0.02:
            sim.charge_funding(key, 1e-4, 0.001, ts)
            trade = build_trade(state, state.strategy, state.symbol, ts, price, 6e-4, "signal")
            (sim.close_cycle if state.kind == "grid" else sim.close_position)(key, trade.record())
        elif state.kind == "grid" and rng.random() < 0.05:
            if len(state.levels) < 4 and not sim.entry_block(key, True):
                sim.open_level(key, len(state.levels), state.side, price, 0.01, 0.004, 10.0, ts)
            else:
                sim.move_trailing_stop(key, price * (1 - state.side * 0.03), ts)
    unrealized = {
        k: s.side * sum((prices[s.symbol] - p) * q for p, q, _ in s.levels.values())
        for k, s in sim.runners.items()
        if s.side
    }
    sim.close_candle(ts, unrealized, dict(prices))


@pytest.fixture(scope="module")
def year_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    engine = Engine(Home(tmp_path_factory.mktemp("year") / "home"))
    sim = Simulator(name="year", capital=10_000.0, max_margin_ratio=0.7)
    for strategy, symbol, kind in RUNNERS:
        key = f"{strategy}:{symbol}"
        sim.enable_runner(key, strategy, symbol, kind)
        sim.configure_runner(key, {"sl_percent": 10.0}, {}, grace_until=T0, warmup=0, ts=T0)
    rng, prices = random.Random(18), {"BTC/USDT": 95_000.0, "ETH/USDT": 3_300.0, "SOL/USDT": 190.0}
    for hour in range(YEAR):
        _candle(sim, rng, prices, T0 + hour * H)
        if hour % 500 == 499:
            engine.store.save(sim)
    engine.store.save(sim)
    engine.project()
    with TestClient(app=create_app(engine, None, settings=load_settings())) as c:
        yield c
    engine.close()


def test_a_year_of_ten_runners_has_the_benchmarks_size(year_client: TestClient) -> None:
    pf = year_client.app.state.engine.paper_reader().portfolio("year")
    assert pf["last_ts"] == T0 + (YEAR - 1) * H
    assert 700 < pf["trades_closed"] < 2000  # the benchmark's replay: 1,041


def test_the_equity_page_of_a_year_of_ten_runners_is_under_60_kb(year_client: TestClient) -> None:
    response = year_client.get("/equity?portfolio=year")
    assert response.status_code == 200 and 'id="equity-chart"' in response.text
    assert len(response.content) < 60_000
