"""``backtest`` and ``optimize``: one strategy on one market; the walk-forward and its grade."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from adapters.cli.backtest_report import backtest_json, backtest_table, equity_csv
from adapters.cli.common import (
    UsageError,
    catch_up,
    check_output_file,
    cluster_option,
    cluster_target,
    config_dir_of,
    date_arg,
    engine_of,
    no_specs_option,
    say,
    settings_of,
    write_output,
)
from adapters.cli.optimize_report import estimate_text, optimize_json, optimize_table
from adapters.services import backtest, optimize, params_commands
from adapters.services.backtest import BacktestRequest
from adapters.services.cluster_target import ClusterError, ClusterTarget
from adapters.services.engine import Engine
from adapters.text.progress import Progress
from adapters.text.trade_csv import trades_csv
from config.loader import DEFAULT_CONFIG_DIR
from config.settings import Settings
from domain.market import (
    check_symbol,
    timeframe_ms,
)
from domain.walk_forward_summary import WalkForwardSummary


def register(commands) -> None:
    _register_backtest(commands)
    _register_optimize(commands)


def _register_backtest(commands) -> None:
    bt = commands.add_parser("backtest", help="event-driven backtest of one strategy")
    bt.add_argument("--strategy", required=True)
    bt.add_argument("--symbol", required=True)
    bt.add_argument("--timeframe", help="default: the strategy's timeframe")
    bt.add_argument("--exchange", default="binance", help="whose candles (default binance)")
    bt.add_argument("--from", dest="start", help="first date (UTC) that may trade")
    bt.add_argument("--to", dest="end", help="end date (UTC), exclusive")
    bt.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    bt.add_argument("--json", action="store_true", help="print one JSON object")
    bt.add_argument("--equity-out", type=Path, help="write the equity curve (CSV)")
    bt.add_argument("--trades-out", type=Path, help="write every closed trade (CSV)")
    bt.add_argument("--trades", action="store_true", help="with --json: add the trade list")
    no_specs_option(bt)
    bt.set_defaults(handler=cmd_backtest)


def _register_optimize(commands) -> None:
    opt = commands.add_parser("optimize", help="walk-forward optimisation, validation, grade")
    opt.add_argument("--strategy", help="one or more strategies, comma-separated (or --all)")
    opt.add_argument("--symbol", help="one or more symbols, comma-separated")
    opt.add_argument("--all", action="store_true", help="every strategy with a grid")
    opt.add_argument("--exchange", default="binance", help="whose candles (default binance)")
    opt.add_argument(
        "--workers",
        type=int,
        help="local worker processes, each with its share of the cores as numba threads "
        "(default: what the cost model expects to be faster: a pool of one per core for "
        "several jobs, else this process with every thread)",
    )
    cluster_option(opt)
    opt.add_argument("--json", action="store_true", help="one JSON object per line")
    opt.add_argument(
        "--dry-run", action="store_true", help="print the work and its expected time, run nothing"
    )
    opt.add_argument("--apply", action="store_true", help="apply A-C parameters to paper trading")
    no_specs_option(opt)
    opt.set_defaults(handler=cmd_optimize)


def cmd_backtest(args: argparse.Namespace) -> int:
    check_symbol(args.symbol)
    if args.timeframe is not None:
        timeframe_ms(args.timeframe)
    if args.trades and not args.json:
        raise UsageError("--trades adds the trade list to the JSON report: give --json too")
    for option, path in (("--equity-out", args.equity_out), ("--trades-out", args.trades_out)):
        if path is not None:
            check_output_file(option, path)
    settings = settings_of(args)
    request = BacktestRequest(
        strategy=args.strategy,
        symbol=args.symbol,
        timeframe=args.timeframe,
        exchange=args.exchange,
        start_ms=date_arg(args.start, "--from") if args.start else None,
        end_ms=date_arg(args.end, "--to") if args.end else None,
        overrides=tuple(_key_value(p) for p in args.param),
        no_specs=args.no_specs,
    )
    start, end = request.start_ms, request.end_ms
    if start is not None and end is not None and end <= start:
        raise UsageError(f"--to {args.end} must be after --from {args.start}")
    engine = engine_of(args)
    try:
        catch_up(engine)
        run = backtest.run(settings, engine.market_reader(), request)
    except backtest.BacktestInputError as exc:
        raise UsageError(str(exc)) from exc
    finally:
        engine.close()
    if args.equity_out:
        write_output("--equity-out", args.equity_out, equity_csv(run.result))
    if args.trades_out:
        write_output("--trades-out", args.trades_out, trades_csv(run.result.trades))
    print(backtest_json(run, args.trades) if args.json else backtest_table(run))
    return 0


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise UsageError(f"--param expects KEY=VALUE, got {text!r}")
    return key.strip(), value.strip()


def _strategies(text: str) -> list[str]:
    """``--strategy a,b``: the names in order, each once (unknown ones are refused later)."""
    if not text.strip():
        raise UsageError(f"--strategy {text!r}: no strategy given")
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise UsageError(f"--strategy {text!r}: an empty name in the list")
    return list(dict.fromkeys(names))


def cmd_optimize(args: argparse.Namespace) -> int:
    if args.all and args.strategy is not None:
        raise UsageError("give --strategy NAME or --all, not both")
    if not args.all and args.strategy is None:
        raise UsageError("give --strategy NAME or --all")
    settings = settings_of(args)
    strategies = sorted(settings.param_grids.grids) if args.all else _strategies(args.strategy)
    symbols = _symbols(args, settings)
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be >= 1, got {args.workers}")
    target = cluster_target(args, settings)
    engine = engine_of(args)
    try:
        catch_up(engine)
        jobs = _jobs(engine, settings, strategies, symbols, args)
        workers = args.workers
        if workers is None and target is None:  # a cluster is shaped like the cores (None)
            workers = optimize.fastest_workers(jobs)
        cost = optimize.estimate_jobs(jobs, workers)
        if args.dry_run:
            print(estimate_text(cost, target is not None))
            return 0
        summaries = _optimize(engine, jobs, workers, args, target)
        engine.project()
    finally:
        engine.close()
    for run_id, summary in summaries:
        print(optimize_json(summary, run_id) if args.json else optimize_table(summary))
    return 0


def _jobs(
    engine: Engine,
    settings: Settings,
    strategies: list[str],
    symbols: list[str],
    args: argparse.Namespace,
) -> list[optimize.PreparedJob]:
    """The checked jobs. Named strategies stop at the first one that cannot run (exit 2);
    ``--all`` runs those the stored data allows and names each skipped one on stderr."""
    reader, exchange, no_specs = engine.market_reader(), args.exchange, args.no_specs
    if not args.all:
        try:
            return optimize.prepare(settings, reader, strategies, symbols, exchange, no_specs)
        except optimize.OptimizeInputError as exc:
            raise UsageError(str(exc)) from exc
    skipped: list[str] = []
    jobs = optimize.prepare(
        settings, reader, strategies, symbols, exchange, no_specs, on_skip=skipped.append
    )
    for why in skipped:
        say(f"skipped {why}")
    if not jobs:
        raise UsageError(f"--all: none of the {len(skipped)} jobs can run (reasons above)")
    if skipped:
        say(f"--all: {len(jobs)} jobs to run, {len(skipped)} skipped")
    return jobs


def _symbols(args: argparse.Namespace, settings: Settings) -> list[str]:
    if args.symbol is not None:
        symbols = list(dict.fromkeys(s.strip() for s in args.symbol.split(",") if s.strip()))
        if not symbols:
            raise UsageError(f"--symbol {args.symbol!r}: no symbol given")
        return [check_symbol(s) for s in symbols]
    if args.all:
        return [asset.symbol for asset in settings.assets.assets]
    raise UsageError("give --symbol S[,S...]")


def _optimize(
    engine: Engine,
    jobs: list[optimize.PreparedJob],
    workers: int | None,
    args: argparse.Namespace,
    target: ClusterTarget | None,
) -> list[tuple[str, WalkForwardSummary]]:
    """(run id, summary) of each job, recorded as it completes (here, wherever it ran)."""
    summaries = []
    try:
        progress = window_progress if target is None else jobs_progress
        for summary in optimize.run_jobs(jobs, workers, progress, target):
            run_id = engine.research.record_run(summary)
            summaries.append((run_id, summary))
            if args.apply:
                apply(engine, run_id, config_dir_of(args) or DEFAULT_CONFIG_DIR)
    except ClusterError as exc:
        raise UsageError(str(exc)) from exc
    return summaries


def window_progress(label: str, unit: str = "windows"):
    bar: dict[str, Progress] = {}

    def update(done: int, total: int, note: str) -> None:
        if "bar" not in bar:
            bar["bar"] = Progress(f"walk-forward {label}", total, unit)
        bar["bar"].advance(1, note)
        if done == total:
            bar.pop("bar").close()

    return update


def jobs_progress(label: str):
    """A cluster run's bar: the jobs returned."""
    return window_progress(label, "jobs")


def apply(engine: Engine, run_id: str, config_dir: Path) -> params_commands.AppliedParams | None:
    """Apply the run just recorded through the command the dashboard uses too; a grade that may
    not be applied is said on stderr (the run stays recorded), an invalid config is exit 2."""
    try:
        return params_commands.apply_run(engine, config_dir, run_id)
    except params_commands.GradeNotApplicableError as exc:
        print(f"not applied: {exc}", file=sys.stderr)
        return None
    except params_commands.ApplyRefusedError as exc:
        raise UsageError(str(exc)) from exc
