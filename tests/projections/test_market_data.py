"""The market-data read model: exact arrays, contract specs, resumable, and a rebuild equals the
increments."""

from __future__ import annotations

import pytest

from adapters.services.engine import Engine
from adapters.store.home import Home
from domain.candles import ContractSpec
from domain.market import HOUR_MS, FundingSeries, Market, OpenInterestSeries
from projections.market_data import BUCKET_ROWS, MarketDataProjector
from tests.stubs import T0, CandleStubs

BTC = Market("binance", "BTC/USDT", "1h")
ETH = Market("binance", "ETH/USDT", "1h")
BTC_PERP_FUNDING = FundingSeries("binance", "BTC/USDT:USDT")
BTC_PERP_OI = OpenInterestSeries("binance", "BTC/USDT:USDT", "5m")
M5 = 300_000


def oi_rows(first: int, count: int) -> list[tuple[int, float]]:
    """Samples every 5 minutes from T0 + first x 5m; the amount is 1000 + the sample number."""
    return [(T0 + k * M5, 1000.0 + k) for k in range(first, first + count)]


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
        *db.execute("SELECT * FROM contract_specs ORDER BY exchange, symbol").fetchall(),
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
    # open interest arrives newest part first too
    engine.market_data.append_open_interest(BTC_PERP_OI, oi_rows(1000, 2000))
    engine.market_data.append_open_interest(BTC_PERP_OI, oi_rows(0, 1200))
    specs = [ContractSpec("binance", "BTC/USDT", 0.01), ContractSpec("binance", "ETH/USDT", 0.01)]
    engine.market_data.record_specs(specs, "first", T0)
    # the venue changes ETH's tick later: the read model keeps the last record
    engine.market_data.record_specs([ContractSpec("binance", "ETH/USDT", 0.1, 0.001)], "then", T0)
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


def test_open_interest_is_its_own_series_bucketed_on_its_period(engine: Engine) -> None:
    _fill(engine)
    engine.project()
    reader = engine.market_reader()
    info = reader.find("binance", "BTC/USDT:USDT", "5m", kind="open_interest")
    assert (info.kind, info.timeframe, info.label) == (
        "open_interest",
        "5m",
        "binance BTC/USDT:USDT open interest 5m",
    )
    assert (info.rows, info.first_ts, info.last_ts) == (3000, T0, T0 + 2999 * M5)
    series = reader.open_interest(info.series_id)
    assert series.ts.tolist() == [T0 + k * M5 for k in range(3000)]
    assert series.amount.tolist() == [1000.0 + k for k in range(3000)]
    # 200 overlapping samples were written twice by the caller but stored once
    assert info.duplicates == 0
    # buckets span 2048 x 5 min = 614 400 000 ms; T0 = 2023-01-01 sits 1600 samples before the
    # boundary 2723 x 614 400 000 = 1 673 011 200 000 (2023-01-06 13:20 UTC)
    counts = engine.read_db.execute(
        "SELECT n FROM series_chunks WHERE series_id = ? ORDER BY bucket", [info.series_id]
    ).fetchall()
    assert [n for (n,) in counts] == [1600, 1400]
    window = reader.open_interest(info.series_id, T0 + 10 * M5, T0 + 13 * M5)
    assert window.amount.tolist() == [1010.0, 1011.0, 1012.0]


def test_each_instrument_shows_its_last_contract_spec(engine: Engine) -> None:
    _fill(engine)
    engine.project()
    reader = engine.market_reader()
    eth = reader.spec("binance", "ETH/USDT")
    assert (eth.price_tick, eth.amount_step, eth.source) == (0.1, 0.001, "then")
    assert reader.spec("binance", "BTC/USDT").price_tick == 0.01
    assert reader.spec("bitget", "BTC/USDT") is None
    assert [s.symbol for s in reader.specs("binance")] == ["BTC/USDT", "ETH/USDT"]


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
    engine.market_data.append_open_interest(BTC_PERP_OI, oi_rows(-50, 60) + oi_rows(5000, 5))
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


def test_a_read_model_of_another_schema_is_replayed(engine: Engine) -> None:
    _fill(engine)
    engine.project()
    built = _dump(engine)
    projector = engine.projectors[0]
    engine.read_db.execute("UPDATE _tracking SET schema = 0 WHERE projection = ?", [projector.name])
    engine.read_db.execute("DELETE FROM series_chunks")  # stale content of the old schema
    again = type(projector)(
        engine.store.recorder, engine.read_db, engine.store.mapper.transcoder.decode
    )
    assert again.position() == 0
    again.catch_up()
    assert _dump(engine) == built
