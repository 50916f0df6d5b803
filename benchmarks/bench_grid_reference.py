"""The production grid kernel against the minimal grid_atr reference (issue 20 part 3's target:
production within 1.5x of the *screened* reference on real data).

Usage: ``python benchmarks/bench_grid_reference.py [RUNS]`` (default 7). Five years of
BTC/USDT 1h (the last 43,800 candles of ``../shared/data``, else the bundled sample), spot: no
funding, no contract rules (tick 0, no step, no minimums, no tiers) for every kernel, the
reference's scope. grid_atr's whole grid (param_grids.yaml, 3,240 combinations), one window and
15 walk-forward-like windows. Kernel only: each kernel's inputs are prepared once
(``Preparations`` for production, ``reference_inputs`` for the reference) and every timed call
reuses them. Kernels: production screened (the default), production candle by candle
(``screened=False``, for context), and the reference (``tests/optimization/grid_reference_nb.py``)
plain, screened, and screened with its flat stretches skipped through a table built with the
inputs (as production's ``reach_next``). Runs alternate so the shared machine's load hits
all alike; medians, plus the median of the per-run ratios. The figures are checked equal first.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numba
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_fast_grid import btc_market, grid_combos, walk_forward_windows  # noqa: E402

from adapters.services.backtest import account, costs  # noqa: E402
from config.loader import load_settings  # noqa: E402
from domain.contracts import Contract  # noqa: E402
from optimization.fast import grid  # noqa: E402
from optimization.fast.prepared import Preparations  # noqa: E402
from tests.optimization.grid_reference_nb import (  # noqa: E402
    PLAIN,
    SCREENED,
    SKIPPED,
    reference_inputs,
    reference_metrics,
)

FIELDS = ("sharpe", "return_pct", "max_drawdown_pct", "trades", "wins")


def main(runs: str = "7") -> None:
    count = int(runs)
    settings = load_settings()
    market, source = btc_market(0.0, "none")
    market = replace(market, funding=np.full(len(market), np.nan), contract=Contract())
    combos = grid_combos("grid_atr")
    fees, acct = costs(settings), account(settings)
    wfo = settings.param_grids.wfo
    n = len(market)
    print(
        f"grid_atr: {len(combos):,} combos on {n:,} candles of {source} (spot: no funding, no "
        f"contract rules), {numba.get_num_threads()} threads, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    prepared = Preparations()
    ref_inputs = reference_inputs(market, combos, fees, acct)
    cases = {
        "1 window": np.array([[0, n]], dtype=np.int64),
        f"15 windows of {wfo.is_days + wfo.oos_days} days": walk_forward_windows(
            n, wfo.is_days + wfo.oos_days
        ),
    }
    for label, windows in cases.items():

        def production(screened: bool, w: np.ndarray = windows) -> np.ndarray:
            m = grid.batch_metrics(
                "grid_atr", market, combos, w, fees, acct, prepared, screened=screened
            )
            return np.stack([getattr(m, f).astype(np.float64) for f in FIELDS], axis=2)

        kernels: dict[str, Callable[[], np.ndarray]] = {
            "production, screened": lambda: production(True),
            "production, candle by candle": lambda: production(False),
            "reference, plain": lambda w=windows: reference_metrics(ref_inputs, w, PLAIN),
            "reference, screened": lambda w=windows: reference_metrics(ref_inputs, w, SCREENED),
            "reference, flat skipped": lambda w=windows: reference_metrics(ref_inputs, w, SKIPPED),
        }
        first = {name: kernel() for name, kernel in kernels.items()}  # compile, prepare, check
        for name, result in first.items():
            np.testing.assert_array_equal(result, first["reference, plain"], err_msg=name)
        times: dict[str, list[float]] = {name: [] for name in kernels}
        for _ in range(count):
            for name, kernel in kernels.items():
                began = time.perf_counter()
                kernel()
                times[name].append(time.perf_counter() - began)
        steps = int((windows[:, 1] - windows[:, 0]).sum()) * len(combos)
        print(f"\n{label}: {steps / 1e6:,.0f} M steps, medians of {count} alternating runs")
        for name, values in times.items():
            median = statistics.median(values)
            print(f"  {name:30} {median * 1000:8.0f} ms  {median / steps * 1e9:5.2f} ns/step")
        for a, b in (
            ("production, screened", "reference, screened"),
            ("production, screened", "reference, plain"),
            ("production, screened", "reference, flat skipped"),
            ("reference, plain", "reference, screened"),
        ):
            ratio = statistics.median(times[a]) / statistics.median(times[b])
            paired = statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))
            print(f"  {a} / {b}: {ratio:.2f}x (median of run ratios {paired:.2f}x)")
    print(f"\nload average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main(*sys.argv[1:])
