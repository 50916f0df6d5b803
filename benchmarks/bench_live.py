"""Live execution against the local Bitget (issue 15): order-to-ack latency of the account
gateway through the real ccxt client, and the throughput of a rehearsal.

Usage: ``python benchmarks/bench_live.py [CALLS] [DAYS]`` (default 300 calls per order kind,
30 days). A home is built from ``sample_data/`` (the BTC, ETH and SOL perpetuals and Bitget's
specs) with grid_atr on the three (kill switches loosened so all three trade every candle, as
in the parity test); the local Bitget (``VenueSim``, in this process, lockstep) serves them.

1. Latency: each kind of call is timed around ``BitgetAccount`` (ccxt builds, signs and sends
   the request, the simulator answers, ccxt and the gateway read the answer), ccxt's rate
   limiter off as in a rehearsal; a short series with it on shows what Bitget's pacing adds.
2. Throughput: ``LiveTrader.rehearse`` of the three runners over DAYS days from 2025-06-01,
   with its wall time split between HTTP round trips, ccxt and the gateway around them, the
   simulator's steps, and the rest (shadow, executor, event store).

Medians and shares come from one run: the machine is shared, so compare within a run.
"""

from __future__ import annotations

import functools
import inspect
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from adapters.exchanges.bitget_account import BitgetAccount
from adapters.files.config_writer import apply_per_asset
from adapters.services.backtest import costs
from adapters.services.engine import Engine
from adapters.services.importer import import_files
from adapters.services.live_runners import on_perpetuals
from adapters.services.live_trader import LiveTrader
from adapters.services.runner_specs import RunnerSpec, runner_specs
from adapters.store.home import Home
from adapters.venue_sim.book import SimMarket
from adapters.venue_sim.server import VenueSim
from adapters.venue_sim.signing import SIM_CREDENTIALS
from config.loader import DEFAULT_CONFIG_DIR, load_settings
from config.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
ASSETS = ("BTC/USDT", "ETH/USDT", "SOL/USDT")
START = 1_748_736_000_000  # 2025-06-01 00:00 UTC
H = 3_600_000
PACED_CALLS = 20  # limits placed and cancelled with ccxt's rate limiter on


class Meter:
    """Wall seconds inside the wrapped calls; a call made within another is counted once."""

    def __init__(self) -> None:
        self.seconds, self.calls, self._depth = 0.0, 0, 0

    def wrap(self, call: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(call)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._depth += 1
            began = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.seconds += time.perf_counter() - began
                    self.calls += 1

        return timed


class Split(msgspec.Struct):
    """Where a rehearsal's wall time went, in seconds."""

    wall: float
    http: float  # inside ccxt's ``fetch``: the round trip, the simulator's handling included
    venue: float  # the simulator answering those requests (same process, other thread)
    gateway: float  # inside the gateway's calls and candle fetches, HTTP included
    steps: float  # the simulator's matching between pauses
    requests: int


# -- set-up ---------------------------------------------------------------------------------------
def prepare(tmp: Path) -> tuple[Path, Settings]:
    """A home with the sample's perpetuals and Bitget's specs; grid_atr on the three assets."""
    home = tmp / "home"
    engine = Engine(Home(home))
    files = [SAMPLE / f"{a.replace('/', '_')}_USDT-1h.csv.gz" for a in ASSETS]
    import_files(engine.market_data, [*files, SAMPLE / "bitget-specs.csv"], "binance")
    engine.project()
    engine.close()
    config = tmp / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config, ignore=shutil.ignore_patterns("*.py", "__*"))
    for asset in ASSETS:
        apply_per_asset(config, "grid_atr", asset, {"sl_percent": 15.0})
    risk = config / "risk.yaml"  # a tripped kill switch would stop a runner mid-rehearsal
    risk.write_text(risk.read_text().replace(": 25.0", ": 99.0").replace(": 30.0", ": 99.0"))
    return home, load_settings(config)


