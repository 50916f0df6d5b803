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
from adapters.services.portfolio_backtest import PortfolioError, run_portfolio
from adapters.services.portfolio_runners import (
    PortfolioInputError,
    applied_before,
    from_applied,
    from_preset,
    from_strategies,
    parse_runners,
    preset_of,
    with_overrides,
)
from adapters.services.runner_specs import runner_spec
from adapters.text.progress import Progress
from config.risk import PortfolioPreset
from config.settings import Settings
from domain.market import timeframe_ms
from domain.metrics import DAY_MS
from domain.portfolio_report import PortfolioReport
from domain.portfolio_run import PortfolioSettings, RunnerChoice

# option -> the risk.yaml value it overrides (``kill_switch.`` for the switch's)
OVERRIDES = {
    "capital": "initial_capital",
    "kill_switch_dd": "kill_switch.global_max_drawdown_percent",
    "kill_switch_cooldown": "kill_switch.global_cooldown_hours",
    "max_margin_ratio": "max_margin_ratio",
}


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
    # every check of the command line first: a mistake costs no projection nor replay
    preset = preset_of(settings, args.preset) if args.preset else None
    overrides = {
        name: value
        for option, name in OVERRIDES.items()
        if (value := getattr(args, option)) is not None
    }
    if preset is not None:  # a preset's capital, unless --capital gave one
        overrides.setdefault("initial_capital", preset.capital)
    run_settings = with_overrides(settings, overrides, guards=not args.no_guards)
    named = from_strategies(settings, parse_runners(args.strategies)) if args.strategies else None
    days = _days(args, preset)
    catch_up(engine)
    choices = named if named is not None else _recorded_runners(args, engine, settings)
    if not choices:
        raise UsageError("no runner to trade: no parameters applied yet (optimize ... --apply)")
    start, end = _span(args, engine, settings, choices, days)
    left_out: list[str] = []
    if args.forward:
        choices, left_out = applied_before(settings, engine.research, choices, start)
        for key in left_out:
            print(f"{key}: left out (no parameters applied before the window)", file=sys.stderr)
        if not choices:
            raise UsageError("no runner to trade: none had parameters applied before the window")
    asked = PortfolioSettings(
        runners=choices,
        capital=run_settings.risk.initial_capital,
        start_ts=start,
        end_ts=end,
        mode="forward" if args.forward else _mode(args),
        preset=args.preset or "",
        forward_days=args.forward or 0,
        overrides=overrides,
        guards=not args.no_guards,
        left_out=left_out,
    )
    report = _replay(engine, run_settings, asked, args.no_specs)
    run_id = engine.portfolio_runs.record_run(asked, report)
    engine.project()
    show = report_json if args.json else report_text
    print(show(run_id, asked, report))
    return 0


def _replay(
    engine: Engine, settings: Settings, asked: PortfolioSettings, no_specs: bool
) -> PortfolioReport:
    """The run, with a progress bar on stderr (made at the first batch: the total is known)."""
    research = engine.research_reader()
    specs = [runner_spec(c.strategy, c.symbol, c.params, research) for c in asked.runners]
    progress: list[Progress] = []

    def on_batch(candles: int, total: int) -> None:
        if not progress:
            progress.append(Progress("portfolio", total, "candle times"))
        progress[0].advance(candles)

    done = run_portfolio(engine, settings, specs, asked.start_ts, asked.end_ts, no_specs, on_batch)
    for bar in progress:
        bar.close()
    return done.report


def _mode(args: argparse.Namespace) -> str:
    return "strategies" if args.strategies else "applied" if args.applied else "preset"


def _recorded_runners(
    args: argparse.Namespace, engine: Engine, settings: Settings
) -> list[RunnerChoice]:
    """The runners of ``--applied`` or ``--preset``: from the research read model."""
    research = engine.research_reader()
    if args.applied:
        return from_applied(settings, research)
    return from_preset(settings, research, args.preset)


def _days(args: argparse.Namespace, preset: PortfolioPreset | None) -> int | None:
    """How many days end at the last candle (None: --from gives the start); refuses an
    incomplete command line."""
    if not (args.strategies or args.applied or args.preset):
        raise UsageError("name the runners: --strategies, --applied or --preset")
    if args.start and (args.days or args.forward):
        raise UsageError("give --from or --days/--forward, not both")
    days = args.forward or args.days or (None if args.start or preset is None else preset.days)
    if days is None and not args.start:
        raise UsageError("give the span: --from DATE, --days N or --forward N")
    if days is not None and days <= 0:
        raise UsageError("--days and --forward take a positive number of days")
    return days


def _span(
    args: argparse.Namespace,
    engine: Engine,
    settings: Settings,
    choices: list[RunnerChoice],
    days: int | None,
) -> tuple[int, int | None]:
    """(start, exclusive end): --from/--to, else the last ``days`` before --to or after the
    newest stored candle of the runners' markets."""
    end = date_arg(args.end, "--to") if args.end else None
    if days is None:
        start = date_arg(args.start, "--from")
    else:
        start = (end if end is not None else _stored_end(engine, settings, choices)) - days * DAY_MS
    if end is not None and end <= start:
        raise UsageError("--to must be after --from")
    return start, end


def _stored_end(engine: Engine, settings: Settings, choices: list[RunnerChoice]) -> int:
    """Just after the newest stored candle of the runners' markets."""
    reader, exchange = engine.market_reader(), settings.exchanges.history_exchange
    ends = []
    for choice in choices:
        timeframe = choice.params.get("timeframe", "1h")
        info = reader.find(exchange, choice.symbol, timeframe)
        if info is not None and info.last_ts is not None:
            ends.append(info.last_ts + timeframe_ms(timeframe))
    if not ends:
        raise UsageError("no stored candles for these runners: import or fetch some first")
    return max(ends)
