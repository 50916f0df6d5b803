"""The paper-trading commands of ``scalp-radar``: paper, status, replay --at, kill-switch reset,
entries stop|resume, flatten.

Registered by ``adapters.cli.main``; they share the global options (--home, --config-dir) and
the error handling of every command (``adapters.cli.common``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import msgspec

from adapters.cli.account_report import account_text
from adapters.cli.common import (
    UsageError,
    check_output_file,
    date_arg,
    engine_of,
    no_specs_option,
    settings_of,
    sigterm_stops,
    write_output,
)
from adapters.cli.status_report import health_text, simulator_at, status_text
from adapters.exchanges.client import make_exchange, make_pro_exchange
from adapters.exchanges.fetch import RetryPolicy
from adapters.exchanges.live_feed import LiveFeed, LiveFeedError
from adapters.services.engine import Engine
from adapters.services.health import engine_health
from adapters.services.paper_trader import PaperError, PaperTrader
from adapters.services.portfolio_commands import (
    UnknownPortfolioError,
    request_entries_halt,
    request_flatten,
    request_kill_switch_reset,
    writer_lock,
)
from adapters.services.traded_contract import NO_SPECS
from adapters.store.engine_sessions import engine_session
from adapters.store.watchdog import Watchdog, wall_ms
from adapters.store.writer_lock import WriterLockBusy
from adapters.text.progress import Progress
from adapters.text.timefmt import fmt_ts
from adapters.text.trade_csv import trades_csv
from config.exchanges import RateLimit
from config.settings import Settings
from domain.market import Market
from domain.names import checked_name
from domain.operator import halt_text
from projections.health import Health


def register(commands) -> None:
    paper = commands.add_parser("paper", help="paper trading: replay stored candles or go live")
    paper.add_argument("--replay", action="store_true", help="replay stored candles (offline)")
    paper.add_argument("--from", dest="start", help="start of a new portfolio (YYYY-MM-DD)")
    paper.add_argument("--to", dest="end", help="stop before this time (YYYY-MM-DD)")
    paper.add_argument(
        "--speed",
        type=float,
        help="market time per wall time (3600: 1h/s; 1: real time, the slowest)",
    )
    _portfolio_options(paper)
    no_specs_option(paper)
    paper.set_defaults(handler=_named(lambda a: cmd_paper(a, engine_of(a), settings_of(a))))

    status = commands.add_parser("status", help="runners, open positions, P&L, kill switch")
    _portfolio_options(status, exchange=False)
    status.add_argument("--json", action="store_true", help="print JSON")
    status.add_argument("--trades-out", type=Path, help="write every closed trade (CSV)")
    status.set_defaults(handler=_named(_status))

    replay = commands.add_parser("replay", help="the exact portfolio state at a past moment")
    replay.add_argument("--at", required=True, help="UTC time (YYYY-MM-DD or ...THH:MM)")
    _portfolio_options(replay, exchange=False)
    replay.set_defaults(handler=_named(lambda a: cmd_replay_at(a, engine_of(a))))

    kill = commands.add_parser("kill-switch", help="kill switch").add_subparsers(
        title="kill-switch commands", required=True
    )
    reset = kill.add_parser("reset", help="reset the global switch and tripped runners")
    reset.add_argument("--runner", default="", help="reset only this runner (strategy:SYMBOL)")
    _portfolio_options(reset, exchange=False)
    reset.set_defaults(handler=_named(lambda a: cmd_kill_reset(a, engine_of(a), settings_of(a))))

    entries = commands.add_parser("entries", help="stop or allow new entries").add_subparsers(
        title="entries commands", required=True
    )
    for action, halt, what in (
        ("stop", True, "stop new entries (open positions keep their exits)"),
        ("resume", False, "allow new entries again"),
    ):
        halts = entries.add_parser(action, help=what)
        _portfolio_options(halts, exchange=False)
        halts.set_defaults(
            handler=_named(lambda a, h=halt: cmd_entries(a, engine_of(a), settings_of(a), h))
        )
    flatten = commands.add_parser(
        "flatten", help="close every position at the last price and stop new entries"
    )
    _portfolio_options(flatten, exchange=False)
    flatten.set_defaults(handler=_named(lambda a: cmd_flatten(a, engine_of(a), settings_of(a))))


def _named(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``handler`` once ``--portfolio`` is a name (it becomes a lock file's name and a stream
    id), checked before the store is opened."""

    def run(args: argparse.Namespace) -> int:
        checked_name("portfolio", args.portfolio)
        return handler(args)

    return run


