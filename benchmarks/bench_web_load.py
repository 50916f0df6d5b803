"""Load test of the dashboard: concurrent clients against a local ``scalp-radar serve``.

Builds a home whose read DB holds ``--assets`` x ``--strategies`` hand-made walk-forward results
(the issue's 10 x 6), starts the server on a free port, then runs ``--clients`` concurrent httpx
clients, each requesting the pages in turn for ``--seconds``, and prints p50/p95/max latency
per page. Usage: ``.venv/bin/python benchmarks/bench_web_load.py [--clients 50]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.engine import Engine  # noqa: E402
from adapters.home import Home  # noqa: E402
from tests.web.kit import summary  # noqa: E402

STRATEGIES = (
    "grid_atr",
    "envelope_dca",
    "envelope_dca_short",
    "grid_multi_tf",
    "grid_trend",
    "grid_funding",
)
ASSETS = ("BTC", "ETH", "SOL", "XRP", "DOGE", "ADA", "AVAX", "LINK", "DOT", "LTC")


def populate(home: Path, n_assets: int, n_strategies: int) -> str:
    engine = Engine(Home(home))
    run_id = ""
    for i, strategy in enumerate(STRATEGIES[:n_strategies]):
        for j, asset in enumerate(ASSETS[:n_assets]):
            score = 40 + (i * 7 + j * 5) % 60
            grade = "ABCDF"[min(4, int((100 - score) // 10))]
            run_id = engine.research.record_run(
                summary(strategy, f"{asset}/USDT", grade, float(score), (i - j) / 3)
            )
    engine.project()
    engine.close()
    return run_id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(home: Path, port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "adapters.cli", "--home", str(home), "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=os.environ | {"SCALP_RADAR_API_KEY": "bench"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit("the server did not start")


async def client(base: str, pages: list[str], until: float, out: dict[str, list[float]]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        k = 0
        while time.monotonic() < until:
            page = pages[k % len(pages)]
            began = time.perf_counter()
            response = await http.get(page)
            elapsed = time.perf_counter() - began
            if response.status_code != 200:
                raise SystemExit(f"{page}: HTTP {response.status_code}")
            out.setdefault(page, []).append(elapsed * 1000)
            k += 1


async def load(base: str, pages: list[str], clients: int, seconds: float) -> dict:
    out: dict[str, list[float]] = {}
    until = time.monotonic() + seconds
    # each client starts on a different page, so every page is hit concurrently
    await asyncio.gather(
        *(
            client(base, pages[i % len(pages) :] + pages[: i % len(pages)], until, out)
            for i in range(clients)
        )
    )
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--assets", type=int, default=10)
    parser.add_argument("--strategies", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        run_id = populate(home, args.assets, args.strategies)
        pages = [
            "/research",
            "/research?sort=oos_sharpe&dir=asc&grade=B",
            f"/research/runs/{run_id}",
            f"/explorer/analysis?run_id={run_id}",
            "/explorer",
        ]
        port = free_port()
        proc = start(home, port)
        try:
            results = asyncio.run(
                load(f"http://127.0.0.1:{port}", pages, args.clients, args.seconds)
            )
        finally:
            proc.terminate()
            proc.wait(10)
    total = sum(len(v) for v in results.values())
    print(
        f"{args.clients} clients, {args.seconds:.0f} s, {args.assets * args.strategies} results: "
        f"{total} requests, {total / args.seconds:.0f} req/s"
    )
    print(f"{'page':<48} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for page in pages:
        v = results.get(page, [])
        if v:
            label = page if len(page) <= 48 else page[:45] + "..."
            print(
                f"{label:<48} {len(v):>6} {statistics.median(v):>8.1f} {p95(v):>8.1f} "
                f"{max(v):>8.1f}"
            )


if __name__ == "__main__":
    main()
