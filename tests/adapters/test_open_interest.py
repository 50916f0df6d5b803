"""Open interest as a stored series: sound samples only, idempotent writes, and the causal input
of a backtest (each candle sees the last sample known at its close)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from eventsourcing.application import EventSourcedLog

from adapters.cli.backtest_report import backtest_summary, backtest_table
from adapters.services import backtest
from adapters.services.backtest import BacktestInputError, BacktestRequest, load_market
from adapters.services.engine import Engine
from adapters.services.traded_contract import VenueContracts
from adapters.store.home import Home
from adapters.store.market_data import SERIES_INDEX_ID
from config.loader import load_settings
from domain.candles import SeriesListed, open_interest_problem
from domain.market import FundingSeries, Market, MarketError, OpenInterestSeries
from tests.stubs import T0, CandleStubs

M5 = 300_000
H1 = 3_600_000
OI_5M = OpenInterestSeries("binance", "BTC/USDT:USDT", "5m")
OI_1H = OpenInterestSeries("binance", "BTC/USDT:USDT", "1h")
SPOT_5M = Market("binance", "BTC/USDT", "5m")
# about open interest, on stub candles: no contract spec stored, none obeyed
LIQUIDATION = BacktestRequest("liquidation", "BTC/USDT", exchange="binance", no_specs=True)
NO_SPECS = VenueContracts.of(load_settings(), no_specs=True)
OI_NEEDED = ("open_interest",)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = Engine(Home(tmp_path))
    yield engine
    engine.close()


def samples(first: int, last: int, step: int, base: float) -> list[tuple[int, float]]:
    """Sample k (T0 + k x step) for k in first..last, of amount base + k."""
    return [(T0 + k * step, base + k) for k in range(first, last + 1)]


@pytest.mark.parametrize(
    ("ts", "amount", "problem"),
    [
        (T0, 75_375.617, None),
        (-1, 1.0, "negative timestamp -1"),
        (T0, 0.0, "open interest 0.0 must be > 0"),
        (T0, -2.5, "open interest -2.5 must be > 0"),
        (T0, math.nan, "open interest is nan"),
        (T0, math.inf, "open interest is inf"),
    ],
)
def test_a_sample_must_have_a_time_and_a_positive_finite_amount(
    ts: int, amount: float, problem: str | None
) -> None:
    assert open_interest_problem(ts, amount) == problem


def test_the_series_identity_is_a_perpetual_and_one_stream_per_period() -> None:
    assert OI_5M.stream_id == OpenInterestSeries("binance", "BTC/USDT:USDT", "5m").stream_id
    others = {OI_1H.stream_id, FundingSeries("binance", "BTC/USDT:USDT").stream_id}
    assert OI_5M.stream_id not in others and len(others) == 2
    with pytest.raises(MarketError, match=r"the perpetual is BTC/USDT:USDT"):
        OpenInterestSeries("binance", "BTC/USDT", "5m")
    with pytest.raises(MarketError, match="unknown timeframe"):
        OpenInterestSeries("binance", "BTC/USDT:USDT", "5 minutes")


def test_appending_is_idempotent_and_lists_the_series_once(engine: Engine) -> None:
    rows = samples(0, 9, M5, 1000.0)
    assert engine.market_data.append_open_interest(OI_5M, rows) == 10
    assert engine.market_data.append_open_interest(OI_5M, rows[5:] + samples(10, 10, M5, 1000)) == 1
    again = Engine(engine.home)  # idempotence must not rest on the in-memory cache
    try:
        assert again.market_data.append_open_interest(OI_5M, rows) == 0
        assert again.market_data.last_open_interest_ts(OI_5M) == T0 + 10 * M5
    finally:
        again.close()
    listed = list(EventSourcedLog(engine.store.events, SERIES_INDEX_ID, SeriesListed).get())
    assert [(e.kind, e.symbol, e.timeframe) for e in listed] == [
        ("open_interest", "BTC/USDT:USDT", "5m")
    ]
    assert engine.store.recorder.max_notification_id() == 12  # 11 samples + the listing


def test_the_backtest_input_is_the_sample_known_at_each_candles_close(engine: Engine) -> None:
    engine.market_data.append_candles(SPOT_5M, CandleStubs.wave(40, step=M5))
    # 5-minute samples from T0 + 10 x 5m on: candle i closes at T0 + (i + 1) x 5m, so candles
    # 0..8 close before the first sample and candle i >= 9 sees sample i + 1 (1000 + i + 1).
    engine.market_data.append_open_interest(OI_5M, samples(10, 60, M5, 1000.0))
    engine.market_data.append_open_interest(OI_1H, samples(0, 5, H1, 2000.0))
    engine.project()

    loaded = load_market(engine.market_reader(), LIQUIDATION, "5m", 13, OI_NEEDED, NO_SPECS)
    market, sources = loaded.market, loaded.sources

    expected = [math.nan] * 9 + [1000.0 + i + 1 for i in range(9, 40)]
    assert market.extras["open_interest"].tolist() == pytest.approx(expected, nan_ok=True)
    assert sources["open_interest"] == "binance BTC/USDT:USDT open interest 5m"


def test_a_coarser_series_is_used_when_the_candles_period_is_not_stored(engine: Engine) -> None:
    engine.market_data.append_candles(SPOT_5M, CandleStubs.wave(30, step=M5))
    engine.market_data.append_open_interest(OI_1H, samples(0, 5, H1, 2000.0))
    engine.project()

    loaded = load_market(engine.market_reader(), LIQUIDATION, "5m", 13, OI_NEEDED, NO_SPECS)
    market, sources = loaded.market, loaded.sources

    # candles 0..10 close before T0 + 1h and see the sample at T0 (2000); candles 11..22 close
    # within (T0 + 1h, T0 + 2h] and see 2001; candles 23..29 see 2002
    expected = [2000.0] * 11 + [2001.0] * 12 + [2002.0] * 7
    assert market.extras["open_interest"].tolist() == expected
    assert sources["open_interest"] == "binance BTC/USDT:USDT open interest 1h"


def test_open_interest_is_loaded_only_for_strategies_that_need_it(engine: Engine) -> None:
    engine.market_data.append_candles(SPOT_5M, CandleStubs.wave(30, step=M5))
    engine.market_data.append_open_interest(OI_5M, samples(0, 40, M5, 1000.0))
    engine.project()
    loaded = load_market(engine.market_reader(), LIQUIDATION, "5m", 13, (), NO_SPECS)
    market, sources = loaded.market, loaded.sources
    assert dict(market.extras) == {} and "open_interest" not in sources


def test_a_backtest_without_open_interest_says_how_to_fetch_it(engine: Engine) -> None:
    engine.market_data.append_candles(SPOT_5M, CandleStubs.wave(60, step=M5))
    engine.project()
    with pytest.raises(BacktestInputError) as caught:
        backtest.run(load_settings(), engine.market_reader(), LIQUIDATION)
    message = str(caught.value)
    assert "liquidation needs open_interest history: none stored" in message
    assert (
        "scalp-radar data fetch --exchange binance --symbol BTC/USDT:USDT --open-interest "
        "--since YYYY-MM-DD --timeframe 5m" in message
    )


def test_a_backtest_with_open_interest_names_its_source(engine: Engine) -> None:
    engine.market_data.append_candles(SPOT_5M, CandleStubs.wave(60, step=M5))
    engine.market_data.append_open_interest(OI_5M, samples(0, 60, M5, 1000.0))
    engine.project()
    run = backtest.run(load_settings(), engine.market_reader(), LIQUIDATION)
    assert run.open_interest_series == "binance BTC/USDT:USDT open interest 5m"
    assert run.timeframe == "5m"
    assert backtest_summary(run)["open_interest_source"] == run.open_interest_series
    (line,) = [x for x in backtest_table(run).splitlines() if x.startswith("open interest ")]
    assert line.split(maxsplit=2)[2] == "binance BTC/USDT:USDT open interest 5m"
