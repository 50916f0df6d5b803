"""Fast grid engine throughput: grid_atr, its whole grid (param_grids.yaml, 3240 combos), on five
years of BTC/USDT 1h, both cores (target: at most 2 ns per candle x combo step).

Usage: ``python benchmarks/bench_fast_grid.py [STRATEGY] [TICK] [RULES]``. Uses
``../shared/data`` when present (five years = the last 43,800 candles, with the perpetual's
funding), else the bundled sample. Order prices are rounded to ``TICK`` (default 0.01, Binance's
BTC/USDT spot tick; 0 for none). ``RULES`` ``bitget`` (the default) trades under Bitget's
BTC/USDT:USDT quantity step, minimums and first margin tiers (liquidation), ``none`` without.
Two cases after a warm-up call (numba compilation, or loading the on-disk cache): one window
over the whole span, and 15 walk-forward-like windows (in-sample + out-of-sample length each,
starts spread over the span). The timed part is the whole ``grid.batch_metrics`` call: input
preparation (indicators once per distinct period, combo tables, flat-skip table) plus the
parallel kernel. A step is one candle of one combination in one window.

Then the kernel alone (inputs prepared once, ``Preparations``) both ways, runs alternating so
the shared machine's load hits both alike: the screened kernel (the default: an open grid's
quiet candles found by a branch-free pass over blocks of candles) against the candle-by-candle
one (``screened=False``), with their median ratio.
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
from pathlib import Path

import msgspec
import numba
import numpy as np

from adapters.files.csv_files import CandleFile, FundingFile, read_series_file
from adapters.services.backtest import account, costs
from config.loader import load_settings
from domain.backtest import Account
from domain.contracts import Contract, MarginTier
from domain.execution import Costs
from domain.market import HOUR_MS
from domain.strategies import strategy
from domain.strategies.plans import MarketArrays, funding_at_candles
from optimization.fast import grid
from optimization.fast.grid_prep import GridStrategyParams, prepare
from optimization.fast.prepared import Preparations

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
FIVE_YEARS = 5 * 365 * 24
WINDOWS = 15
RUNS = 5


# Bitget's BTC/USDT:USDT contract (recorded ccxt fixtures): step 0.001, minimum 0.001 and 5 USDT,
# the first two position tiers
BITGET_RULES = {
    "step": 0.001,
    "min_qty": 0.001,
    "min_notional": 5.0,
    "max_leverage": 125.0,
    "tiers": (MarginTier(150_000.0, 0.004, 125.0), MarginTier(900_000.0, 0.005, 100.0)),
}


def btc_market(tick: float = 0.0, rules: str = "bitget") -> tuple[MarketArrays, str]:
    if (SHARED / "spot" / "BTC_USDT-1h.csv.gz").is_file():
        candles = SHARED / "spot" / "BTC_USDT-1h.csv.gz"
        funding = SHARED / "funding" / "BTC_USDT_USDT-funding.csv.gz"
    else:
        candles = ROOT / "sample_data" / "BTC_USDT-1h.csv.gz"
        funding = ROOT / "sample_data" / "BTC_USDT_USDT-funding.csv.gz"
    cf, ff = read_series_file(candles), read_series_file(funding)
    assert isinstance(cf, CandleFile) and isinstance(ff, FundingFile)
    rows = np.array(cf.rows[-FIVE_YEARS:], dtype=np.float64)
    ts = np.array([r[0] for r in cf.rows[-FIVE_YEARS:]], dtype=np.int64)
    f_ts = np.array([r[0] for r in ff.rows], dtype=np.int64)
    f_rate = np.array([r[1] for r in ff.rows], dtype=np.float64)
    rate = funding_at_candles(ts, f_ts, f_rate, HOUR_MS)
    o, h, l, c, v = (np.ascontiguousarray(rows[:, k]) for k in range(1, 6))
    extra = BITGET_RULES if rules == "bitget" else {}
    market = MarketArrays(ts, o, h, l, c, v, HOUR_MS, rate, {}, Contract(tick=tick, **extra))
    return market, str(candles.relative_to(ROOT.parent))


def grid_combos(name: str) -> list[GridStrategyParams]:
    settings = load_settings()
    base = msgspec.structs.asdict(getattr(settings.strategies, name))
    grid_values = settings.param_grids.grids[name]
    keys = list(grid_values)
    spec = strategy(name)
    return [spec.parse(base | dict(zip(keys, values, strict=True))) for values in
            itertools.product(*(grid_values[k] for k in keys))]  # fmt: skip


def walk_forward_windows(n: int, days: int) -> np.ndarray:
    length = min(n, days * 24)
    starts = np.linspace(0, n - length, WINDOWS).astype(np.int64)
    return np.stack([starts, starts + length], axis=1)


def timed(fn, runs: int = RUNS) -> list[float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return times


def main(name: str = "grid_atr", tick: str = "0.01", rules: str = "bitget") -> None:
    settings = load_settings()
    market, source = btc_market(float(tick), rules)
    combos = grid_combos(name)
    fees, acct = costs(settings), account(settings)
    wfo = settings.param_grids.wfo
    n = len(market)
    cases = {
        "whole span, 1 window": np.array([[0, n]]),
        f"{WINDOWS} windows of {wfo.is_days + wfo.oos_days} days": walk_forward_windows(
            n, wfo.is_days + wfo.oos_days
        ),
    }
    print(f"{name}: {len(combos):,} combos on {n:,} candles of {source} (tick {tick}, "
          f"contract rules {rules}), {numba.get_num_threads()} threads")  # fmt: skip
    began = time.perf_counter()
    grid.batch_metrics(name, market.head(500), combos[:2], np.array([[0, 500]]), fees, acct)
    print(f"warm-up (compile or load the numba cache): {time.perf_counter() - began:.1f} s")
    prep = statistics.median(timed(lambda: prepare(name, market, combos, fees, acct)))
    print(f"input preparation (indicators once per period, combo tables): {prep * 1000:.0f} ms")
    for label, windows in cases.items():
        steps = int((windows[:, 1] - windows[:, 0]).sum()) * len(combos)
        result = grid.batch_metrics(name, market, combos, windows, fees, acct)
        times = timed(lambda w=windows: grid.batch_metrics(name, market, combos, w, fees, acct))
        median, best = statistics.median(times), min(times)
        print(
            f"{label}: {steps / 1e6:,.0f} M candle x combo steps in {median:.3f} s (median of "
            f"{RUNS}) = {median / steps * 1e9:.2f} ns/step (best {best / steps * 1e9:.2f}), "
            f"preparation included; {int(result.trades.sum()):,} trades, best return "
            f"{float(result.return_pct.max()):.1f} %"
        )
        print(compare_kernels(name, market, combos, windows, fees, acct))
        # a ruined combination stops early, so the nominal figure flatters the kernel: time the
        # combinations that run every candle of every window alone (a full pass)
        kept = (result.return_pct > -100).all(axis=1)
        whole = [c for c, ok in zip(combos, kept, strict=True) if ok]
        if len(whole) == len(combos):
            print("  full pass: no combination was ruined, the nominal figure is the full pass")
        elif whole:
            full = int((windows[:, 1] - windows[:, 0]).sum()) * len(whole)
            times = timed(
                lambda w=windows, c=whole: grid.batch_metrics(name, market, c, w, fees, acct)
            )
            print(
                f"  full pass: the {len(whole):,} of {len(combos):,} combos never ruined, "
                f"{full / 1e6:,.0f} M steps in {statistics.median(times):.3f} s = "
                f"{statistics.median(times) / full * 1e9:.2f} ns/step (nominal above: "
                f"{median / steps * 1e9:.2f})"
            )


def compare_kernels(
    name: str,
    market: MarketArrays,
    combos: list[GridStrategyParams],
    windows: np.ndarray,
    fees: Costs,
    acct: Account,
) -> str:
    """Median kernel times, candle-by-candle then screened, alternating, inputs prepared once."""
    prepared = Preparations()
    times: dict[bool, list[float]] = {False: [], True: []}
    for screened in (False, True):  # compile both, prepare once
        grid.batch_metrics(name, market, combos, windows, fees, acct, prepared, screened=screened)
    for _ in range(RUNS):
        for screened in (False, True):
            began = time.perf_counter()
            grid.batch_metrics(
                name, market, combos, windows, fees, acct, prepared, screened=screened
            )
            times[screened].append(time.perf_counter() - began)
    old, new = statistics.median(times[False]), statistics.median(times[True])
    ratios = statistics.median(a / b for a, b in zip(times[False], times[True], strict=True))
    return (
        f"  kernel alone: candle by candle {old * 1000:.0f} ms, screened {new * 1000:.0f} ms "
        f"(medians of {RUNS}, alternating); speed-up {old / new:.2f}x (median of the run "
        f"pairs' ratios {ratios:.2f}x)"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
