"""``data import``, ``data fetch`` and ``data check``: market data in, and what it looks like."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from adapters.cli.common import (
    UsageError,
    catch_up,
    engine_of,
    say,
    settings_of,
)
from adapters.cli.data_report import import_summary, quality_section
from adapters.exchanges.venues import VENUES
from adapters.services.engine import Engine
from adapters.services.importer import IMPORT_LOCK, ImportLock, ImportLockBusy, import_files
from adapters.services.traded_contract import MissingSpecError, VenueContracts
from adapters.text.progress import Progress
from domain.market import (
    timeframe_ms,
)
from projections.data_quality import candle_quality, funding_quality
from projections.market_data import MarketDataReader


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
    fetch.set_defaults(handler=_data_fetch)
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


def _data_fetch(args: argparse.Namespace) -> int:
    # ccxt takes about half a second to import: only the commands that call an exchange load it
    from adapters.cli.data_fetch import cmd_data_fetch

    return cmd_data_fetch(args)


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
