"""The candle/funding read model: exact arrays, resumable, and a rebuild equals the increments."""

from __future__ import annotations

import pytest

from adapters.engine import Engine
from adapters.home import Home
from domain.market import HOUR_MS, FundingSeries, Market
from projections.market_data import BUCKET_ROWS, MarketDataProjector
from tests.stubs import T0, CandleStubs

BTC = Market("binance", "BTC/USDT", "1h")
ETH = Market("binance", "ETH/USDT", "1h")
BTC_PERP_FUNDING = FundingSeries("binance", "BTC/USDT:USDT")


@pytest.fixture
def engine(tmp_path):
    engine = Engine(Home(tmp_path))
    yield engine
    engine.close()


def _dump(engine: Engine) -> list[tuple]:
    db = engine.read_db
    return [
        *db.execute("SELECT * FROM series ORDER BY series_id").fetchall(),
        *db.execute("SELECT * FROM series_chunks ORDER BY series_id, bucket").fetchall(),
    ]


def _fill(engine: Engine) -> list[tuple]:
    rows = CandleStubs.wave(3 * BUCKET_ROWS + 17)
    # arrival out of time order, in several batches, interleaved with another market
    engine.market_data.append_candles(BTC, rows[2000:])
    engine.market_data.append_candles(ETH, CandleStubs.wave(300, base=50.0))
    engine.market_data.append_candles(BTC, rows[:2500])
    engine.market_data.append_funding(
        BTC_PERP_FUNDING, [(T0 + i * 8 * HOUR_MS, 1e-4) for i in range(40)]
    )
    return rows


def test_arrays_are_sorted_and_complete(engine: Engine) -> None:
    rows = _fill(engine)
    engine.project()
    reader = engine.market_reader()
    candles = reader.candles(reader.find("binance", "BTC/USDT", "1h").series_id)
    assert candles.ts.tolist() == [r[0] for r in rows]
    assert candles.high.tolist() == [r[2] for r in rows]
    funding = reader.funding(reader.find("binance", "BTC/USDT:USDT").series_id)
    assert funding.ts.tolist() == [T0 + i * 8 * HOUR_MS for i in range(40)]
    info = reader.find("binance", "BTC/USDT", "1h")
    assert (info.rows, info.first_ts, info.last_ts) == (len(rows), rows[0][0], rows[-1][0])


def test_time_range_query(engine: Engine) -> None:
    rows = _fill(engine)
    engine.project()
    reader = engine.market_reader()
    sid = reader.find("binance", "BTC/USDT", "1h").series_id
    start, end = rows[2040][0], rows[4100][0]
    assert reader.candles(sid, start, end).ts.tolist() == [r[0] for r in rows[2040:4100]]


def test_rebuild_equals_incremental(engine: Engine) -> None:
    _fill(engine)
    # incremental: several small catch-ups as data arrives
    engine.project()
    engine.market_data.append_candles(BTC, CandleStubs.wave(10, start=T0 - 10 * HOUR_MS))
    engine.project()
    incremental = _dump(engine)
    engine.rebuild_projections()
    assert _dump(engine) == incremental


def test_a_crash_mid_page_is_rolled_back_and_resumed(engine: Engine, monkeypatch) -> None:
    _fill(engine)
    calls = {"n": 0}
    original = MarketDataProjector.apply

    def flaky(self, notifications):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("crash")
        return original(self, notifications)

    monkeypatch.setattr(MarketDataProjector, "apply", flaky)
    projector = engine.projectors[0]
    with pytest.raises(RuntimeError):
        projector.catch_up(page=500, pages_per_commit=2)
    assert projector.position() > 0  # the first commit (2 pages) stayed
    monkeypatch.undo()
    projector.catch_up(page=500, pages_per_commit=2)
    resumed = _dump(engine)
    engine.rebuild_projections()
    assert resumed == _dump(engine)
    assert projector.catch_up() == 0
