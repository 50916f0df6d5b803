"""The ``scalp-radar`` command.

Exit codes: 0 success, 1 the work failed (e.g. an exchange kept failing), 2 bad input (bad
argument, file, config or symbol) or a refused command, 141 the reader of stdout went away.
Errors and refusals are one clear line on stderr, never a traceback; reports go to stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import ccxt

from adapters import backtest, cli_paper, optimize, params_commands
from adapters.backtest import BacktestRequest
from adapters.backtest_report import backtest_json, backtest_table, write_equity_csv
from adapters.contract_specs import UnknownSymbolError, fetch_specs
from adapters.doctor import examine
from adapters.engine import Engine
from adapters.event_store import describe_store
from adapters.exchange_client import make_exchange
from adapters.fetch import (
    FetchError,
    FetchReport,
    RetryPolicy,
    fetch_candles,
    fetch_funding,
    fetch_open_interest,
)
from adapters.home import Home, HomeError
from adapters.importer import IMPORT_LOCK, ImportLock, ImportLockBusy, import_files
from adapters.market_data import Series
from adapters.optimize_report import optimize_json, optimize_table
from adapters.paper import PaperTrader
from adapters.paper_report import status_text
from adapters.progress import Progress
from adapters.reports import import_summary, quality_section
from adapters.timefmt import fmt_ts, parse_date
from adapters.venues import VENUES, venue
from config.loader import DEFAULT_CONFIG_DIR, ConfigError, check_config, load_settings
from config.secrets import SecretsError, dotenv_files, dotenv_report, load_secrets
from config.settings import Settings
from domain.market import (
    FundingSeries,
    Market,
    MarketError,
    OpenInterestSeries,
    check_symbol,
    timeframe_ms,
)
from domain.names import BadNameError
from domain.walk_forward_summary import WalkForwardSummary
from projections.data_quality import candle_quality, funding_quality
from projections.projector import ProjectionError

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO_ROOT / "sample_data"
# what each kind of series is fetched with, and what its progress counts
_FETCHERS = {
    Market: (fetch_candles, "candles"),
    FundingSeries: (fetch_funding, "settlements"),
    OpenInterestSeries: (fetch_open_interest, "samples"),
}


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit code 2."""


# what a shell reports for a tool whose reader went away (128 + SIGPIPE), as `yes | head` does
BROKEN_PIPE_EXIT = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. A reader that closes the output early (``status --json | head -c 10``)
    ends the command quietly with exit code 141, whatever the command."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # a reader that went away is found now, not at interpreter exit
    except BrokenPipeError:
        _stdout_to_devnull()
        return BROKEN_PIPE_EXIT


