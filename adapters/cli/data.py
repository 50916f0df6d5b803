"""``data import``, ``data fetch`` and ``data check``: market data in, and what it looks like."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import ccxt

from adapters.cli.common import (
    UsageError,
    catch_up,
    date_arg,
    engine_of,
    say,
    settings_of,
)
from adapters.cli.data_report import import_summary, quality_section
from adapters.exchanges.client import make_exchange
from adapters.exchanges.contract_specs import UnknownSymbolError, fetch_specs
from adapters.exchanges.fetch import (
    FetchError,
    FetchReport,
    RetryPolicy,
    fetch_candles,
    fetch_funding,
    fetch_open_interest,
)
from adapters.exchanges.venues import VENUES, venue
from adapters.services.engine import Engine
from adapters.services.importer import IMPORT_LOCK, ImportLock, ImportLockBusy, import_files
from adapters.services.traded_contract import MissingSpecError, VenueContracts
from adapters.store.market_data import Series
from adapters.text.progress import Progress
from adapters.text.timefmt import fmt_ts
from config.settings import Settings
from domain.market import (
    FundingSeries,
    Market,
    OpenInterestSeries,
    check_symbol,
    timeframe_ms,
)
from projections.data_quality import candle_quality, funding_quality
from projections.market_data import MarketDataReader

# what each kind of series is fetched with, and what its progress counts
_FETCHERS = {
    Market: (fetch_candles, "candles"),
    FundingSeries: (fetch_funding, "settlements"),
    OpenInterestSeries: (fetch_open_interest, "samples"),
}


def register(commands) -> None:
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
        help="record the contract specs (tick size, lot step, minimums, leverage, and each "
        "perpetual's margin tiers where public: bitget) of the venue's market list instead of "
        "fetching candles",
    )
    fetch.set_defaults(handler=cmd_data_fetch)
    check = data.add_parser("check", help="span, rows, gaps, duplicates, OHLC errors, spikes")
    check.add_argument("--symbol")
    check.add_argument("--exchange")
    check.set_defaults(handler=cmd_data_check)


def cmd_data_import(args: argparse.Namespace) -> int:
    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    engine = engine_of(args)
    try:
        # one import of a home at a time: a second one waits, then adds only what is missing
        with ImportLock(engine.home.locks / IMPORT_LOCK, on_wait=say):
            outcomes = import_with_progress(engine, args.files, args.exchange, project=False)
        for outcome in outcomes:
            if outcome.error:
                print(outcome.error, file=sys.stderr)
        print(import_summary(outcomes, refusals=False), flush=True)
        catch_up(engine)
    except ImportLockBusy as exc:
        raise UsageError(str(exc)) from exc
    finally:
        engine.close()
    return 2 if any(o.error for o in outcomes) else 0


def import_with_progress(engine: Engine, files: list[Path], exchange: str, project: bool = True):
    progress = Progress("importing", len(files), "files")
    outcomes = import_files(engine.market_data, files, exchange, progress)
    progress.close()
    if project:
        catch_up(engine)
    return outcomes


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
    since = date_arg(args.since, "--since") if args.since else None
    exchange = _exchange(settings_of(args), market.exchange)
    engine = engine_of(args)
    try:
        for one in series:
            if since is None and engine.market_data.last_ts(one) is None:
                raise UsageError(f"nothing stored for {one} yet: give a start date with --since")
        return _fetch(engine, exchange, series, since)
    finally:
        catch_up(engine)
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
    exchange, retry = _exchange(settings_of(args), args.exchange)
    # one tier call per perpetual: hundreds when every market is asked for
    tiers = Progress(f"{args.exchange} margin tiers", unit="contracts")
    engine = engine_of(args)
    try:
        report = fetch_specs(
            exchange, args.exchange, engine.market_data, symbols, retry=retry, progress=tiers
        )
    except UnknownSymbolError as exc:
        raise UsageError(str(exc)) from exc
    except FetchError as exc:
        print(f"scalp-radar: fetch failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if tiers.done:
            tiers.close()
        catch_up(engine)
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


def cmd_data_check(args: argparse.Namespace) -> int:
    contracts = VenueContracts.of(settings_of(args))
    engine = engine_of(args)
    try:
        catch_up(engine)
        text = data_report(engine, contracts, args.symbol, args.exchange)
    finally:
        engine.close()
    print(text)
    return 0


def data_report(
    engine: Engine,
    contracts: VenueContracts,
    symbol: str | None = None,
    exchange: str | None = None,
) -> str:
    """Each series' quality; a candle series also says the contract its backtests obey."""
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
        contract = _contract(reader, contracts, info.symbol) if info.kind == "candles" else None
        sections.append(quality_section(info, report, contract))
    return "\n".join(sections)


def _contract(reader: MarketDataReader, contracts: VenueContracts, symbol: str) -> str:
    try:
        return contracts.traded(reader, symbol).describe()
    except MissingSpecError as exc:
        return str(exc)
