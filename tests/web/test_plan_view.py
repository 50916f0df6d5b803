"""The scanner's "next candle" figures, on real BTC candles (``kit.paper_home``'s store).

Two independent checks: the take-profit and the levels against the grid_atr formula computed
here from the reference indicators (SMA and Wilder ATR of the candles up to the last one), and
the causal property every plan has: what ``PlanCache`` derives for the candle after ``ts[k-1]``
equals row ``k`` (signals: row ``k-1``) of one plan built over the whole series.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from adapters.services.backtest import BacktestRequest, load_market, strategy_params
from adapters.services.engine import Engine
from adapters.services.traded_contract import VenueContracts
from adapters.store.home import Home
from config.loader import load_settings
from domain.strategies import strategy as strategy_spec
from projections.market_data import MarketDataReader
from tests.domain import reference_indicators as ref
from web.plan_view import PlanCache

GRID = {
    "timeframe": "1h",
    "leverage": 3,
    "sides": ["long", "short"],
    "ma_period": 9,
    "atr_period": 14,
    "atr_multiplier_start": 2.0,
    "atr_multiplier_step": 1.0,
    "num_levels": 3,
    "sl_percent": 15.0,
}
# the paper home stores the sample's Bitget specs: the plans obey the BTC perpetual's contract
CONTRACTS = VenueContracts.of(load_settings())
# the formula check reads the plan's prices as computed, off the tick grid
UNROUNDED = VenueContracts.of(load_settings(), no_specs=True)


@pytest.fixture(scope="module")
def reader(paper_source) -> Iterator[MarketDataReader]:
    home, _config = paper_source
    engine = Engine(Home(home))
    yield MarketDataReader(engine.read_db)
    engine.close()


def _candles(reader: MarketDataReader):
    return reader.candles(reader.find("binance", "BTC/USDT", "1h").series_id)


def test_grid_next_candle_follows_the_grid_atr_formula(reader: MarketDataReader) -> None:
    candles = _candles(reader)
    k = len(candles) - 1000  # some candle well inside the series
    cache = PlanCache()
    ts = candles.ts[k]
    nxt = cache.next_candle(reader, UNROUNDED, "binance", "grid_atr", "BTC/USDT", GRID, ts)
    assert nxt is not None and nxt.ts == candles.ts[k - 1]
    assert nxt.price == candles.close[k - 1]
    closes = candles.close[:k].tolist()
    sma = sum(closes[-9:]) / 9
    atr = ref.atr(candles.high[:k].tolist(), candles.low[:k].tolist(), closes, 14)[-1]
    assert nxt.take_profit == pytest.approx(sma, rel=1e-12)
    multipliers = [2.0, 3.0, 4.0]
    assert nxt.long_levels == pytest.approx([sma - atr * m for m in multipliers], rel=1e-9)
    assert nxt.short_levels == pytest.approx([sma + atr * m for m in multipliers], rel=1e-9)
    assert nxt.tp_distance_pct() == pytest.approx(abs(sma - nxt.price) / nxt.price * 100)


@pytest.mark.parametrize("strategy", ["grid_atr", "donchian_breakout"])
def test_next_candle_equals_the_full_plan_row(reader: MarketDataReader, strategy: str) -> None:
    spec = strategy_spec(strategy)
    params = GRID if strategy == "grid_atr" else _config_params(strategy)
    parsed = spec.parse(params)  # the cache takes the mapping, as the scanner has it
    request = BacktestRequest(strategy, "BTC/USDT", "1h", "binance")
    market = load_market(reader, request, "1h", spec.warmup(parsed), spec.needs, CONTRACTS).market
    assert market.contract.tick == 0.1  # bitget BTC/USDT:USDT
    full = spec.build(market, parsed)
    cache = PlanCache()
    if strategy == "donchian_breakout":
        # the candles after two signals (so the signal checked is not 0) and a quiet one
        signalled = np.flatnonzero(full.signal != 0)
        rows = [int(signalled[-1]) + 1, int(signalled[-7]) + 1, len(market) - 300]
    else:
        rows = [len(market) - 1, len(market) - 500, len(market) - 4321]
    for k in rows:
        nxt = cache.next_candle(
            reader, CONTRACTS, "binance", strategy, "BTC/USDT", params, market.ts[k]
        )
        assert nxt is not None and nxt.ts == market.ts[k - 1]
        if strategy == "grid_atr":
            assert nxt.take_profit == pytest.approx(full.take_profit[k], rel=1e-9)
            assert nxt.long_levels == pytest.approx(full.long_entries[k].tolist(), rel=1e-9)
        else:
            assert nxt.signal == full.signal[k - 1]


def test_unknown_market_or_strategy_gives_nothing(reader: MarketDataReader) -> None:
    cache = PlanCache()
    assert cache.next_candle(reader, CONTRACTS, "binance", "grid_atr", "XRP/USDT", GRID) is None
    assert cache.next_candle(reader, CONTRACTS, "binance", "no_such", "BTC/USDT", GRID) is None


def test_a_market_without_its_contract_spec_gives_nothing(reader: MarketDataReader) -> None:
    # the paper home's candles, but a venue whose specs are not stored: no runner, no plan
    elsewhere = VenueContracts("okx", {})
    cache = PlanCache()
    assert cache.next_candle(reader, elsewhere, "binance", "grid_atr", "BTC/USDT", GRID) is None


def _config_params(strategy: str) -> dict:
    return strategy_params(load_settings(), BacktestRequest(strategy, "BTC/USDT"))