def _stdout_to_devnull() -> None:
    """Point stdout at the null device, so Python's flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # not a real file (a test's capture)
        pass


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (UsageError, MarketError, BadNameError, HomeError, cli_paper.PaperUsageError) as exc:
        print(f"scalp-radar: error: {exc}", file=sys.stderr)
        return 2
    except ProjectionError as exc:  # an event a read model cannot apply: said, not a traceback
        print(f"scalp-radar: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("scalp-radar: interrupted; what was stored stays stored", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scalp-radar", description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="state directory (default $SCALP_RADAR_HOME or ./var)")
    parser.add_argument(
        "--config-dir",
        dest="root_config_dir",
        type=Path,
        help="directory of the YAML config files (default $SCALP_RADAR_CONFIG_DIR or built-in)",
    )
    parser.set_defaults(handler=lambda _args: parser.print_help() or 2)
    commands = parser.add_subparsers(title="commands")
    _add_data(commands)
    _add_config(commands)
    _add_projections(commands)
    _add_backtest(commands)
    _add_optimize(commands)
    _add_serve(commands)
    doctor = commands.add_parser(
        "doctor", help="the store's health: undecodable events, projections, locks, disk space"
    )
    doctor.set_defaults(handler=cmd_doctor)
    cli_paper.register(commands, _engine, _settings)
    demo = commands.add_parser("demo", help="import the bundled sample data and report on it")
    demo.add_argument("--data", type=Path, default=SAMPLE_DIR, help="directory of CSV(.gz) files")
    demo.add_argument(
        "--no-serve", action="store_true", help="end after the report (no dashboard: tests, CI)"
    )
    _serve_options(demo)
    demo.set_defaults(handler=cmd_demo)
    return parser


def _add_data(commands) -> None:
    data = commands.add_parser("data", help="market data: import, fetch, check").add_subparsers(
        title="data commands", required=True
    )
    imp = data.add_parser(
        "import",
        help="import normalized CSV(.gz) candle/funding files and <exchange>-specs.csv files",
    )
    imp.add_argument("files", nargs="+", type=Path)
    imp.add_argument(
        "--exchange",
        default="binance",
        help="whose candles and funding (default binance); a specs file names its own exchange",
    )
    imp.set_defaults(handler=cmd_data_import)
    fetch = data.add_parser(
        "fetch", help="backfill candles (and funding, open interest) or contract specs through ccxt"
    )
    fetch.add_argument("--exchange", required=True, choices=sorted(VENUES))
    fetch.add_argument(
        "--symbol",
        help="ccxt symbol: BTC/USDT or BTC/USDT:USDT (with --specs: comma-separated, or none for "
        "every spot and perpetual market)",
    )
    fetch.add_argument("--timeframe", default="1h")
    fetch.add_argument("--since", help="start date (UTC) when nothing is stored yet")
    fetch.add_argument("--funding", action="store_true", help="also the funding-rate history")
    fetch.add_argument(
        "--open-interest",
        action="store_true",
        help="also the open-interest history, sampled every --timeframe (Binance: last 30 days)",
    )
    fetch.add_argument(
        "--specs",
        action="store_true",
        help="record the contract specs (tick size, lot step, minimums, leverage) of the venue's "
        "market list instead of fetching candles",
    )
    fetch.set_defaults(handler=cmd_data_fetch)
    check = data.add_parser("check", help="span, rows, gaps, duplicates, OHLC errors, spikes")
    check.add_argument("--symbol")
    check.add_argument("--exchange")
    check.set_defaults(handler=cmd_data_check)


def _add_config(commands) -> None:
    config = commands.add_parser("config", help="configuration").add_subparsers(
        title="config commands", required=True
    )
    check = config.add_parser("check", help="validate every config file, report all problems")
    check.add_argument("--config-dir", type=Path)
    check.set_defaults(handler=cmd_config_check)


def _add_backtest(commands) -> None:
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
    bt.set_defaults(handler=cmd_backtest)


def _add_optimize(commands) -> None:
    opt = commands.add_parser("optimize", help="walk-forward optimisation, validation, grade")
    opt.add_argument("--strategy", help="strategy name (or --all)")
    opt.add_argument("--symbol", help="one or more symbols, comma-separated")
    opt.add_argument("--all", action="store_true", help="every strategy with a grid")
    opt.add_argument("--exchange", default="binance", help="whose candles (default binance)")
    opt.add_argument("--workers", type=int, default=1, help="local worker processes")
    opt.add_argument("--json", action="store_true", help="one JSON object per line")
    opt.add_argument("--apply", action="store_true", help="apply A/B parameters to paper trading")
    opt.set_defaults(handler=cmd_optimize)


def _add_projections(commands) -> None:
    proj = commands.add_parser("projections", help="read models").add_subparsers(
        title="projections commands", required=True
    )
    rebuild = proj.add_parser("rebuild", help="drop the read models and replay every event")
    rebuild.set_defaults(handler=cmd_projections_rebuild)


def _add_serve(commands) -> None:
    serve = commands.add_parser(
        "serve", help="the dashboard in a browser (paper trading, research, explorer)"
    )
    _serve_options(serve)
    serve.set_defaults(handler=cmd_serve)


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: this machine)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")


# -- handlers ---------------------------------------------------------------------------------
def _engine(args: argparse.Namespace) -> Engine:
    return Engine(Home.resolve(args.home))


def _config_dir(args: argparse.Namespace) -> Path | None:
    chosen = getattr(args, "config_dir", None) or args.root_config_dir
    env = os.environ.get("SCALP_RADAR_CONFIG_DIR")
    return chosen or (Path(env) if env else None)


def _settings(args: argparse.Namespace) -> Settings:
    return _settings_in(_config_dir(args))


def _settings_in(config_dir: Path | None) -> Settings:
    """Load and validate the config; a bad config stops the command before any work."""
    try:
        return load_settings(config_dir)
    except ConfigError as exc:
        problems = "\n  ".join(str(p) for p in exc.problems)
        raise UsageError(f"invalid config ({len(exc.problems)} problem(s)):\n  {problems}") from exc


def _project(engine: Engine) -> None:
    pending = engine.pending()
    progress = Progress("projecting", pending, "events") if pending > 50_000 else None
    engine.project(on_page=progress.advance if progress else None)
    if progress:
        progress.close()


def cmd_data_import(args: argparse.Namespace) -> int:
    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    engine = _engine(args)
    try:
        # one import of a home at a time: a second one waits, then adds only what is missing
        with ImportLock(engine.home.root / IMPORT_LOCK, on_wait=_say):
            outcomes = _import(engine, args.files, args.exchange, project=False)
        for outcome in outcomes:
            if outcome.error:
                print(outcome.error, file=sys.stderr)
        print(import_summary(outcomes, refusals=False), flush=True)
        _project(engine)
    except ImportLockBusy as exc:
        raise UsageError(str(exc)) from exc
    finally:
        engine.close()
    return 2 if any(o.error for o in outcomes) else 0


def _import(engine: Engine, files: list[Path], exchange: str, project: bool = True):
    progress = Progress("importing", len(files), "files")
    outcomes = import_files(engine.market_data, files, exchange, progress)
    progress.close()
    if project:
        _project(engine)
    return outcomes


def _say(text: str) -> None:
    print(f"scalp-radar: {text}", file=sys.stderr, flush=True)


def cmd_doctor(args: argparse.Namespace) -> int:
    """The store's health, one line per finding; problems on stderr, exit 1 if any."""
    checkup = examine(Home.resolve(args.home))
    for finding in checkup.findings:
        if finding.problem:
            print(f"problem: {finding.text}", file=sys.stderr)
        else:
            print(finding.text)
    count = len(checkup.problems)
    print(f"doctor: {count} problem(s)" if count else "doctor: healthy")
    return 1 if count else 0