def _portfolio_options(parser: argparse.ArgumentParser, exchange: bool = True) -> None:
    parser.add_argument("--portfolio", default="paper", help="paper portfolio name")
    if exchange:
        parser.add_argument("--exchange", help="candles of this exchange (default: research's)")


def _date(text: str | None, option: str) -> int | None:
    return None if text is None else date_arg(text, option)


def cmd_paper(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    if not args.replay and (args.end or args.speed):
        raise UsageError("--to and --speed only apply to --replay")
    # 1 is real time: slower than the market is no replay (and 1e-300 would sleep for ever)
    if args.speed is not None and not (math.isfinite(args.speed) and args.speed >= 1):
        raise UsageError(f"--speed {args.speed:g}: must be a finite number >= 1 (real time)")
    start, end = _date(args.start, "--from"), _date(args.end, "--to")
    if start is not None and end is not None and end <= start:
        raise UsageError("--to must be after --from")
    # live candles come from the trading venue; a replay uses the research candles by default
    exchange = args.exchange or (None if args.replay else settings.exchanges.trading_exchange)
    trader = PaperTrader(
        engine, settings, args.portfolio, exchange, on_note=print, no_specs=args.no_specs
    )
    if args.no_specs:
        print(f"paper {args.portfolio}: contract {NO_SPECS}")
    try:
        mode = "replay" if args.replay else f"paper on {exchange}"
        with (
            sigterm_stops(),
            writer_lock(engine, args.portfolio),
            engine_session(engine.store, args.portfolio, mode),
        ):
            _run_paper(args, engine, trader, start, end)
    except WriterLockBusy as exc:
        raise UsageError(str(exc)) from None
    except PaperError as exc:
        raise UsageError(str(exc)) from None
    except LiveFeedError as exc:
        # a failed run, not bad input: what was traded until then is stored
        reason = " ".join(str(exc).split())
        print(f"scalp-radar: paper {args.portfolio}: live feed stopped: {reason}", file=sys.stderr)
        return 1
    finally:
        engine.close()
    return 0


def _run_paper(
    args: argparse.Namespace,
    engine: Engine,
    trader: PaperTrader,
    start: int | None,
    end: int | None,
) -> None:
    progress: Progress | None = None
    projected = time.monotonic()

    def on_batch(candles: int, total: int) -> None:
        nonlocal progress, projected
        if progress is None:
            progress = Progress("paper replay", total, "candle times")
        progress.advance(candles)
        if time.monotonic() - projected > 1.0:  # the dashboard follows the replay
            engine.project()
            projected = time.monotonic()

    report = trader.replay(start, end, args.speed, on_batch)
    if progress is not None:
        progress.close()
    engine.project()
    print(
        f"paper {args.portfolio}: {report.candles} candles in {report.seconds:.2f} s, "
        f"{report.events} events, {report.rejected} rejected"
        + (f" (resumed after {fmt_ts(report.resumed_from)})" if report.resumed_from else "")
    )
    if not args.replay:
        asyncio.run(_live(trader, engine, trader.settings))


async def _live(trader: PaperTrader, engine: Engine, settings: Settings) -> None:
    """Stream the runners' markets from the trading venue (public data, no keys) until
    interrupted; the read models follow every candle."""
    name = trader.exchange
    pacing = (
        settings.exchanges.exchanges[name].rate_limit
        if name in settings.exchanges.exchanges
        else RateLimit()
    )
    markets = list(
        dict.fromkeys(Market(name, s.spec.symbol, s.spec.timeframe) for s in trader.slots)
    )
    feed = LiveFeed(
        make_pro_exchange(name, pacing.min_interval_ms),
        make_exchange(name, pacing.min_interval_ms),
        markets,
        engine.market_data.last_candle_ts,
        batch=pacing.ws_subscribe_batch,
        pause_s=pacing.ws_subscribe_pause_s,
        retry=RetryPolicy(attempts=pacing.max_retries + 1, base_delay_s=pacing.retry_backoff_s),
    )
    watchdog = Watchdog(engine.store, engine.market_data, trader.portfolio, markets, wall_ms)
    print(f"paper {trader.portfolio}: live on {name}, {len(markets)} market(s); Ctrl-C stops")
    try:
        await trader.live(feed, on_saved=engine.project, watch=watchdog.check)
    finally:
        await feed.close()


def _status(args: argparse.Namespace) -> int:
    # before the engine: opening it creates the home, and a bad path should change nothing
    if args.trades_out is not None:
        check_output_file("--trades-out", args.trades_out)
    return cmd_status(args, engine_of(args))


def cmd_status(args: argparse.Namespace, engine: Engine) -> int:
    try:
        engine.project()
        reader = engine.paper_reader()
        accounts = engine.live_reader().views()
        health = engine_health(engine, engine.read_db)
        if reader.portfolio(args.portfolio) is None:
            if accounts and args.trades_out is None:
                return _accounts_only(args, accounts, health)
            raise UsageError(f"no paper portfolio {args.portfolio!r}: run 'paper' first")
        if args.trades_out is not None:
            write_output(
                "--trades-out", args.trades_out, trades_csv(reader.closed_trades(args.portfolio))
            )
        if args.json:
            status = _status_dict(reader, args.portfolio) | _health_dict(health)
            if accounts:  # a home that trades live: its exchange accounts too
                status["account"] = msgspec.to_builtins(accounts)
            print(json.dumps(status, indent=2, default=str))
        else:
            print(status_text(reader, args.portfolio))
            for view in accounts:
                print(account_text(view))
            print(health_text(health))
    finally:
        engine.close()
    return 0


def _accounts_only(args: argparse.Namespace, accounts: list, health: Health) -> int:
    """A home that trades live but holds no portfolio of that name (the live shadow is
    ``live``, a rehearsal's ``rehearsal``): its accounts, and how to see the shadow."""
    hint = f"no paper portfolio {args.portfolio!r}; the live shadow: --portfolio live or rehearsal"
    if args.json:
        status = {"portfolio": None, "account": msgspec.to_builtins(accounts)}
        print(json.dumps(status | _health_dict(health), indent=2, default=str))
    else:
        print(hint)
        for view in accounts:
            print(account_text(view))
        print(health_text(health))
    return 0


def _health_dict(health: Health) -> dict:
    """The figures of ``/healthz``, under ``health``."""
    figures = msgspec.to_builtins(health.figures)
    return {"health": {"status": health.status, "reasons": health.reasons, "figures": figures}}


def _status_dict(reader, portfolio: str) -> dict:
    return {
        "portfolio": reader.portfolio(portfolio),
        "runners": reader.runners(portfolio),
        "positions": reader.positions(portfolio),
        "kill_switch": reader.kill_switch(portfolio),
    }


def cmd_replay_at(args: argparse.Namespace, engine: Engine) -> int:
    at = _date(args.at, "--at")
    try:
        found = simulator_at(engine.store, args.portfolio, at)
        if found is None:
            raise UsageError(f"portfolio {args.portfolio!r} has no state at {args.at}")
        print(found)
    finally:
        engine.close()
    return 0


def cmd_kill_reset(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    try:
        outcome = request_kill_switch_reset(engine, settings, args.portfolio, args.runner, "cli")
    except UnknownPortfolioError as exc:
        raise UsageError(str(exc)) from None
    finally:
        engine.close()
    # applied now, the request may be refused (the global switch in its cooldown): a refusal of
    # the command, said on stderr with exit code 2 (the refused request stays recorded)
    refused = f"kill-switch reset request #{outcome.request}: refused: "
    for note in outcome.notes:
        if note.startswith(refused):
            why = note.removeprefix(refused)
            raise UsageError(f"kill-switch reset request #{outcome.request} refused: {why}")
    print(f"kill-switch reset request #{outcome.request} recorded")
    for note in outcome.notes:
        print(note)
    if not outcome.applied:
        print("the running paper process applies it at its next step")
    return 0


def cmd_entries(args: argparse.Namespace, engine: Engine, settings: Settings, halt: bool) -> int:
    try:
        outcome = request_entries_halt(engine, settings, args.portfolio, halt, "cli")
    except UnknownPortfolioError as exc:
        raise UsageError(str(exc)) from None
    finally:
        engine.close()
    later = "" if outcome.applied else " (the running paper process applies it at its next step)"
    print(f"entries request #{outcome.request}: {halt_text(halt)}{later}")
    return 0


def cmd_flatten(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    try:
        outcome = request_flatten(engine, settings, args.portfolio, "cli")
    except UnknownPortfolioError as exc:
        raise UsageError(str(exc)) from None
    finally:
        engine.close()
    print(f"flatten {outcome.text}")
    return 0
