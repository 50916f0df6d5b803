"""Event-driven engine throughput: grid_atr on five years of BTC/USDT 1h (issue 3 target:
>= 150k candles/s on this 2-core machine).

Usage: ``python benchmarks/bench_backtest.py [STRATEGY]``. Uses ``../shared/data`` when present
(five years = the last 43,800 candles), else the bundled three-year sample. The timed part is
``run_backtest``: plan building (indicators once), the candle loop on the Simulator aggregate and
saving its events to an in-memory store.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from adapters.services.engine import Engine
from adapters.services.importer import import_files
from adapters.store.event_store import open_store
from adapters.store.home import Home
from domain.backtest import run_backtest
from domain.execution import Costs
from domain.strategies import strategy
from domain.strategies.plans import MarketArrays, funding_at_candles

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
FIVE_YEARS = 5 * 365 * 24


def btc_market(tmp: Path) -> MarketArrays:
    src = SHARED if SHARED.is_dir() else None
    files = (
        [src / "spot" / "BTC_USDT-1h.csv.gz", src / "funding" / "BTC_USDT_USDT-funding.csv.gz"]
        if src
        else [
            ROOT / "sample_data" / "BTC_USDT-1h.csv.gz",
            ROOT / "sample_data" / "BTC_USDT_USDT-funding.csv.gz",
        ]
    )
    engine = Engine(Home(tmp))
    import_files(engine.market_data, files, "binance")
    engine.project()
    reader = engine.market_reader()
    c = reader.candles(reader.find("binance", "BTC/USDT", "1h").series_id)
    f = reader.funding(reader.find("binance", "BTC/USDT:USDT").series_id)
    engine.close()
    s = slice(max(0, len(c) - FIVE_YEARS), None)
    funding = funding_at_candles(c.ts[s], f.ts, f.rate, 3_600_000)
    return MarketArrays(
        c.ts[s], c.open[s], c.high[s], c.low[s], c.close[s], c.volume[s], 3_600_000, funding
    )


def main(name: str = "grid_atr") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        market = btc_market(Path(tmp))
    # leverage 2: at the default 6 the account is ruined in March 2020 and the loop stops early,
    # which would flatter the throughput
    spec = strategy(name)
    params = spec.params_type(leverage=2)
    start = spec.warmup(params)
    costs = Costs.from_percent(0.02, 0.06, 0.05)
    times = []
    for _ in range(7):
        store = open_store(memory=True)
        began = time.perf_counter()
        result = run_backtest(
            market,
            name,
            "BTC/USDT",
            params,
            costs,
            start=start,
            save=lambda events, s=store: s.save(*events),
        )
        times.append(time.perf_counter() - began)
    best, median = min(times), statistics.median(times)
    print(
        f"{name} on {len(market):,} candles of BTC/USDT 1h: {result.metrics.trades} trades, "
        f"{result.events} events"
    )
    print(
        f"median {median * 1000:.0f} ms = {len(market) / median:,.0f} candles/s "
        f"(best {len(market) / best:,.0f}; 7 runs, the first includes numba compilation)"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