def cmd_data_fetch(args: argparse.Namespace) -> int:
    if args.specs:
        return _fetch_specs(args)
    if not args.symbol:
        raise UsageError("--symbol is required (unless --specs)")
    market = Market(args.exchange, args.symbol, args.timeframe)
    series: list[Series] = [market]
    if args.funding:
        series.append(FundingSeries(args.exchange, args.symbol))
    if args.open_interest:
        series.append(_open_interest_series(args))
    since = _date(args.since) if args.since else None
    exchange = _exchange(_settings(args), market.exchange)
    engine = _engine(args)
    try:
        for one in series:
            if since is None and engine.market_data.last_ts(one) is None:
                raise UsageError(f"nothing stored for {one} yet: give a start date with --since")
        return _fetch(engine, exchange, series, since)
    finally:
        _project(engine)
        engine.close()


def _fetch_specs(args: argparse.Namespace) -> int:
    """``data fetch --specs``: the venue's contract specs, recorded when they changed."""
    extra = [flag for flag, on in (("--funding", args.funding), ("--open-interest",
             args.open_interest), ("--since", args.since)) if on]  # fmt: skip
    if extra:
        raise UsageError(f"--specs records contract specs only; drop {', '.join(extra)}")
    symbols = [s.strip() for s in (args.symbol or "").split(",") if s.strip()]
    if args.symbol is not None and not symbols:  # none given means every market: say so
        raise UsageError(f"--symbol {args.symbol!r}: no symbol given (drop it for every market)")
    for symbol in symbols:
        check_symbol(symbol)
    exchange, retry = _exchange(_settings(args), args.exchange)
    engine = _engine(args)
    try:
        report = fetch_specs(exchange, args.exchange, engine.market_data, symbols, retry=retry)
    except UnknownSymbolError as exc:
        raise UsageError(str(exc)) from exc
    except FetchError as exc:
        print(f"scalp-radar: fetch failed: {exc}", file=sys.stderr)
        return 1
    finally:
        _project(engine)
        engine.close()
    print(
        f"{args.exchange} contract specs: {report.read} read, {report.added} new or changed, "
        f"{report.retries} retries"
    )
    for note in report.notes:
        print(f"  note: {note}")
    return 0


