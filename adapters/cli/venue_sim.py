"""``venue-sim``: the local Bitget on stored candles, served on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse
import threading

from adapters.cli.common import UsageError, date_arg, engine_of, settings_of
from adapters.services.traded_contract import MissingSpecError, VenueContracts
from adapters.venue_sim.book import SimMarket
from adapters.venue_sim.signing import SIM_CREDENTIALS
from domain.market import MarketError, timeframe_ms
from projections.market_data import MarketDataReader


def register(commands) -> None:
    p = commands.add_parser("venue-sim", help="a local Bitget on stored candles (rehearsal)")
    p.add_argument("--port", type=int, default=8123,
                   help="TCP port on 127.0.0.1, the websocket on the next (0: any)")  # fmt: skip
    p.add_argument("--symbol", required=True, help="perpetuals, e.g. BTC/USDT:USDT,ETH/USDT:USDT")
    p.add_argument("--timeframe", default="1h")
    p.add_argument("--from", dest="start", required=True, help="first rehearsed candle (UTC)")
    p.add_argument("--to", dest="end", default=None, help="last stored candle served (UTC)")
    pace = p.add_mutually_exclusive_group()
    pace.add_argument("--speed", type=float, default=None, help="candles per second (free run)")
    pace.add_argument("--lockstep", action="store_true", help="advance on POST /sim/step (default)")
    p.add_argument("--balance", type=float, default=10_000.0, help="USDT (default 10000)")
    p.set_defaults(handler=cmd_venue_sim)


def cmd_venue_sim(args: argparse.Namespace) -> int:
    if not 0 <= args.port < 65535:  # the websocket takes the next port
        raise UsageError(f"--port must be 0..65534, got {args.port}")
    if args.speed is not None and not args.speed > 0:
        raise UsageError(f"--speed must be > 0 candles per second, got {args.speed}")
    if not args.balance > 0:
        raise UsageError(f"--balance must be > 0 USDT, got {args.balance}")
    # the simulator's websocket (aiohttp) loads with this command only
    from adapters.venue_sim.server import VenueSim

    try:
        tf_ms = timeframe_ms(args.timeframe)
    except MarketError as exc:
        raise UsageError(f"--timeframe: {exc}") from None
    start = date_arg(args.start, "--from")
    end = date_arg(args.end, "--to") if args.end else None
    settings = settings_of(args)
    reader = engine_of(args).market_reader()
    contracts = VenueContracts.of(settings)
    history = settings.exchanges.history_exchange
    symbols = [s.strip() for s in args.symbol.split(",") if s.strip()]
    markets = [_market(reader, contracts, history, s, args.timeframe, end) for s in symbols]
    sim = VenueSim(markets, start, tf_ms, balance=args.balance, lockstep=args.speed is None,
                   speed=args.speed or 1.0)  # fmt: skip
    # the private websocket on the next port, so one --port names both
    with sim.serve(args.port, args.port + 1 if args.port else 0):
        print(f"venue-sim: {sim.url} (websocket {sim.ws_url}, api key {SIM_CREDENTIALS.api_key})",
              flush=True)  # fmt: skip
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            return 0
    return 0


def _market(
    reader: MarketDataReader,
    contracts: VenueContracts,
    history: str,
    symbol: str,
    timeframe: str,
    end: int | None,
) -> SimMarket:
    """The stored candles of ``symbol`` (its perpetual's, else its spot market's on the history
    exchange) and the trading venue's contract of the perpetual."""
    if not symbol.endswith(":USDT"):
        raise UsageError(f"--symbol {symbol!r}: a USDT perpetual such as BTC/USDT:USDT")
    info = reader.find(history, symbol, timeframe) or reader.find(
        history, symbol.split(":")[0], timeframe
    )
    if info is None:
        raise UsageError(f"--symbol {symbol}: no {timeframe} candles on {history}: import some")
    c = reader.candles(info.series_id, end=end)
    if len(c) < 2:
        raise UsageError(f"--symbol {symbol}: fewer than two {timeframe} candles stored")
    try:
        contract = contracts.traded(reader, symbol).contract
    except MissingSpecError as exc:
        raise UsageError(f"--symbol {symbol}: {exc}") from None
    return SimMarket(symbol, contract, c.ts, c.open, c.high, c.low, c.close, c.volume)