def sim_markets(home: Path) -> list[SimMarket]:
    engine = Engine(Home(home))
    reader, markets = engine.market_reader(), []
    for asset in ASSETS:
        perp = f"{asset}:USDT"
        c = reader.candles(reader.find("binance", perp, "1h").series_id)
        contract = reader.spec("bitget", perp).contract()
        markets.append(SimMarket(perp, contract, c.ts, c.open, c.high, c.low, c.close, c.volume))
    engine.close()
    return markets


def new_sim(markets: list[SimMarket], settings: Settings) -> VenueSim:
    fees = costs(settings)
    return VenueSim(markets, START, H, maker=fees.maker, taker=fees.taker, slippage=fees.slippage)


def gateway(sim: VenueSim, rate_limit: bool) -> BitgetAccount:
    c = SIM_CREDENTIALS
    return BitgetAccount.connect(
        c.api_key, c.secret, c.passphrase, base_url=sim.url, rate_limit=rate_limit
    )


def every_runner(settings: Settings, research: Any) -> list[RunnerSpec]:
    """The paper runners on their perpetuals, without the grade gate (nothing is graded here)."""
    return on_perpetuals(settings, runner_specs(settings, research))


# -- 1. latency -----------------------------------------------------------------------------------
def latencies(account: BitgetAccount, market: SimMarket, calls: int) -> dict[str, list[float]]:
    """Seconds per call of each kind, ``calls`` of each, on ``market``'s perpetual."""
    out = limits(account, market, calls, "l")
    account.place_market(market.symbol, "buy", market.contract.min_qty, "bench-open", False)
    return out | stops(account, market, calls) | {"fills": fill_reads(account, market, calls)}


def limits(account: BitgetAccount, market: SimMarket, calls: int, tag: str) -> dict[str, list]:
    """``calls`` bids at half the price (they rest), then their cancels."""
    account.markets()  # ccxt loads them once, before the first order: not an order's latency
    symbol, qty = market.symbol, market.contract.min_qty
    far = _on_tick(_price_at_start(market) * 0.5, market.contract.tick)
    out: dict[str, list[float]] = {"place_limit": [], "cancel": []}
    orders = [
        _timed(out["place_limit"], account.place_limit, symbol, "buy", qty, far, f"bench-{tag}{i}")
        for i in range(calls)
    ]
    for order in orders:
        _timed(out["cancel"], account.cancel, order)
    return out


def stops(account: BitgetAccount, market: SimMarket, calls: int) -> dict[str, list[float]]:
    """``calls`` pos_loss stops under the open long (all but one cancelled, untimed), then
    ``calls`` moves of the one left between two triggers."""
    symbol, qty, tick = market.symbol, market.contract.min_qty, market.contract.tick
    price = _price_at_start(market)
    out: dict[str, list[float]] = {"place_stop": [], "move_stop": []}
    placed = [
        _timed(out["place_stop"], account.place_stop, symbol, 1, qty, _on_tick(price * 0.8, tick),
               f"bench-s{i}")
        for i in range(calls)
    ]  # fmt: skip
    for stop in placed[1:]:
        account.cancel(stop)
    stop = placed[0]
    for i in range(calls):
        trigger = _on_tick(price * (0.8 - i % 2 / 100), tick)
        stop = _timed(out["move_stop"], account.move_stop, stop, trigger)
    return out


def fill_reads(account: BitgetAccount, market: SimMarket, calls: int) -> list[float]:
    out: list[float] = []
    for _ in range(calls):
        _timed(out, account.fills, market.symbol, 0)
    return out


def _timed(into: list[float], call: Callable[..., Any], *args: Any) -> Any:
    began = time.perf_counter()
    result = call(*args)
    into.append(time.perf_counter() - began)
    return result


def _price_at_start(market: SimMarket) -> float:
    return float(market.open[int(market.ts.searchsorted(START))])


def _on_tick(price: float, tick: float) -> float:
    return round(round(price / tick) * tick, 10)