def _open_interest_series(args: argparse.Namespace) -> OpenInterestSeries:
    """Checked before any request: a venue without the history should not cost a fetch."""
    series = OpenInterestSeries(args.exchange, args.symbol, args.timeframe)
    problem = venue(args.exchange).open_interest_problem(args.timeframe)
    if problem is not None:
        raise UsageError(f"--open-interest: {problem}")
    return series


def _exchange(settings: Settings, name: str) -> tuple[ccxt.Exchange, RetryPolicy]:
    """The ccxt client and retry policy for ``name``, paced as exchanges.yaml says."""
    configured = settings.exchanges.exchanges.get(name)
    if configured is None:
        raise UsageError(f"exchange {name!r} is not configured in exchanges.yaml")
    pacing = configured.rate_limit
    retry = RetryPolicy(attempts=pacing.max_retries + 1, base_delay_s=pacing.retry_backoff_s)
    return make_exchange(name, pacing.min_interval_ms), retry


def _fetch(
    engine: Engine,
    client: tuple[ccxt.Exchange, RetryPolicy],
    series: list[Series],
    since: int | None,
) -> int:
    exchange, retry = client
    options = {"since_ms": since, "now_ms": int(time.time() * 1000), "retry": retry}
    try:
        for one in series:
            fetch, unit = _FETCHERS[type(one)]
            progress = Progress(f"fetching {one}", unit=unit)
            report = fetch(exchange, one, engine.market_data, progress=progress, **options)
            print(_fetched(report))
    except FetchError as exc:
        if isinstance(exc.__cause__, ccxt.BadSymbol):
            raise UsageError(str(exc)) from exc
        print(f"scalp-radar: fetch failed: {exc}", file=sys.stderr)
        if exc.report is not None:
            print(
                f"kept what was stored before the failure: {_fetched(exc.report)}", file=sys.stderr
            )
        return 1
    return 0


def _fetched(report: FetchReport) -> str:
    span = f"{fmt_ts(report.first_ts)} -> {fmt_ts(report.last_ts)}" if report.added else "none"
    line = (
        f"{report.series}: {report.added} new in {report.pages} pages ({span}), "
        f"{report.retries} retries"
    )
    return "\n".join([line, *(f"  note: {note}" for note in report.notes)])


