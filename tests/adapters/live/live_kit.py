"""A rehearsal set-up: a home with the sample's perpetual candles and Bitget specs, a config
with grid_atr validated on BTC, ETH and SOL, the local Bitget serving those candles, and the
live trader pointed at it through the real ccxt client."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import msgspec

from adapters.cli.main import main
from adapters.exchanges.bitget_account import BitgetAccount
from adapters.files.config_writer import apply_per_asset
from adapters.services.backtest import costs
from adapters.services.engine import Engine
from adapters.services.live_runners import on_perpetuals
from adapters.services.live_trader import LiveTrader
from adapters.services.paper_trader import PaperTrader
from adapters.services.runner_specs import runner_specs
from adapters.store.home import Home
from adapters.store.research_log import ResearchLog
from adapters.venue_sim.book import SimMarket
from adapters.venue_sim.server import VenueSim
from adapters.venue_sim.signing import SIM_CREDENTIALS
from config.loader import DEFAULT_CONFIG_DIR, load_settings
from config.settings import Settings
from domain.executor import Executor
from domain.live_trades import LiveTrade, VenueFillRecord, live_trades
from domain.simulator import Simulator
from domain.trades import Trade
from tests.stubs import SAMPLE_DATA

H = 3_600_000
DAY = 24 * H
PERPS = ("BTC_USDT_USDT-1h.csv.gz", "ETH_USDT_USDT-1h.csv.gz", "SOL_USDT_USDT-1h.csv.gz")
ASSETS = ("BTC/USDT", "ETH/USDT", "SOL/USDT")


def make_home(root: Path) -> Path:
    home = root / "home"
    files = [str(SAMPLE_DATA / name) for name in (*PERPS, "bitget-specs.csv")]
    assert main(["--home", str(home), "data", "import", *files]) == 0
    return home


def make_config(
    root: Path, assets: tuple[str, ...] = ASSETS, live: bool = False, strategy: str = "grid_atr"
) -> Path:
    """``strategy`` enabled on ``assets`` (``live: true`` when ``live``; grid_atr with sl 15 %,
    any other at its defaults, and grid_atr then off); kill switches, the live account's too,
    loosened to 99 % so paper and live trade every candle alike (a tripped switch is paper's
    own business)."""
    config = root / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config, ignore=shutil.ignore_patterns("*.py", "__*"))
    path = config / "strategies.yaml"
    text = path.read_text()
    if strategy != "grid_atr":
        text = text.replace(
            "grid_atr:                 # the seed's best-graded strategy: the only "
            "one enabled by default\n  enabled: true",
            "grid_atr:\n  enabled: false",
        )
        section = re.compile(rf"^{strategy}:[^\n]*\n  enabled: false$", re.M)
        text, found = section.subn(f"{strategy}:\n  enabled: true", text)
        assert found == 1, strategy
    if live:
        text = text.replace(f"{strategy}:", f"{strategy}:\n  live: true", 1)
    path.write_text(text)
    override = {"sl_percent": 15.0} if strategy == "grid_atr" else {}
    for asset in assets:
        apply_per_asset(config, strategy, asset, override)
    risk = config / "risk.yaml"
    text = risk.read_text()
    for key in ("grid_max_session_loss_percent", "grid_max_daily_loss_percent"):
        text = text.replace(f"{key}: 25.0", f"{key}: 99.0")
    text = text.replace("global_max_drawdown_percent: 30.0", "global_max_drawdown_percent: 99.0")
    # the account's own switch too (the tests of that switch set theirs)
    risk.write_text(text.replace("  drawdown_percent: 10.0", "  drawdown_percent: 99.0"))
    return config


def paper_specs(settings: Settings, research: object) -> list:
    """Every paper runner, on its perpetual (the grade gate is tested on its own)."""
    return on_perpetuals(settings, runner_specs(settings, research))


def sim_markets(engine: Engine, assets: tuple[str, ...], end: int | None) -> list[SimMarket]:
    reader = engine.market_reader()
    markets = []
    for asset in assets:
        perp = f"{asset}:USDT"
        info = reader.find("binance", perp, "1h")
        c = reader.candles(info.series_id, end=end)
        contract = reader.spec("bitget", perp).contract()
        markets.append(SimMarket(perp, contract, c.ts, c.open, c.high, c.low, c.close, c.volume))
    return markets


@dataclass
class Rehearsal:
    home: Path
    config: Path
    settings: Settings
    sim: VenueSim
    start: int

    def engine(self) -> Engine:
        return Engine(Home.resolve(str(self.home)))

    def trader(self, engine: Engine) -> LiveTrader:
        c = SIM_CREDENTIALS
        account = BitgetAccount.connect(
            c.api_key, c.secret, c.passphrase, base_url=self.sim.url, rate_limit=False
        )
        return LiveTrader(
            engine, self.settings, account, "sim", "rehearsal",
            clock=lambda: self.sim.matcher.now_ts, specs=paper_specs,
        )  # fmt: skip

    def step(self) -> dict:
        return msgspec.to_builtins(self.sim.step())


@contextmanager
def rehearsal(
    root: Path,
    start: int,
    assets: tuple[str, ...] = ASSETS,
    end: int | None = None,
    live: bool = False,
    strategy: str = "grid_atr",
) -> Iterator[Rehearsal]:
    """The local Bitget serving the sample's candles up to ``end`` (exclusive), trading from
    ``start``. ``live``: the strategy says ``live: true`` and its parameters are graded A, so
    ``scalp-radar live`` trades them."""
    home, config = make_home(root), make_config(root, assets, live, strategy)
    settings = load_settings(config)
    engine = Engine(Home.resolve(str(home)))
    try:
        markets = sim_markets(engine, assets, end)
        if live:
            for asset in assets:
                ResearchLog(engine.store).record_applied(strategy, asset, {}, "A", "")
    finally:
        engine.close()
    fees = costs(settings)
    sim = VenueSim(markets, start, H, maker=fees.maker, taker=fees.taker, slippage=fees.slippage)
    with sim.serve():
        yield Rehearsal(home, config, settings, sim, start)


def sim_trades(sim: VenueSim) -> list[LiveTrade]:
    """Round trips from the venue's own fill list (independent of what the executor booked)."""
    fills = sim.state().fills
    return live_trades(
        VenueFillRecord(f.symbol, 1 if f.side == "buy" else -1, f.price, f.qty, f.fee, f.ts)
        for f in fills
        if f.qty > 0
    )


def venue_trades(engine: Engine, account: str = "sim") -> list[LiveTrade]:
    """Round trips from the executor's ``OrderFilled`` events."""
    events = engine.store.events.get(Executor.create_id(account))
    fills = [
        VenueFillRecord(e.symbol, e.side, e.price, e.qty, e.fee, e.ts)
        for e in events
        if type(e).__name__ == "OrderFilled"
    ]
    return live_trades(fills)


def paper_trades(engine: Engine, settings: Settings, start: int, end: int) -> list[Trade]:
    trader = PaperTrader(engine, settings, "paper", "bitget", specs=paper_specs)
    trader.replay(start, end)
    events = engine.store.events.get(Simulator.create_id("paper"))
    return [Trade.from_record(e.trade) for e in events if hasattr(e, "trade")]
