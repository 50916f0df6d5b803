"""A home for the Explorer's run selector: grid_atr BTC has three runs (the applied B, a newer
full D, a newest probe C), grid_atr ETH two (a full B, a newer probe) with nothing applied.

The newer BTC run's combinations have their own OOS Sharpes (``NEWER_OOS``), so a switch of
run shows in the figures; every run's data ends on 2023-12-26 (``kit._window``: the last
window's last 1h candle)."""

from __future__ import annotations

from pathlib import Path

import msgspec

from adapters.services.engine import Engine
from adapters.store.home import Home
from domain.market import Market
from tests.stubs import CandleStubs
from tests.web.kit import COMBO_PARAMS, GRID, summary

NEWER_OOS = [0.5, -0.2, 0.3, 0.8, 1.4, -0.6]  # best (combo 4: ma 14, sl 20) at 1.4
PROBE = {"ma_period": 14}


def _with_oos(oos: list[float], **overrides) -> dict:
    s = msgspec.to_builtins(summary("grid_atr", "BTC/USDT", "D", 61.0, 0.9, **overrides))
    return s["combos"] | {"oos_sharpe": oos}


def explorer_home(root: Path) -> tuple[Engine, dict[str, str]]:
    """The home, projected, and its run ids: btc_applied, btc_newer, btc_probe, eth_full,
    eth_probe (in recording order)."""
    engine = Engine(Home(root))
    for symbol in ("BTC/USDT", "ETH/USDT"):  # the Explorer offers pairs with stored candles
        engine.market_data.append_candles(Market("binance", symbol, "1h"), CandleStubs.wave(3))
    record = engine.research.record_run
    probe_grid = GRID | {k: [v] for k, v in PROBE.items()}
    ids = {"btc_applied": record(summary("grid_atr", "BTC/USDT", "B", 82.0, 2.1))}
    engine.research.record_applied("grid_atr", "BTC/USDT", COMBO_PARAMS[4], "B", ids["btc_applied"])
    ids["btc_newer"] = record(
        summary("grid_atr", "BTC/USDT", "D", 61.0, 0.9, combos=_with_oos(NEWER_OOS))
    )
    ids["btc_probe"] = record(
        summary("grid_atr", "BTC/USDT", "C", 55.0, 1.0, fixed=PROBE, grid=probe_grid)
    )
    ids["eth_full"] = record(summary("grid_atr", "ETH/USDT", "B", 80.0, 1.9))
    ids["eth_probe"] = record(
        summary("grid_atr", "ETH/USDT", "C", 50.0, 1.1, fixed=PROBE, grid=probe_grid)
    )
    engine.project()
    return engine, ids
