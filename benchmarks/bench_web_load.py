"""Load test of the dashboard: concurrent clients against a local ``scalp-radar serve``.

Builds a home whose read DB holds ``--assets`` x ``--strategies`` walk-forward results of a
real run's size (3,240 combinations x 15 windows each, random metrics; the issue's 10 x 6) and
a paper portfolio of 10 runners (grid_atr, envelope_dca and envelope_dca_short on the sample's
BTC, ETH and SOL, plus grid_trend on BTC) replayed over ``--paper-days`` (365) of real candles
by the real PaperTrader and projector. It starts the server on a free port, renders each page
once alone (the cost of a page whose cache was just dropped), then runs ``--clients``
concurrent httpx clients, each requesting the pages in turn for ``--seconds``, and prints
p50/p95/max latency per page. Meanwhile an operator posts a kill-switch reset every
``--event-every`` seconds (a new event: every cached page is dropped) and an SSE client on the
journal times the row's arrival from the moment the POST was sent.
Usage: ``.venv/bin/python benchmarks/bench_web_load.py [--clients 50]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import product
from pathlib import Path

import httpx
import msgspec
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.cli.main import main as cli  # noqa: E402
from adapters.files.config_writer import apply_per_asset  # noqa: E402
from adapters.services.engine import Engine  # noqa: E402
from adapters.services.paper_trader import PaperTrader  # noqa: E402
from adapters.store.home import Home  # noqa: E402
from config.loader import DEFAULT_CONFIG_DIR, load_settings  # noqa: E402
from domain.walk_forward_summary import WalkForwardSummary  # noqa: E402
from tests.web.kit import summary  # noqa: E402

API_KEY = "bench"
SAMPLE = ROOT / "sample_data"
PAPER_RUNNERS = [
    *(
        (strategy, f"{asset}/USDT")
        for strategy in ("grid_atr", "envelope_dca", "envelope_dca_short")
        for asset in ("BTC", "ETH", "SOL")
    ),
    ("grid_trend", "BTC/USDT"),
]
DAY_MS = 86_400_000

STRATEGIES = (
    "grid_atr",
    "envelope_dca",
    "envelope_dca_short",
    "grid_multi_tf",
    "grid_trend",
    "grid_funding",
)
ASSETS = ("BTC", "ETH", "SOL", "XRP", "DOGE", "ADA", "AVAX", "LINK", "DOT", "LTC")


# a real walk-forward's size: grid_atr's 3,240 combinations over 15 windows
FULL_GRID = {
    "ma_period": [7, 10, 14, 20, 30, 50],
    "atr_period": [14, 20],
    "atr_multiplier_start": [1.0, 1.5, 2.0, 2.5, 3.0],
    "atr_multiplier_step": [0.5, 1.0, 1.5],
    "num_levels": [2, 3, 4, 5, 6, 8],
    "sl_percent": [10.0, 15.0, 20.0],
}
FULL_WINDOWS = 15


def populate(home: Path, n_assets: int, n_strategies: int) -> str:
    engine = Engine(Home(home))
    run_id = ""
    rng = np.random.default_rng(7)
    for i, strategy in enumerate(STRATEGIES[:n_strategies]):
        for j, asset in enumerate(ASSETS[:n_assets]):
            score = 40 + (i * 7 + j * 5) % 60
            grade = "ABCDF"[min(4, int((100 - score) // 10))]
            run_id = engine.research.record_run(
                full_size(summary(strategy, f"{asset}/USDT", grade, float(score), (i - j) / 3), rng)
            )
    engine.project()
    engine.close()
    return run_id


def full_size(run: WalkForwardSummary, rng: np.random.Generator) -> WalkForwardSummary:
    """The hand-made summary grown to a real run's size: every combination of ``FULL_GRID``
    with random metrics per window, ``FULL_WINDOWS`` windows each selecting its best IS score,
    their stitched OOS record (one point per day) and the last selection as parameters to
    trade (the in-sample rule's summary, as ``optimization.walk_forward`` records it)."""
    s = msgspec.to_builtins(run)
    names = list(FULL_GRID)
    params = [dict(zip(names, values, strict=True)) for values in product(*FULL_GRID.values())]
    n, w = len(params), FULL_WINDOWS
    oos = rng.normal(0.5, 1.0, (n, w))
    is_ = oos + rng.normal(0.8, 0.5, (n, w))
    returns = oos * 2.0
    trades = rng.integers(5, 80, (n, w))
    is_score = is_ * np.minimum(1.0, trades / 30)
    selected = is_score.argmax(axis=0)
    oos_days, is_days, embargo = 60, 173, s["embargo_days"]
    start = s["windows"][0]["is_from"]
    windows = []
    for k, c in enumerate(selected.tolist()):
        is_from = start + k * oos_days * DAY_MS
        oos_from = is_from + (is_days + embargo) * DAY_MS
        windows.append(
            s["windows"][k % len(s["windows"])]
            | {
                "index": k,
                "is_from": is_from,
                "is_end": is_from + is_days * DAY_MS,
                "oos_from": oos_from,
                "oos_to": oos_from + oos_days * DAY_MS - 3_600_000,
                "oos_end": oos_from + oos_days * DAY_MS,
                "combo": c,
                "params": params[c],
                "is_sharpe": float(is_[c, k]),
                "is_return_pct": float(is_[c, k] * 2.0),
                "is_trades": int(trades[c, k]),
                "is_score": float(is_score[c, k]),
                "oos_sharpe": float(oos[c, k]),
                "oos_return_pct": float(returns[c, k]),
                "oos_trades": int(trades[c, k] // 3),
            }
        )
    capital = s["capital"]
    daily = np.repeat(
        [returns[c, k] / 100 * capital / oos_days for k, c in enumerate(selected)], oos_days
    )
    equity = [capital, *(capital + np.cumsum(daily)).tolist()]
    first = windows[0]["oos_from"]
    combos = {
        "params": params,
        "is_sharpe": is_.mean(axis=1).tolist(),
        "oos_sharpe": oos.mean(axis=1).tolist(),
        "consistency": (returns > 0).mean(axis=1).tolist(),
        "oos_trades": rng.integers(20, 400, n).tolist(),
        "oos_return_pct": returns.sum(axis=1).tolist(),
        "score": (oos.mean(axis=1) * (returns > 0).mean(axis=1)).tolist(),
        "selected_in": np.bincount(selected, minlength=n).tolist(),
        "oos_sharpe_by_window": oos.tolist(),
        "is_sharpe_by_window": is_.tolist(),
        "oos_return_by_window": returns.tolist(),
    }
    trade = int(selected[-1])
    grown = s | {
        "grid": FULL_GRID,
        "combos": combos,
        "best_index": trade,
        "best_params": params[trade],
        "params_window": w - 1,
        "validation_windows": list(range(w - 4)),
        "stitched": {"ts": [first + i * DAY_MS for i in range(len(equity))], "equity": equity},
        "windows": windows,
        "n_windows": w,
        "n_combos": n,
    }
    return msgspec.convert(grown, WalkForwardSummary)


def paper_config(root: Path) -> Path:
    """The shipped config with ``PAPER_RUNNERS`` enabled and validated (default parameters)."""
    config = root / "config"
    config.mkdir()
    for path in DEFAULT_CONFIG_DIR.glob("*.yaml"):
        (config / path.name).write_text(path.read_text())
    strategies = config / "strategies.yaml"
    text = strategies.read_text()
    for strategy in {s for s, _ in PAPER_RUNNERS}:
        # "name:   # comment" then "  enabled: false" on the next line
        text = re.sub(rf"(\n{strategy}:[^\n]*\n  enabled:) false", r"\1 true", text, count=1)
    strategies.write_text(text)
    for strategy, symbol in PAPER_RUNNERS:
        apply_per_asset(config, strategy, symbol, {})
    return config


def populate_paper(home: Path, config: Path, days: int) -> int:
    """Import the sample (with the contracts the runners obey) and replay its last ``days`` as
    paper trading; returns the runners."""
    files = [str(p) for p in sorted(SAMPLE.glob("*.csv.gz"))]
    files.append(str(SAMPLE / "bitget-specs.csv"))
    assert cli(["--home", str(home), "data", "import", *files]) == 0
    engine = Engine(Home(home))
    try:
        end = max(s.last_ts for s in engine.market_reader().series("candles")) + 3_600_000
        trader = PaperTrader(engine, load_settings(config), on_note=lambda _note: None)
        report = trader.replay(end - days * DAY_MS, end)
        began = time.perf_counter()
        engine.project()
        print(
            f"paper: {len(trader.slots)} runners, {report.candles} candles in "
            f"{report.seconds:.1f} s, projected in {time.perf_counter() - began:.1f} s"
        )
        return len(trader.slots)
    finally:
        engine.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(home: Path, config: Path, port: int) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "adapters.cli.main",
        "--home",
        str(home),
        "--config-dir",
        str(config),
    ]
    cmd += ["serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=os.environ | {"SCALP_RADAR_API_KEY": API_KEY})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit("the server did not start")


POSTS: list[float] = []  # duration of each reset POST (ms)


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


async def load(
    base: str, pages: list[str], clients: int, seconds: float, event_every: float
) -> tuple[dict, list[float]]:
    out: dict[str, list[float]] = {}
    sse: list[float] = []
    until = time.monotonic() + seconds
    # each client starts on a different page, so every page is hit concurrently
    await asyncio.gather(
        *(
            client(base, pages[i % len(pages) :] + pages[: i % len(pages)], until, out)
            for i in range(clients)
        ),
        operator(base, until, event_every, sse),
    )
    return out, sse


async def operator(base: str, until: float, every: float, latencies: list[float]) -> None:
    """Posts a kill-switch reset every ``every`` s; the journal stream must show its row."""
    arrived: asyncio.Queue[float] = asyncio.Queue()
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        listener = asyncio.create_task(journal_listener(http, arrived))
        await asyncio.sleep(1.0)  # let the stream start
        while time.monotonic() + every < until:
            await asyncio.sleep(every)
            sent = time.perf_counter()
            response = await http.post(
                "/positions/kill-switch/reset",
                data={"portfolio": "paper", "runner": ""},
                headers={"X-API-Key": API_KEY},
            )
            if response.status_code != 200:
                raise SystemExit(f"reset: HTTP {response.status_code} {response.text}")
            POSTS.append((time.perf_counter() - sent) * 1000)
            latencies.append((await asyncio.wait_for(arrived.get(), 10) - sent) * 1000)
        listener.cancel()


async def journal_listener(http: httpx.AsyncClient, arrived: asyncio.Queue) -> None:
    first = (await http.get("/equity")).text
    after = max((int(s) for s in re.findall(r'data-seq="(\d+)"', first)), default=0)
    url = f"/equity/journal/events?portfolio=paper&after={after}"
    async with http.stream("GET", url) as response:
        async for line in response.aiter_lines():
            if "data-seq=" in line:
                arrived.put_nowait(time.perf_counter())


def cold(base: str, pages: list[str]) -> dict[str, float]:
    """Each page rendered alone right after its cache is dropped (a query string the cache has
    not seen yet renders the same page: ``&cold=N`` is ignored by the handlers)."""
    out = {}
    with httpx.Client(base_url=base, timeout=30) as http:
        for page in pages:
            times = []
            for k in range(5):
                sep = "&" if "?" in page else "?"
                began = time.perf_counter()
                response = http.get(f"{page}{sep}cold={k}")
                times.append((time.perf_counter() - began) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{page}: HTTP {response.status_code} {response.text}")
            out[page] = statistics.median(times)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--assets", type=int, default=10)
    parser.add_argument("--strategies", type=int, default=6)
    parser.add_argument("--paper-days", type=int, default=365)
    parser.add_argument("--event-every", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        config = paper_config(Path(tmp))
        populate_paper(home, config, args.paper_days)
        run_id = populate(home, args.assets, args.strategies)
        pages = [
            "/scanner",
            "/positions",
            "/positions/detail?key=grid_atr:BTC/USDT",
            "/equity",
            "/equity/trades?page=2",
            "/research",
            "/research?sort=oos_sharpe&dir=asc&grade=B",
            f"/research/runs/{run_id}",
            f"/explorer/analysis?run_id={run_id}",
            "/explorer",
        ]
        port = free_port()
        proc = start(home, config, port)
        base = f"http://127.0.0.1:{port}"
        try:
            alone = cold(base, pages)
            with httpx.Client(base_url=base) as http:  # the pages as served: rendered once
                for page in pages:
                    http.get(page)
            results, sse = asyncio.run(
                load(base, pages, args.clients, args.seconds, args.event_every)
            )
        finally:
            proc.terminate()
            proc.wait(10)
    report(args, pages, alone, results, sse)


def report(args, pages: list[str], alone: dict, results: dict, sse: list[float]) -> None:
    total = sum(len(v) for v in results.values())
    print(
        f"{args.clients} clients, {args.seconds:.0f} s, {args.assets * args.strategies} results, "
        f"{args.paper_days} days of paper: {total} requests, {total / args.seconds:.0f} req/s, "
        f"a new event every {args.event_every:.0f} s"
    )
    print(f"{'page':<44} {'alone':>7} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for page in pages:
        v = results.get(page, [])
        if v:
            label = page if len(page) <= 44 else page[:41] + "..."
            print(
                f"{label:<44} {alone[page]:>7.1f} {len(v):>6} {statistics.median(v):>8.1f} "
                f"{p95(v):>8.1f} {max(v):>8.1f}"
            )
    if sse:
        print(
            f"journal row via SSE (from the reset POST sent): n={len(sse)} "
            f"median {statistics.median(sse):.0f} ms, max {max(sse):.0f} ms; the reset POST "
            f"itself: median {statistics.median(POSTS):.0f} ms, max {max(POSTS):.0f} ms"
        )


if __name__ == "__main__":
    main()
