"""``scalp-radar portfolio``: many runners on one capital, replayed through paper trading's code
(``adapters.services.portfolio_backtest``), recorded as a ``PortfolioBacktestCompleted``.

Runners: ``--strategies grid_atr:BTC/USDT,ETH/USDT+envelope_dca:SOL/USDT``, ``--applied`` or
``--preset NAME`` (risk.yaml's ``portfolio_presets``). Span: ``--from``/``--to``, ``--days`` (the
last N days of the stored candles) or the preset's; ``--forward DAYS`` runs the last N days with
the parameters applied before them. ``--list`` and ``--show RUN_ID`` read the recorded runs.
"""

from __future__ import annotations

import argparse
import sys

import msgspec

from adapters.cli.common import (
    UsageError,
    catch_up,
    date_arg,
    engine_of,
    no_specs_option,
    settings_of,
)
from adapters.cli.portfolio_report import report_json, report_text, runs_text
from adapters.services.engine import Engine
from adapters.services.portfolio_backtest import PortfolioError
from adapters.services.portfolio_request import (
    PortfolioRequest,
    PreparedPortfolio,
    prepare,
    replay,
)
from adapters.services.portfolio_runners import PortfolioInputError
from adapters.text.progress import Progress
from config.settings import Settings
from domain.portfolio_report import PortfolioReport


def register(commands) -> None:
    cmd = commands.add_parser(
        "portfolio", help="portfolio backtest: many runners on one capital, as paper trades"
    )
    runners = cmd.add_mutually_exclusive_group()
    runners.add_argument(
        "--strategies", help="runners: strategy:SYMBOL[,SYMBOL...][+strategy:SYMBOL...]"
    )
    runners.add_argument(
        "--applied", action="store_true", help="every runner with parameters applied"
    )
    runners.add_argument(
        "--preset",
        help="a preset of risk.yaml: the applied runners of its N best assets "
        "(grade, then research score), its capital and days",
    )
    runners.add_argument("--list", action="store_true", help="list the recorded runs")
    runners.add_argument("--show", metavar="RUN_ID", help="show a recorded run")
    cmd.add_argument("--capital", type=float, help="initial capital (default: risk.yaml)")
    cmd.add_argument("--from", dest="start", help="first candle (YYYY-MM-DD, UTC)")
    cmd.add_argument("--to", dest="end", help="stop before this time (exclusive)")
    cmd.add_argument("--days", type=int, help="the last N days of the stored candles")
    cmd.add_argument("--kill-switch-dd", type=float, metavar="PCT", help="global drawdown %%")
    cmd.add_argument("--kill-switch-cooldown", type=int, metavar="H", help="cooldown hours")
    cmd.add_argument("--max-margin-ratio", type=float, metavar="R", help="global margin guard")
    cmd.add_argument(
        "--no-guards",
        action="store_true",
        help="no kill switch nor regime filter, margin guard at 100 %%",
    )
    cmd.add_argument(
        "--forward",
        type=int,
        metavar="DAYS",
        help="the last N days only, with the parameters applied before them",
    )
    cmd.add_argument("--json", action="store_true", help="print JSON")
    no_specs_option(cmd)
    cmd.set_defaults(handler=lambda a: cmd_portfolio(a, engine_of(a)))


def cmd_portfolio(args: argparse.Namespace, engine: Engine) -> int:
    try:
        if args.list or args.show:
            catch_up(engine)
            return _recorded(args, engine)
        return _run(args, engine, settings_of(args))
    except (PortfolioInputError, PortfolioError) as exc:
        raise UsageError(str(exc)) from None
    finally:
        engine.close()


def _recorded(args: argparse.Namespace, engine: Engine) -> int:
    reader = engine.portfolio_runs_reader()
    if args.list:
        runs = reader.runs()
        print(msgspec.json.encode(runs).decode() if args.json else runs_text(runs))
        return 0
    run = reader.run(args.show)
    if run is None:
        raise UsageError(f"--show {args.show}: no recorded portfolio run has that id")
    show = report_json if args.json else report_text
    print(show(run.run_id, run.settings, run.report))
    return 0


def _run(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    prepared = prepare(engine, settings, _request(args), lambda: catch_up(engine))
    asked = prepared.asked
    for key in asked.left_out:
        print(f"{key}: left out (no parameters applied before the window)", file=sys.stderr)
    report = _replay(engine, prepared, args.no_specs)
    run_id = engine.portfolio_runs.record_run(asked, report)
    engine.project()
    show = report_json if args.json else report_text
    print(show(run_id, asked, report))
    return 0


def _request(args: argparse.Namespace) -> PortfolioRequest:
    """The command line as a request; the dates parsed here, naming their option."""
    return PortfolioRequest(
        strategies=args.strategies,
        applied=args.applied,
        preset=args.preset,
        capital=args.capital,
        start_ms=date_arg(args.start, "--from") if args.start else None,
        end_ms=date_arg(args.end, "--to") if args.end else None,
        days=args.days,
        forward=args.forward,
        kill_switch_dd=args.kill_switch_dd,
        kill_switch_cooldown=args.kill_switch_cooldown,
        max_margin_ratio=args.max_margin_ratio,
        guards=not args.no_guards,
    )


def _replay(engine: Engine, prepared: PreparedPortfolio, no_specs: bool) -> PortfolioReport:
    """The run, with a progress bar on stderr (made at the first batch: the total is known)."""
    progress: list[Progress] = []

    def on_batch(candles: int, total: int) -> None:
        if not progress:
            progress.append(Progress("portfolio", total, "candle times"))
        progress[0].advance(candles)

    report = replay(engine, prepared, no_specs, on_batch)
    for bar in progress:
        bar.close()
    return report
