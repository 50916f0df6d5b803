"""``demo``: the newcomer's tour of the bundled sample, from import to the dashboard."""

from __future__ import annotations

import argparse
from pathlib import Path

from adapters.cli.common import (
    REPO_ROOT,
    UsageError,
    config_dir_of,
    engine_of,
    no_specs_option,
    settings_in,
)
from adapters.cli.data import data_report, import_with_progress
from adapters.cli.data_report import import_summary
from adapters.cli.optimize_report import optimize_table
from adapters.cli.research import apply, window_progress
from adapters.cli.serve import cmd_serve, serve_options
from adapters.cli.status_report import status_text
from adapters.services import optimize
from adapters.services.engine import Engine
from adapters.services.paper_trader import PaperTrader
from adapters.services.traded_contract import VenueContracts
from adapters.store.event_store import describe_store
from adapters.store.home import Home
from config.loader import DEFAULT_CONFIG_DIR
from config.settings import Settings
from domain.market import (
    timeframe_ms,
)

SAMPLE_DIR = REPO_ROOT / "sample_data"


DEMO_STRATEGY = "grid_atr"


def register(commands) -> None:
    demo = commands.add_parser("demo", help="import the bundled sample data and report on it")
    demo.add_argument("--data", type=Path, default=SAMPLE_DIR, help="directory of CSV(.gz) files")
    demo.add_argument(
        "--no-serve", action="store_true", help="end after the report (no dashboard: tests, CI)"
    )
    no_specs_option(demo)
    serve_options(demo)
    demo.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job: import the sample, report on the data, walk-forward the main strategy on
    every spot market of the sample, apply the parameters graded A to C (to a config copy in the
    home, never to the shipped files), replay the most recent months as paper trading, print
    the portfolio's status, then serve the dashboard (unless ``--no-serve``)."""
    files = sorted(p for p in args.data.glob("*.csv*") if p.is_file()) if args.data.is_dir() else []
    if not files:
        raise UsageError(f"no CSV files in {args.data}")
    if not args.no_serve and not 0 < args.port < 65536:  # said now, not after the long run
        raise UsageError(f"--port must be 1..65535, got {args.port}")
    engine = engine_of(args)
    config_dir = _demo_config(engine.home, config_dir_of(args))
    settings = settings_in(config_dir)
    try:
        print(f"state directory: {engine.home.root}; events in {describe_store(engine.store)}")
        outcomes = import_with_progress(engine, files, "binance")
        print(import_summary(outcomes))
        print(data_report(engine, VenueContracts.of(settings, args.no_specs)))
        _demo_research(engine, settings, config_dir, args.no_specs)
        settings = settings_in(config_dir)
        _demo_paper(engine, settings, args.no_specs)
    except optimize.OptimizeInputError as exc:
        raise UsageError(str(exc)) from exc
    finally:
        engine.close()
    if any(o.error for o in outcomes):
        return 2
    if args.no_serve:
        return 0
    # the newcomer's last step: the same dashboard `scalp-radar serve` runs, over the demo's
    # home and config copy, so the results above can be browsed
    args.config_dir = config_dir
    return cmd_serve(args)


DEMO_PAPER_DAYS = 120


def _demo_config(home: Home, chosen: Path | None) -> Path:
    """The demo's config: a copy in the home (made once), so applying parameters never edits
    the shipped files."""
    target = home.root / "config"
    if not target.is_dir():
        source = chosen or DEFAULT_CONFIG_DIR
        target.mkdir(parents=True)
        for path in sorted(source.glob("*.yaml")):
            (target / path.name).write_text(path.read_text())
    return target


def _demo_research(engine: Engine, settings: Settings, config_dir: Path, no_specs: bool) -> None:
    spot = sorted(s.symbol for s in engine.market_reader().series("candles") if ":" not in s.symbol)
    reader = engine.market_reader()
    jobs = optimize.prepare(settings, reader, [DEMO_STRATEGY], spot, no_specs=no_specs)
    for summary in optimize.run_jobs(jobs, 1, window_progress):
        run_id = engine.research.record_run(summary)
        print(optimize_table(summary))
        if apply(engine, run_id, config_dir):
            print(f"applied {summary.strategy} {summary.symbol} (grade {summary.grade})")
    engine.project()


def _demo_paper(engine: Engine, settings: Settings, no_specs: bool) -> None:
    """Replay the last months of the sample as paper trading, then print the status."""
    candles = [s for s in engine.market_reader().series("candles") if ":" not in s.symbol]
    end = max(s.last_ts for s in candles) + timeframe_ms("1h")
    start = end - DEMO_PAPER_DAYS * 86_400_000
    trader = PaperTrader(engine, settings, on_note=print, no_specs=no_specs)
    report = trader.replay(start, end)
    engine.project()
    if not trader.slots:
        print("paper trading: no asset was graded A to C, so none is validated to trade")
    print(f"paper replay of the last {DEMO_PAPER_DAYS} days: {report.candles} candles")
    print(status_text(engine.paper_reader(), "paper"))
