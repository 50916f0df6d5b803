"""A full walk-forward of grid_atr on five years of BTC/USDT 1h (issue 4 target: under 30 s).

Usage: ``python benchmarks/bench_walk_forward.py``. Whole seed grid (3240 combinations), IS 180 /
OOS 60 / step 60 days, Monte Carlo (1000 resamples), Deflated Sharpe, stability and the transfer
check on the perpetual, and the grade: everything ``scalp-radar optimize`` does except writing the
event. Uses ``../shared/data`` when present (last five years), else the bundled three-year sample.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from adapters.services.engine import Engine
from adapters.services.importer import import_files
from adapters.services.optimize import prepare
from adapters.store.home import Home
from config.loader import load_settings
from domain.strategies.plans import MarketArrays
from optimization.walk_forward import run_walk_forward

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
FIVE_YEARS_MS = 5 * 365 * 86_400_000


def files() -> list[Path]:
    """BTC's candles and funding, and the shipped Bitget specs: the contract its runs obey."""
    specs = ROOT / "sample_data" / "bitget-specs.csv"
    if SHARED.is_dir():
        return [
            SHARED / "spot" / "BTC_USDT-1h.csv.gz",
            SHARED / "perp" / "BTC_USDT_USDT-1h.csv.gz",
            SHARED / "funding" / "BTC_USDT_USDT-funding.csv.gz",
            specs,
        ]
    return [*sorted((ROOT / "sample_data").glob("BTC_*.csv.gz")), specs]


def main() -> None:
    settings = load_settings()
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Home(Path(tmp)))
        import_files(engine.market_data, files(), "binance")
        engine.project()
        (prepared,) = prepare(settings, engine.market_reader(), ["grid_atr"], ["BTC/USDT"])
        engine.close()
    market, validation = prepared.market, prepared.validation
    first = int((market.ts >= market.ts[-1] - FIVE_YEARS_MS).argmax())
    sliced = MarketArrays(
        market.ts[first:],
        market.open[first:],
        market.high[first:],
        market.low[first:],
        market.close[first:],
        market.volume[first:],
        market.tf_ms,
        market.funding[first:],
        contract=market.contract,
    )
    run_walk_forward(prepared.job, sliced.head(24 * 260), validation)  # numba compilation
    began = time.perf_counter()
    summary = run_walk_forward(prepared.job, sliced, validation)
    seconds = time.perf_counter() - began
    print(
        f"grid_atr BTC/USDT: {len(sliced):,} candles, {summary.n_windows} windows x "
        f"{summary.n_combos} combos ({summary.n_dropped} dropped) -> grade {summary.grade} "
        f"({summary.score:.0f})"
    )
    print(f"full walk-forward with validation: {seconds:.1f} s (target < 30 s)")


if __name__ == "__main__":
    main()
