"""Portfolio backtest speed (issue 17 target): twenty runners, grid_atr and envelope_dca on the
ten spot pairs of ``../shared/data``, over two years of 1h candles, in under 10 s.

Usage: ``python benchmarks/bench_portfolio.py [--runs 3] [--profile]``. The pairs and their
funding are imported into a temporary home (not timed); each timed run is ``run_portfolio`` as
``scalp-radar portfolio --strategies grid_atr:...+envelope_dca:... --from 2024-05-16 --to
2026-05-16 --no-specs`` runs it (boot with twenty plans, the replay into a scratch in-memory
store, the sampling and the report), with the default config (risk.yaml's guards). No contract
specs ship for seven of the ten pairs: measured without any. ``--profile`` prints cProfile's
top functions of one run.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

from adapters.services.engine import Engine
from adapters.services.importer import import_files
from adapters.services.portfolio_backtest import run_portfolio
from adapters.services.portfolio_runners import from_strategies
from adapters.services.runner_specs import runner_spec
from adapters.store.home import Home
from adapters.text.timefmt import parse_date
from config.loader import load_settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
PAIRS = ("ADA", "AVAX", "BTC", "DOGE", "DOT", "ETH", "LINK", "NEAR", "SOL", "XRP")
STRATEGIES = ("grid_atr", "envelope_dca")
START, END = "2024-05-16", "2026-05-16"


def prepare(home: Path) -> Engine:
    engine = Engine(Home(home))
    files = [SHARED / "spot" / f"{p}_USDT-1h.csv.gz" for p in PAIRS]
    files += [SHARED / "funding" / f"{p}_USDT_USDT-funding.csv.gz" for p in PAIRS]
    import_files(engine.market_data, files, "binance")
    engine.project()
    return engine


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit("bench_portfolio needs ../shared/data (ten pairs)")
    settings = load_settings()
    pairs = [(s, f"{p}/USDT") for s in STRATEGIES for p in PAIRS]
    with tempfile.TemporaryDirectory() as tmp:
        engine = prepare(Path(tmp) / "home")
        research = engine.research_reader()
        specs = [
            runner_spec(c.strategy, c.symbol, c.params, research)
            for c in from_strategies(settings, pairs)
        ]
        start, end = parse_date(START), parse_date(END)
        seconds = []
        for _ in range(args.runs):
            began = time.perf_counter()
            run = run_portfolio(engine, settings, specs, start, end, no_specs=True)
            seconds.append(time.perf_counter() - began)
            r = run.report
            print(
                f"{len(specs)} runners x {r.candles} candle times in {seconds[-1]:.2f} s: "
                f"{r.trades} trades, return {r.return_pct:+.2f} %, {len(r.trips)} trips"
            )
        print(f"median of {args.runs}: {statistics.median(seconds):.2f} s")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(run_portfolio, engine, settings, specs, start, end, True)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        engine.close()


if __name__ == "__main__":
    main()
