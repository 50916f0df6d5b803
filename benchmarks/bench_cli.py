"""What a user waits: ``scalp-radar optimize`` end to end, cold and warm, and the local pool.

Usage: ``python benchmarks/bench_cli.py [--runs 3] [--pool]`` (needs ``../shared/data``).

A home is built in a temporary directory from the last five years of the shared files (spot
candles, the perpetual's funding; BTC's perpetual candles and the shipped Bitget specs, so
BTC/USDT runs as ``bench_walk_forward.py`` does). Then, each a fresh ``scalp-radar`` process:

- **cold**: grid_atr on BTC/USDT with an empty numba cache (``NUMBA_CACHE_DIR``): the first run
  after an install that did not warm the cache;
- **warm**: the same run ``--runs`` times with the cache filled (median);
- **in process**: the same walk-forward timed inside one Python process (no process start, no
  imports, no event write or projection), after a warm-up: what the CLI is compared with;
- with ``--pool``: grid_atr on 1, 2 and 10 spot pairs (``--no-specs``: most have no spec),
  ``--workers 1`` against the local pool of one process per core (``--workers`` given
  explicitly: before 2026-12-06 15:40 this benchmark left it out and so timed one worker twice);
- with ``--threads``: the in-process walk-forward at one numba thread and at one per core
  (medians of 4, alternating): the cost model's ``NS_PER_STEP``;
- with ``--universe``: ``optimize --all`` on the ten spot pairs, one command: every strategy
  with a grid whose timeframe the shared files hold (1h; the 5m and 15m ones are skipped, each
  named on stderr), ``--workers 1`` against the local pool of one process per core.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
CLI = ROOT / ".venv" / "bin" / "scalp-radar"
FIVE_YEARS_MS = 5 * 365 * 86_400_000
CORES = len(os.sched_getaffinity(0))
PAIRS = ["BTC", "ETH", "SOL", "ADA", "AVAX", "DOGE", "DOT", "LINK", "NEAR", "XRP"]


def last_five_years(source: Path, target: Path) -> Path:
    """``source``'s rows of its last five years, written to ``target`` (same name)."""
    with gzip.open(source, "rt") as f:
        header, *rows = f.read().splitlines()
    last = int(rows[-1].split(",", 1)[0])
    kept = [r for r in rows if int(r.split(",", 1)[0]) >= last - FIVE_YEARS_MS]
    out = target / source.name
    with gzip.open(out, "wt") as f:
        f.write("\n".join([header, *kept]) + "\n")
    return out


def build_home(tmp: Path) -> Path:
    data = tmp / "data"
    data.mkdir()
    files = [last_five_years(SHARED / "perp" / "BTC_USDT_USDT-1h.csv.gz", data)]
    for pair in PAIRS:
        files.append(last_five_years(SHARED / "spot" / f"{pair}_USDT-1h.csv.gz", data))
        files.append(last_five_years(SHARED / "funding" / f"{pair}_USDT_USDT-funding.csv.gz", data))
    home = tmp / "home"
    cli(home, "data", "import", *map(str, files), str(ROOT / "sample_data" / "bitget-specs.csv"))
    return home


def cli(home: Path, *args: str, env: dict[str, str] | None = None) -> float:
    """Seconds of one ``scalp-radar`` process, from its start to its exit."""
    began = time.perf_counter()
    subprocess.run(
        [str(CLI), "--home", str(home), *args],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    return time.perf_counter() - began


def in_process(home: Path, threads: tuple[int, ...] = (), runs: int = 4) -> float:
    """The same walk-forward inside this process, after a warm-up run; with ``threads``, also
    ``runs`` of it at each numba thread count, alternating (printed: the cost model's figures)."""
    import numba

    from adapters.services.engine import Engine
    from adapters.services.optimize import prepare
    from adapters.store.home import Home
    from config.loader import load_settings
    from optimization.walk_forward import run_walk_forward

    engine = Engine(Home(home))
    (job,) = prepare(load_settings(), engine.market_reader(), ["grid_atr"], ["BTC/USDT"])
    engine.close()

    def once() -> float:
        began = time.perf_counter()
        run_walk_forward(job.job, job.market, job.validation)
        return time.perf_counter() - began

    once()
    inside = once()
    timed: dict[int, list[float]] = {n: [] for n in threads}
    for _ in range(runs if threads else 0):
        for n in threads:
            numba.set_num_threads(n)
            timed[n].append(once())
    for n, seconds in timed.items():
        print(f"in process, {n} numba thread(s): median {statistics.median(seconds):.2f} s")
    return inside


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="warm runs (median)")
    parser.add_argument("--pool", action="store_true", help="also 1, 2 and 10 jobs, 1 vs N workers")
    parser.add_argument("--universe", action="store_true", help="also optimize --all, ten pairs")
    parser.add_argument("--threads", action="store_true", help="also in process at 1 and N threads")
    options = parser.parse_args()
    btc = ["optimize", "--strategy", "grid_atr", "--symbol", "BTC/USDT"]
    with tempfile.TemporaryDirectory() as tmp:
        home = build_home(Path(tmp))
        cold = cli(home, *btc, env={"NUMBA_CACHE_DIR": str(Path(tmp) / "numba-cache")})
        print(f"cold CLI (empty numba cache): {cold:.1f} s")
        warm = [cli(home, *btc) for _ in range(options.runs)]
        median = statistics.median(warm)
        print(f"warm CLI: {', '.join(f'{w:.2f}' for w in warm)} s, median {median:.2f} s")
        inside = in_process(home, (1, CORES) if options.threads else ())
        print(f"in-process walk-forward: {inside:.2f} s (CLI / in process: {median / inside:.2f}x)")
        if options.pool:
            for n in (1, 2, 10):
                symbols = ",".join(f"{p}/USDT" for p in PAIRS[:n])
                args = ["optimize", "--strategy", "grid_atr", "--symbol", symbols, "--no-specs"]
                one = cli(home, *args, "--workers", "1")
                pooled = cli(home, *args, "--workers", str(CORES))
                print(f"{n:>2} jobs: --workers 1 {one:.1f} s, --workers {CORES} {pooled:.1f} s")
        if options.universe:
            symbols = ",".join(f"{p}/USDT" for p in PAIRS)
            args = ["optimize", "--all", "--symbol", symbols, "--no-specs"]
            one = cli(home, *args, "--workers", "1")
            pooled = cli(home, *args, "--workers", str(CORES))
            print(f"--all x 10 pairs: --workers 1 {one:.1f} s, --workers {CORES} {pooled:.1f} s")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
