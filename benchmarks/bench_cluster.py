"""The local pool against a Dask LocalCluster: ``scalp-radar optimize`` end to end, 1 and 10 jobs.

Usage: ``python benchmarks/bench_cluster.py [--runs 3]`` (needs ``../shared/data`` and the
``cluster`` extra). The home is ``bench_cli.py``'s (the last five years of ten spot pairs). Each
figure is a fresh ``scalp-radar`` process, median of ``--runs``: grid_atr (``--no-specs``) on
1 and 10 spot pairs with ``--workers 2``, on the local pool and with ``--cluster local`` (the
LocalCluster starts, warms its workers' numba cache, runs and stops inside the command).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bench_cli import PAIRS, build_home, cli


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = build_home(Path(tmp))
        cli(home, "optimize", "--strategy", "grid_atr", "--symbol", "BTC/USDT")  # warm-up
        for n in (1, 10):
            symbols = ",".join(f"{p}/USDT" for p in PAIRS[:n])
            args = ["optimize", "--strategy", "grid_atr", "--symbol", symbols, "--no-specs"]
            args += ["--workers", "2"]
            for name, extra in (("local pool", []), ("LocalCluster", ["--cluster", "local"])):
                times = [cli(home, *args, *extra) for _ in range(options.runs)]
                print(
                    f"{n:>2} jobs, {name}: {', '.join(f'{t:.1f}' for t in times)} s, "
                    f"median {statistics.median(times):.1f} s",
                    flush=True,
                )


if __name__ == "__main__":
    main()