# -- 2. throughput --------------------------------------------------------------------------------
def rehearse(home: Path, settings: Settings, sim: VenueSim, days: int) -> tuple[int, float, Split]:
    """Boot then rehearse ``days``: (candles traded, boot seconds, the rehearsal's split)."""
    engine = Engine(Home(home))
    try:
        account = gateway(sim, rate_limit=False)
        trader = LiveTrader(
            engine, settings, account, "sim", "rehearsal", clock=lambda: sim.matcher.now_ts,
            specs=every_runner,
        )  # fmt: skip
        began = time.perf_counter()
        trader.boot(START)
        booted = time.perf_counter() - began
        meters = _instrument(account, sim)
        step = meters["steps"].wrap(lambda: msgspec.to_builtins(sim.step()))
        began = time.perf_counter()
        traded = trader.rehearse(step, candles=days * 24)
        wall = time.perf_counter() - began
    finally:
        engine.close()
    m = meters
    split = Split(wall, m["http"].seconds, m["venue"].seconds, m["gateway"].seconds,
                  m["steps"].seconds, m["http"].calls)  # fmt: skip
    return traded, booted, split


def _instrument(account: BitgetAccount, sim: VenueSim) -> dict[str, Meter]:
    """Meters around every gateway method and candle fetch, ccxt's HTTP call, the simulator's
    request handling and (for the caller to use) its steps; instance attributes shadow the
    methods, so the code under measurement is unchanged."""
    meters = {name: Meter() for name in ("gateway", "http", "venue", "steps")}
    for name, _ in inspect.getmembers(BitgetAccount, inspect.isfunction):
        if not name.startswith("_"):
            setattr(account, name, meters["gateway"].wrap(getattr(account, name)))
    ccxt_client = account.public
    ccxt_client.fetch_ohlcv = meters["gateway"].wrap(ccxt_client.fetch_ohlcv)
    ccxt_client.fetch = meters["http"].wrap(ccxt_client.fetch)
    sim.reply = meters["venue"].wrap(sim.reply)
    return meters


# -- report ---------------------------------------------------------------------------------------
def _row(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    return f"| {name} | {len(ms)} | {statistics.median(ms):.2f} | {p90:.2f} |"


def main(calls: str = "300", days: str = "30") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home, settings = prepare(Path(tmp))
        markets = sim_markets(home)
        btc = markets[0]
        with new_sim(markets, settings).serve() as sim:
            fast = latencies(gateway(sim, rate_limit=False), btc, int(calls))
            # with ccxt's pacing each call waits 50 ms x its endpoint's cost: a short series
            slow = limits(gateway(sim, rate_limit=True), btc, PACED_CALLS, "p")
        print("order-to-ack through ccxt 4.5.90 against the local Bitget, BTC/USDT:USDT")
        print("| call | n | median ms | p90 ms |\n|---|---|---|---|")
        for name, seconds in fast.items():
            print(_row(f"{name} (rate limiter off)", seconds))
        for name, seconds in slow.items():
            print(_row(f"{name} (rate limiter on)", seconds))
        with new_sim(markets, settings).serve() as sim:
            traded, booted, split = rehearse(home, settings, sim, int(days))
    _report(traded, len(markets), booted, split)


def _report(traded: int, runners: int, booted: float, s: Split) -> None:
    candles = traded * runners
    rest = s.wall - s.gateway - s.steps
    print(
        f"rehearsal: {runners} grid_atr runners x {traded} candles = {candles} market candles "
        f"in {s.wall:.1f} s = {candles / s.wall:,.0f} candles/s (boot before it {booted:.1f} s)"
    )
    print(
        f"HTTP round trips: {s.requests} requests, {s.http:.1f} s = {s.http / s.wall:.0%} of "
        f"the wall time ({s.http / s.requests * 1000:.2f} ms each, of which the simulator's "
        f"handling {s.venue / s.requests * 1000:.2f} ms)"
    )
    print(
        f"ccxt and the gateway around them (building, signing, reading): "
        f"{s.gateway - s.http:.1f} s = {(s.gateway - s.http) / s.wall:.0%}"
    )
    print(
        f"the simulator's steps: {s.steps:.1f} s = {s.steps / s.wall:.0%}; the rest (shadow, "
        f"executor, event store): {rest:.1f} s = {rest / s.wall:.0%}"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