def _date(text: str) -> int:
    try:
        return parse_date(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def cmd_data_check(args: argparse.Namespace) -> int:
    engine = _engine(args)
    try:
        _project(engine)
        text = data_report(engine, args.symbol, args.exchange)
    finally:
        engine.close()
    print(text)
    return 0


def data_report(engine: Engine, symbol: str | None = None, exchange: str | None = None) -> str:
    reader = engine.market_reader()
    series = [s for s in reader.series(symbol=symbol) if not exchange or s.exchange == exchange]
    if not series:
        what = f" for {symbol}" if symbol else ""
        raise UsageError(f"no market data{what}; import some with 'scalp-radar data import'")
    sections = []
    for info in series:
        if info.kind == "candles":
            candles = reader.candles(info.series_id)
            report = candle_quality(candles, timeframe_ms(info.timeframe), info.duplicates)
        elif info.kind == "open_interest":
            # samples at a fixed period: the funding report (span, rows, gaps) fits them as is
            ts = reader.open_interest(info.series_id).ts
            report = funding_quality(ts, info.duplicates, timeframe_ms(info.timeframe))
        else:
            report = funding_quality(reader.funding(info.series_id).ts, info.duplicates)
        spec = reader.spec(info.exchange, info.symbol) if info.kind == "candles" else None
        sections.append(quality_section(info, report, spec))
    return "\n".join(sections)


def cmd_config_check(args: argparse.Namespace) -> int:
    """The YAML files, then the secrets: which ``.env`` files were read (the variables they
    set, never a value), and whether they and the environment parse."""
    problems = check_config(_config_dir(args))
    env_files = dotenv_files(Home.resolve(args.home).root)
    try:
        read = dotenv_report(env_files)
        load_secrets(dotenv_paths=env_files)
    except SecretsError as exc:
        read, problems = [], [*problems, f"secrets: {exc}"]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"config: {len(problems)} problem(s)", file=sys.stderr)
        return 2
    print("config: ok")
    print(_dotenv_text(read, env_files))
    return 0


def _dotenv_text(read: list[tuple[Path, list[str]]], looked: list[Path]) -> str:
    if not read:
        where = " nor ".join(str(p) for p in looked)
        return f"secrets: from the environment only (no {where})"
    order = " (the first wins)" if len(read) > 1 else ""
    lines = [f"secrets: from the environment, then{order}"]
    for path, names in read:
        lines.append(f"  {path}: {', '.join(names) if names else 'no secret variable'}")
    return "\n".join(lines)


def cmd_backtest(args: argparse.Namespace) -> int:
    check_symbol(args.symbol)
    if args.timeframe is not None:
        timeframe_ms(args.timeframe)
    if args.equity_out is not None:
        _check_output_file("--equity-out", args.equity_out)
    settings = _settings(args)
    request = BacktestRequest(
        strategy=args.strategy,
        symbol=args.symbol,
        timeframe=args.timeframe,
        exchange=args.exchange,
        start_ms=_date(args.start) if args.start else None,
        end_ms=_date(args.end) if args.end else None,
        overrides=tuple(_key_value(p) for p in args.param),
    )
    start, end = request.start_ms, request.end_ms
    if start is not None and end is not None and end <= start:
        raise UsageError(f"--to {args.end} must be after --from {args.start}")
    engine = _engine(args)
    try:
        _project(engine)
        run = backtest.run(settings, engine.market_reader(), request)
    except backtest.BacktestInputError as exc:
        raise UsageError(str(exc)) from exc
    finally:
        engine.close()
    if args.equity_out:
        try:
            write_equity_csv(args.equity_out, run.result)
        except OSError as exc:
            raise UsageError(f"--equity-out {args.equity_out}: {exc.strerror or exc}") from exc
    print(backtest_json(run) if args.json else backtest_table(run))
    return 0


def _check_output_file(option: str, path: Path) -> None:
    """A file the command will write, checked before any work: its directory must exist and
    the path must not be a directory (a long run should not end on an unwritable path)."""
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a directory (give a file name)")
    if not path.parent.is_dir():
        raise UsageError(f"{option} {path}: directory {path.parent} does not exist")


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise UsageError(f"--param expects KEY=VALUE, got {text!r}")
    return key.strip(), value.strip()


