"""Paper trading speed (issue 5 targets): replay of 10 assets over one year of 1h candles with
persistence (>= 20k candles/s), and rebuilding the Simulator of that year (< 1 s).

Usage: ``python benchmarks/bench_paper.py``. Needs ``../shared/data`` (ten spot pairs); the
sample has only three. grid_atr (kill switches loosened so all ten runners trade the whole
year) replays 2024 into a SQLite event store in a temporary home. Timed: the replay (boot with
plans for ten runners, the candle loop, one transaction per UTC day, snapshots), then the
Simulator's rebuild from the store with its latest snapshot (what a boot does) and, for
comparison, from every event.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from adapters.files.config_writer import apply_per_asset
from adapters.services.engine import Engine
from adapters.services.importer import import_files
from adapters.services.paper_trader import PaperTrader
from adapters.store.home import Home
from adapters.text.timefmt import parse_date
from config.loader import DEFAULT_CONFIG_DIR, load_settings
from domain.simulator import Simulator

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
PAIRS = ("ADA", "AVAX", "BTC", "DOGE", "DOT", "ETH", "LINK", "NEAR", "SOL", "XRP")


def prepare(tmp: Path) -> tuple[Path, Path]:
    home = tmp / "home"
    engine = Engine(Home(home))
    files = [SHARED / "spot" / f"{p}_USDT-1h.csv.gz" for p in PAIRS]
    files += [SHARED / "funding" / f"{p}_USDT_USDT-funding.csv.gz" for p in PAIRS]
    import_files(engine.market_data, files, "binance")
    engine.project()
    engine.close()
    config = tmp / "config"
    config.mkdir()
    for path in DEFAULT_CONFIG_DIR.glob("*.yaml"):
        text = path.read_text()
        if path.name == "risk.yaml":
            text = text.replace(": 25.0", ": 99.0").replace(": 30.0", ": 99.0")
        (config / path.name).write_text(text)
    for pair in PAIRS:
        apply_per_asset(config, "grid_atr", f"{pair}/USDT", {"sl_percent": 15.0})
    return home, config


def main() -> None:
    if not SHARED.is_dir():
        sys.exit("bench_paper needs ../shared/data (ten pairs)")
    with tempfile.TemporaryDirectory() as tmp:
        home, config = prepare(Path(tmp))
        settings = load_settings(config)
        engine = Engine(Home(home))
        # no contract specs ship for seven of the ten pairs: speed, measured without any
        trader = PaperTrader(engine, settings, no_specs=True)
        report = trader.replay(parse_date("2024-01-01"), parse_date("2025-01-01"))
        rate = report.candles / report.seconds
        print(
            f"replay: {report.candles} candles of {len(trader.slots)} runners in "
            f"{report.seconds:.2f} s = {rate:,.0f} candles/s, {report.events} events"
        )
        sim_id = Simulator.create_id("paper")
        snap, full = [], []
        for _ in range(5):
            began = time.perf_counter()
            sim = engine.store.repository.get(sim_id)
            snap.append(time.perf_counter() - began)
            began = time.perf_counter()
            _replay_all(engine, sim_id)
            full.append(time.perf_counter() - began)
        print(
            f"rebuild ({sim.version} events): median {statistics.median(snap) * 1000:.1f} ms "
            f"with the latest snapshot, {statistics.median(full) * 1000:.0f} ms from every event"
        )
        engine.close()


def _replay_all(engine: Engine, sim_id) -> Simulator:
    """The aggregate folded from every stored event, ignoring snapshots."""
    sim = None
    for event in engine.store.events.get(sim_id):
        sim = event.mutate(sim)
    return sim


if __name__ == "__main__":
    main()
