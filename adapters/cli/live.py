"""``scalp-radar live``: trade the graded live runners with real orders, or rehearse them.

``--venue bitget`` (the default) needs ``LIVE_TRADING`` on and the three Bitget keys in the
environment (or a ``.env``); ``--venue sim:PORT`` rehearses on the local Bitget started by
``scalp-radar venue-sim`` (its own credentials; no real money, so no switch). Either way the
command first says which runners it trades with what capital, then boots (reconciliation),
then trades until interrupted (a rehearsal: until the simulator's candles end or ``--candles``).
"""

from __future__ import annotations

import argparse

import ccxt
import httpx

from adapters.cli.common import UsageError, date_arg, engine_of, settings_of, sigterm_stops
from adapters.exchanges.account_vocabulary import VenueError
from adapters.exchanges.bitget_account import BitgetAccount
from adapters.exchanges.client import api_url_override
from adapters.exchanges.order_stream import StreamWaker, bitget_stream
from adapters.exchanges.venue_clock import VenueClock
from adapters.services.engine import Engine
from adapters.services.live_runners import (
    LiveSetupError,
    announcement,
    live_selection,
    live_settings,
)
from adapters.services.live_trader import LiveError, LiveTrader
from adapters.services.paper_trader import PaperError
from adapters.services.portfolio_commands import writer_lock
from adapters.store.engine_sessions import engine_session
from adapters.store.home import Home
from adapters.store.watchdog import Watchdog, wall_ms
from adapters.store.writer_lock import WriterLockBusy
from adapters.venue_sim.signing import SIM_CREDENTIALS
from config.secrets import SecretsError, dotenv_files, load_secrets
from config.settings import Settings
from domain.backtest import Account
from domain.market import Market
from domain.names import checked_name

POLL_S = 5.0  # real venue: fills and closed candles are polled this often


def register(commands) -> None:
    live = commands.add_parser(
        "live", help="trade the graded live runners on Bitget, or rehearse on the local Bitget"
    )
    live.add_argument(
        "--portfolio", help="the shadow portfolio (default live; rehearsal: rehearsal)"
    )
    live.add_argument(
        "--venue", default="bitget", help="bitget (real orders) or sim:PORT (scalp-radar venue-sim)"
    )
    live.add_argument("--from", dest="start", help="first candle a new portfolio trades (UTC)")
    live.add_argument("--dry-run", action="store_true", help="say what would trade, then stop")
    live.add_argument("--candles", type=int, help="rehearsal: stop after this many candles")
    live.add_argument("--resume", metavar="SYMBOL", help="let a halted symbol trade again")
    live.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    engine = engine_of(args)
    try:
        return cmd_live(args, engine, settings)
    finally:
        engine.close()