def cmd_optimize(args: argparse.Namespace) -> int:
    if args.all and args.strategy is not None:
        raise UsageError("give --strategy NAME or --all, not both")
    if args.strategy is not None and not args.strategy.strip():
        raise UsageError(f"--strategy {args.strategy!r}: no strategy given")
    if not args.all and not args.strategy:
        raise UsageError("give --strategy NAME or --all")
    settings = _settings(args)
    strategies = sorted(settings.param_grids.grids) if args.all else [args.strategy.strip()]
    symbols = _symbols(args, settings)
    if args.workers < 1:
        raise UsageError(f"--workers must be >= 1, got {args.workers}")
    engine = _engine(args)
    try:
        _project(engine)
        try:
            jobs = optimize.prepare(
                settings, engine.market_reader(), strategies, symbols, args.exchange
            )
        except optimize.OptimizeInputError as exc:
            raise UsageError(str(exc)) from exc
        summaries = _optimize(engine, jobs, args)
        engine.project()
    finally:
        engine.close()
    for run_id, summary in summaries:
        print(optimize_json(summary, run_id) if args.json else optimize_table(summary))
    return 0


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
    engine: Engine, jobs, args: argparse.Namespace
) -> list[tuple[str, WalkForwardSummary]]:
    """(run id, summary) of each job, recorded as it completes."""
    summaries = []
    for summary in optimize.run_jobs(jobs, args.workers, _window_progress):
        run_id = engine.research.record_run(summary)
        summaries.append((run_id, summary))
        if args.apply:
            _apply(engine, run_id, _config_dir(args) or DEFAULT_CONFIG_DIR)
    return summaries


def _window_progress(label: str):
    bar: dict[str, Progress] = {}

    def update(done: int, total: int, note: str) -> None:
        if "bar" not in bar:
            bar["bar"] = Progress(f"walk-forward {label}", total, "windows")
        bar["bar"].advance(1, note)
        if done == total:
            bar.pop("bar").close()

    return update


def _apply(
    engine: Engine, run_id: str, config_dir: Path, grades=params_commands.LIVE_GRADES
) -> params_commands.AppliedParams | None:
    """Apply the run just recorded through the command the dashboard uses too; a grade that may
    not be applied is said on stderr (the run stays recorded), an invalid config is exit 2."""
    try:
        return params_commands.apply_run(engine, config_dir, run_id, grades=grades)
    except params_commands.GradeNotApplicableError as exc:
        print(f"not applied: {exc}", file=sys.stderr)
        return None
    except params_commands.ApplyRefusedError as exc:
        raise UsageError(str(exc)) from exc


def cmd_projections_rebuild(args: argparse.Namespace) -> int:
    engine = _engine(args)
    try:
        applied = engine.rebuild_projections()
    finally:
        engine.close()
    print(f"projections rebuilt from {applied} events")
    return 0


