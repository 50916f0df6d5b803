"""``data fetch``: candles, funding, open interest and contract specs from an exchange through
ccxt (imported only by the commands that call an exchange: ``data`` loads this module lazily)."""

from __future__ import annotations

import argparse
import sys

import ccxt

from adapters.cli.common import UsageError, catch_up, date_arg, engine_of, settings_of
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
from adapters.exchanges.venues import venue
from adapters.services.engine import Engine
from adapters.store.market_data import Series
from adapters.text import timefmt
from adapters.text.progress import Progress
from adapters.text.timefmt import fmt_ts
from config.settings import Settings
from domain.market import FundingSeries, Market, OpenInterestSeries, check_symbol

# what each kind of series is fetched with, and what its progress counts
_FETCHERS = {
    Market: (fetch_candles, "candles"),
    FundingSeries: (fetch_funding, "settlements"),
    OpenInterestSeries: (fetch_open_interest, "samples"),
}


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
    options = {"since_ms": since, "now_ms": timefmt.wall_ms(), "retry": retry}
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