def cmd_live(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    sim_port = _sim_port(args.venue)
    portfolio = checked_name(
        "portfolio", args.portfolio or ("live" if sim_port is None else "rehearsal")
    )
    engine.project()
    try:
        selection = live_selection(settings, engine.research_reader())
    except LiveSetupError as exc:
        raise UsageError(str(exc)) from None
    sizing = Account(
        capital=live_settings(settings).risk.initial_capital,
        max_margin_ratio=settings.risk.max_margin_ratio,
        max_asset_allocation=settings.risk.max_asset_allocation,
        assets=max(len(selection.runners), 1),
    )
    print(announcement(selection, sizing.capital, sizing.margin_per_asset()), flush=True)
    if args.dry_run:
        return 0
    if not selection.runners:
        raise UsageError("no runner goes live: set `live: true` on a strategy graded A or B")
    account, name = _account(args, sim_port)
    start = date_arg(args.start, "--from") if args.start else None
    # the venue's time, not the machine's (a rehearsal's local Bitget runs in market time)
    clock = VenueClock(account.public.fetch_time, refresh_s=60.0 if sim_port is None else 0.0)
    try:
        with writer_lock(engine, portfolio):
            trader = LiveTrader(engine, settings, account, name, portfolio, clock, print)
            if args.resume:
                return _resume(trader, args.resume)
            mode = f"live on {name}" if sim_port is None else f"rehearsal on {name}"
            with sigterm_stops(), engine_session(engine.store, portfolio, mode):
                trader.boot(start if start is not None else trader.clock())
                print(
                    f"live {portfolio}: trading on {name}; Ctrl-C stops (orders stay on the venue)"
                )
                if sim_port is None:
                    _run_live(trader, args)
                else:
                    _rehearse(trader, sim_port, args.candles)
    except WriterLockBusy as exc:
        raise UsageError(str(exc)) from None
    except (LiveError, VenueError, PaperError) as exc:
        raise UsageError(f"live {portfolio}: {exc}") from None
    except (ccxt.BaseError, httpx.HTTPError) as exc:  # the venue unreachable (candles, steps)
        reason = " ".join(str(exc).split())[:300]
        why = f"the venue failed: {type(exc).__name__}: {reason}"
        raise UsageError(f"live {portfolio}: {why}") from None
    return 0


def _sim_port(venue: str) -> int | None:
    if venue == "bitget":
        return None
    kind, _, port = venue.partition(":")
    if kind != "sim" or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--venue {venue!r}: bitget or sim:PORT (e.g. sim:8124)")
    return int(port)


def _account(args: argparse.Namespace, sim_port: int | None) -> tuple[BitgetAccount, str]:
    if sim_port is not None:
        base = f"http://127.0.0.1:{sim_port}"
        c = SIM_CREDENTIALS
        account = BitgetAccount.connect(
            c.api_key, c.secret, c.passphrase, base_url=base, rate_limit=False
        )
        return account, f"sim:{sim_port}"
    try:
        secrets = load_secrets(dotenv_paths=dotenv_files(Home.resolve(args.home).root))
    except SecretsError as exc:
        raise UsageError(str(exc)) from None
    if not secrets.live_trading_enabled:
        raise UsageError("live trading is off: set LIVE_TRADING=true (environment or .env)")
    # SCALP_RADAR_API_URL_BITGET (a proxy, or the local Bitget in tests) as for market data
    account = BitgetAccount.connect(
        secrets.bitget_api_key,
        secrets.bitget_api_secret,
        secrets.bitget_passphrase,
        base_url=api_url_override("bitget"),
    )
    return account, "bitget"


def _run_live(trader: LiveTrader, args: argparse.Namespace) -> None:
    """Real time, woken by the account's order stream (websocket) between REST polls."""
    secrets = load_secrets(dotenv_paths=dotenv_files(Home.resolve(args.home).root))
    stream = bitget_stream(
        secrets.bitget_api_key, secrets.bitget_api_secret, secrets.bitget_passphrase
    )
    waker = StreamWaker(stream).start()
    shadow = trader.shadow
    markets = [Market(shadow.exchange, s.spec.symbol, s.spec.timeframe) for s in shadow.slots]
    engine = trader.engine
    watchdog = Watchdog(
        engine.store, engine.market_data, shadow.portfolio, list(dict.fromkeys(markets)), wall_ms
    )
    try:
        trader.run(POLL_S, wait=waker.wait, watch=watchdog.check)
    finally:
        waker.close()


def _rehearse(trader: LiveTrader, port: int, candles: int | None) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30.0) as client:

        def step() -> dict:
            answer = client.post("/sim/step").json()
            if "paused" not in answer:  # a free-running simulator, or not a local Bitget
                raise LiveError(f"sim:{port}: {answer.get('error', answer)}")
            return answer

        traded = trader.rehearse(step, candles)
    print(f"rehearsal: {traded} candle(s) traded")


def _resume(trader: LiveTrader, symbol: str) -> int:
    trader.resume(symbol)
    print(f"live: {symbol} trades again")
    return 0