SERVE_SHUTDOWN_S = 2


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the dashboard until Ctrl-C. Config, secrets, htmx and the address are checked
    first (the port is bound before uvicorn starts), so a bad set-up, a busy port or an
    unknown host is one line on stderr and exit 2 rather than a server that fails later."""
    import uvicorn  # the web stack loads only for this command

    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be 1..65535, got {args.port}")
    _settings(args)
    home = Home.resolve(args.home)
    try:
        key = load_secrets(dotenv_paths=dotenv_files(home.root)).dashboard_api_key
    except SecretsError as exc:
        raise UsageError(str(exc)) from exc
    if not (REPO_ROOT / "node_modules" / "htmx.org").is_dir():
        raise UsageError(f"htmx is not installed: run `npm ci` in {REPO_ROOT}")
    sock = _listen_socket(args.host, args.port)
    # uvicorn builds the app from web.serve (adapters may not import web): pass our choices on
    os.environ["SCALP_RADAR_HOME"] = str(home.root)
    if _config_dir(args):
        os.environ["SCALP_RADAR_CONFIG_DIR"] = str(_config_dir(args))
    # the Host check (DNS rebinding): the app answers only the address it is served on
    os.environ["SCALP_RADAR_SERVE_HOST"] = args.host
    os.environ["SCALP_RADAR_SERVE_PORT"] = str(args.port)
    if not _is_loopback(sock):
        print(
            f"scalp-radar: warning: serving on {args.host}: the pages are readable by anyone "
            f"who can reach port {args.port}, and the API key travels in clear text unless a "
            "TLS proxy is in front (README, Dashboard)",
            file=sys.stderr,
        )
    commands = "commands need the API key" if key else "commands disabled (no SCALP_RADAR_API_KEY)"
    print(f"dashboard on http://{args.host}:{args.port}/ ({commands}); Ctrl-C stops it", flush=True)
    config = uvicorn.Config(
        "web.serve:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        log_level="warning",
        server_header=False,  # no "server: uvicorn" banner
        # open pages keep their SSE streams forever: without a limit Ctrl-C would wait for
        # every browser tab to close
        timeout_graceful_shutdown=SERVE_SHUTDOWN_S,
    )
    server = uvicorn.Server(config)
    with sock:
        server.run(sockets=[sock])
    if not server.started:
        print("scalp-radar: the dashboard did not start (see above)", file=sys.stderr)
        return 1
    return 0


def _listen_socket(host: str, port: int):
    """A TCP socket bound to ``host``:``port`` (uvicorn listens on it), or UsageError: an
    unknown host or a busy port is said before anything starts."""
    import socket

    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise UsageError(f"--host {host!r}: cannot resolve it ({reason})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            + (" (another server uses the port: stop it or give --port)" if _busy(exc) else "")
        ) from None
    sock.set_inheritable(True)
    return sock


def _busy(exc: OSError) -> bool:
    import errno

    return exc.errno == errno.EADDRINUSE


def _is_loopback(sock) -> bool:
    import ipaddress

    address = sock.getsockname()[0]
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


DEMO_STRATEGY = "grid_atr"


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
    engine = _engine(args)
    config_dir = _demo_config(engine.home, _config_dir(args))
    settings = _settings_in(config_dir)
    try:
        print(f"state directory: {engine.home.root}; events in {describe_store(engine.store)}")
        outcomes = _import(engine, files, "binance")
        print(import_summary(outcomes))
        print(data_report(engine))
        _demo_research(engine, settings, config_dir)
        settings = _settings_in(config_dir)
        _demo_paper(engine, settings)
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
# A and B are eligible for live trading; C is "paper trading only" (the seed's grading rule),
# so the demo's paper portfolio takes all three. D and F never trade.
PAPER_GRADES = params_commands.PAPER_GRADES


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


def _demo_research(engine: Engine, settings: Settings, config_dir: Path) -> None:
    spot = sorted(s.symbol for s in engine.market_reader().series("candles") if ":" not in s.symbol)
    jobs = optimize.prepare(settings, engine.market_reader(), [DEMO_STRATEGY], spot)
    for summary in optimize.run_jobs(jobs, 1, _window_progress):
        run_id = engine.research.record_run(summary)
        print(optimize_table(summary))
        if _apply(engine, run_id, config_dir, PAPER_GRADES):
            print(f"applied {summary.strategy} {summary.symbol} (grade {summary.grade})")
    engine.project()


def _demo_paper(engine: Engine, settings: Settings) -> None:
    """Replay the last months of the sample as paper trading, then print the status."""
    candles = [s for s in engine.market_reader().series("candles") if ":" not in s.symbol]
    end = max(s.last_ts for s in candles) + timeframe_ms("1h")
    start = end - DEMO_PAPER_DAYS * 86_400_000
    trader = PaperTrader(engine, settings, on_note=print)
    report = trader.replay(start, end)
    engine.project()
    if not trader.slots:
        print("paper trading: no asset was graded A to C, so none is validated to trade")
    print(f"paper replay of the last {DEMO_PAPER_DAYS} days: {report.candles} candles")
    print(status_text(engine.paper_reader(), "paper"))


if __name__ == "__main__":
    sys.exit(main())
