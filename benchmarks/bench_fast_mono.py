"""Fast-engine throughput for the seven mono-position strategies.

Usage: ``python benchmarks/bench_fast_mono.py [STRATEGY ...]``. For each strategy, 200
combinations drawn (seeded) from its grid in ``config/param_grids.yaml`` run over one window of
the last 5,000 and of the last 43,800 candles (five years) of BTC/USDT 1h with its funding
(``../shared/data`` when present, else the bundled sample). There is no open-interest history,
so liquidation gets a seeded synthetic series. The earlier system to compare with claimed 0.17 ms
per combination at 5,000 candles, but measured side by side on this machine (issue 20) it takes
1.6-7.1 ms per combination (320-1,420 ns per candle x combination step): those are the figures
to compare with, printed as ``EARLIER_MS`` below.

Timed after a warm-up call (numba compilation, cache load): ``batch_metrics`` end to end
(median of 5), and within it the plan building (``PlanTable``: the strategy's ``build`` once per
distinct parameter subset). ns/step = time / (combinations x candles). Leverage 1 and zero costs,
so that no combination is ruined and stops early.
"""

from __future__ import annotations

import gzip
import statistics
import sys
import time
from pathlib import Path

import msgspec
import numba
import numpy as np

from config.loader import load_settings
from domain.backtest import Account
from domain.execution import Costs
from domain.strategies import REGISTRY, strategy
from domain.strategies.params import MonoParams
from domain.strategies.plans import MarketArrays, funding_at_candles
from optimization.fast import mono

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SAMPLE = ROOT / "sample_data"
H = 3_600_000
SIZES = (5_000, 43_800)
COMBOS = 200
REPEATS = 5
# the earlier system's mono path, measured on this machine at 5,000 candles (ms per combination)
EARLIER_MS = (1.6, 7.1)
# leverage 1 and no costs: with real costs and leverage 2-10 many of these scalping combinations
# are ruined on five years of 1h candles and stop early, which would flatter the throughput
# (ruined combinations are counted in the output); costs do not change the work per candle
LEVERAGE = 1
MONO = sorted(name for name, spec in REGISTRY.items() if spec.kind == "mono")


def _csv(path: Path) -> np.ndarray:
    with gzip.open(path, "rt") as f:
        return np.loadtxt(f, delimiter=",", skiprows=1, ndmin=2)


def btc_market() -> MarketArrays:
    shared = SHARED.is_dir()
    candles_path = (SHARED / "spot" if shared else SAMPLE) / "BTC_USDT-1h.csv.gz"
    funding_path = (SHARED / "funding" if shared else SAMPLE) / "BTC_USDT_USDT-funding.csv.gz"
    c, f = _csv(candles_path), _csv(funding_path)
    ts = c[:, 0].astype(np.int64)
    funding = funding_at_candles(ts, f[:, 0].astype(np.int64), f[:, 1], H)
    rng = np.random.default_rng(42)
    open_interest = 1e9 * np.exp(np.cumsum(rng.normal(0.0, 0.01, len(ts))))
    return MarketArrays(
        ts,
        c[:, 1],
        c[:, 2],
        c[:, 3],
        c[:, 4],
        c[:, 5],
        H,
        funding,
        {"open_interest": open_interest},
    )


def combos(name: str) -> list[MonoParams]:
    settings = load_settings()
    base = msgspec.structs.asdict(getattr(settings.strategies, name))
    values = settings.param_grids.grids[name]
    keys = list(values)
    sizes = [len(values[k]) for k in keys]
    total = int(np.prod(sizes))
    picked = np.random.default_rng(7).choice(total, size=min(COMBOS, total), replace=False)
    out = []
    for flat in sorted(picked.tolist()):
        index = np.unravel_index(flat, sizes)
        chosen = {k: values[k][i] for k, i in zip(keys, index, strict=True)}
        out.append(strategy(name).parse(base | chosen | {"leverage": LEVERAGE}))
    return out


def bench(name: str, market: MarketArrays, costs: Costs) -> None:
    params = combos(name)
    for size in SIZES:
        m = _tail(market, min(size, len(market)))
        n = len(m)
        windows = np.array([[0, n]])
        mono.batch_metrics(name, m, params, windows, costs)  # warm-up
        totals, plans = [], []
        for _ in range(REPEATS):
            began = time.perf_counter()
            table = mono.PlanTable(name, m, Account().margin_per_asset())
            for p in params:
                table.add(p)
            plans.append(time.perf_counter() - began)
            began = time.perf_counter()
            result = mono.batch_metrics(name, m, params, windows, costs)
            totals.append(time.perf_counter() - began)
        total, plan = statistics.median(totals), statistics.median(plans)
        steps = len(params) * n
        print(
            f"{name:18s} {len(params)} combos x {n:>6,} candles: {total * 1000:8.1f} ms "
            f"= {total / len(params) * 1000:6.3f} ms/combo = {total / steps * 1e9:5.1f} ns/step "
            f"(plans {plan * 1000:6.1f} ms in {table.builds} builds, kernel "
            f"{(total - plan) / steps * 1e9:4.1f} ns/step); "
            f"{int(result.trades.sum()):,} trades, {int((result.return_pct <= -100).sum())} ruined"
        )
        if n == SIZES[0]:
            per_combo = total / len(params) * 1000
            low, high = (ms / per_combo for ms in EARLIER_MS)
            print(f"{'':18s} the earlier system's measured 1.6-7.1 ms/combo: {low:.0f}-{high:.0f}x")


def _tail(market: MarketArrays, size: int) -> MarketArrays:
    s = slice(len(market) - size, None)
    return MarketArrays(
        market.ts[s],
        market.open[s],
        market.high[s],
        market.low[s],
        market.close[s],
        market.volume[s],
        market.tf_ms,
        market.funding[s],
        {k: v[s] for k, v in market.extras.items()},
    )


def main(names: list[str]) -> None:
    market = _tail(btc_market(), 43_800)
    costs = Costs(0.0, 0.0, 0.0)
    print(f"numba threads: {numba.get_num_threads()}")
    for name in names or MONO:
        bench(name, market, costs)


if __name__ == "__main__":
    main(sys.argv[1:])
