"""Two runners on one capital, worked out by hand on tiny synthetic markets: the shared margin
guard refuses the second runner's level, and a global kill switch freezes both runners for its
cooldown, then the run's operator resets it.

The set-up (``_config``): envelope_dca with ma_period 2, one level 10 % under the SMA of the
two previous closes, take-profit at that SMA, stop 50 % under the entry, leverage 1; no fees,
no slippage, no contract (``no_specs``); capital 1000 over two runners: margin per asset
min(1000 / 2, 25 % x 1000) = 250, one level = 250 of margin = 250 of notional. Warm-up is
ma_period + 1 = 3 candles, so candle 3 is the first traded. Every candle is hourly from T0.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from adapters.cli.main import main
from adapters.services.engine import Engine
from adapters.services.portfolio_backtest import PORTFOLIO, run_portfolio
from adapters.services.portfolio_runners import from_strategies, with_overrides
from adapters.services.runner_specs import runner_spec
from adapters.store.home import Home
from config.loader import DEFAULT_CONFIG_DIR, load_settings
from domain.market import HOUR_MS
from tests.stubs import T0, write_csv

FLAT = (100.0, 100.0, 100.0, 100.0)
DIP = (100.0, 100.0, 89.0, 100.0)  # reaches a level resting at 90, closes back at 100
QTY = 250.0 / 90.0  # a level's quantity: 250 of notional filled at 90


def _rows(prices: list[tuple[float, float, float, float]]) -> list[tuple]:
    return [(T0 + i * HOUR_MS, o, h, low, c, 1.0) for i, (o, h, low, c) in enumerate(prices)]


def _home(tmp_path: Path, a: list, b: list) -> Path:
    home = tmp_path / "home"
    files = [
        write_csv(tmp_path / "AAA_USDT-1h.csv", _rows(a)),
        write_csv(tmp_path / "BBB_USDT-1h.csv", _rows(b)),
    ]
    assert main(["--home", str(home), "data", "import", *map(str, files)]) == 0
    return home


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config, ignore=shutil.ignore_patterns("*.py", "__*"))
    strategies = config / "strategies.yaml"
    text = strategies.read_text()
    section = text.index("envelope_dca:")
    head, tail = text[:section], text[section:]
    for old, new in (
        ("leverage: 3", "leverage: 1"),
        ("ma_period: 7", "ma_period: 2"),
        ("num_levels: 3", "num_levels: 1"),
        ("envelope_start: 0.07", "envelope_start: 0.10"),
        ("sl_percent: 25.0", "sl_percent: 50.0"),
    ):
        tail = tail.replace(old, new, 1)
    strategies.write_text(head + tail)
    exchanges = config / "exchanges.yaml"
    text = exchanges.read_text()
    for fee in ("maker_percent: 0.02", "taker_percent: 0.06", "taker_percent: 0.05"):
        text = text.replace(fee, fee.split(":")[0] + ": 0.0")
    exchanges.write_text(text)
    risk = config / "risk.yaml"
    text = risk.read_text().replace("slippage_percent: 0.05", "slippage_percent: 0.0")
    risk.write_text(text.replace("grace_period_candles: 10", "grace_period_candles: 0"))
    return config


def _run(home: Path, config: Path, overrides: dict[str, float]):
    settings = load_settings(config)
    engine = Engine(Home(home))
    choices = from_strategies(
        settings, [("envelope_dca", "AAA/USDT"), ("envelope_dca", "BBB/USDT")]
    )
    research = engine.research_reader()
    specs = [runner_spec(c.strategy, c.symbol, c.params, research) for c in choices]
    settings = with_overrides(settings, {"initial_capital": 1000.0, **overrides}, guards=True)
    run = run_portfolio(engine, settings, specs, T0, None, no_specs=True)
    run.scratch.project()
    trades = run.scratch.paper_reader().closed_trades(PORTFOLIO)
    return run.report, trades, run.scratch


def _opened(scratch: Engine) -> list[tuple[str, int]]:
    """(runner, candle index) of every level opened, from the scratch store's journal."""
    rows = scratch.paper_reader().journal(PORTFOLIO, limit=1000)
    return [(r["key"], (r["ts"] - T0) // HOUR_MS) for r in rows if r["kind"] == "GridLevelOpened"]


def test_the_shared_margin_guard_refuses_the_second_runners_level(tmp_path: Path) -> None:
    """Guard at 30 % of 1000 = 300 in use.

    candle 3: AAA dips to 89: its level (SMA(100, 100) x 0.9 = 90) fills at 90: 250 in use.
    candle 4: BBB dips to 89: its level needs 250 more, 500 > 300: refused (one margin block).
              AAA: o=h=l=c=90, its take-profit is SMA(100, 90) = 95: not reached.
    candle 5: AAA's take-profit is SMA(90, 90) = 90, its high 90 reaches it: closed at 90,
              P&L 0; the margin is free again. BBB is flat.
    candle 6: BBB dips again: its level at 90 fills (250 in use).
    candle 7: BBB's take-profit SMA(100, 100) = 100 is reached (high 100): closed at 100,
              P&L (100 - 90) x 250 / 90 = 27.78. Nothing is left open at the end.
    """
    aaa = [FLAT] * 3 + [
        (100.0, 100.0, 89.0, 90.0),
        (90.0,) * 4,
        (90.0,) * 4,
        (90.0,) * 4,
        (90.0,) * 4,
    ]
    bbb = [FLAT] * 4 + [DIP, FLAT, DIP, FLAT]
    home = _home(tmp_path, aaa, bbb)
    report, trades, scratch = _run(home, _config(tmp_path), {"max_margin_ratio": 0.3})
    assert _opened(scratch) == [("envelope_dca:AAA/USDT", 3), ("envelope_dca:BBB/USDT", 6)]
    assert report.margin_blocks == 1
    assert report.peak_margin == pytest.approx(250.0)
    assert report.peak_margin_ts == T0 + 3 * HOUR_MS  # the first candle holding it
    assert [(t.symbol, t.reason, round(t.pnl, 2)) for t in trades] == [
        ("AAA/USDT", "tp", 0.0),
        ("BBB/USDT", "tp", 27.78),
    ]
    assert report.forced_close_pnl == 0.0
    assert report.realized_pnl == pytest.approx(10 * QTY)
    assert report.final_equity == pytest.approx(1000 + 10 * QTY)
    # candle closes 3..7: a runner holds at 3 and 4 (AAA) and 6 (BBB); none at 5 and 7
    assert report.open_histogram == [2, 3]
    assert report.fill_histogram == [3, 2]  # fills at candles 3 and 6, never both together
    # one grid at a time, its stop 50 % under 90: (90 - 45) x 250 / 90 = 125 at risk, first
    # at candle 3
    assert report.worst_stop_loss == pytest.approx(45 * QTY)
    assert report.worst_stop_ts == T0 + 3 * HOUR_MS
    # buy and hold from candle 3's opens (100, 100): 500 of each, AAA ends at 90, BBB at 100
    assert report.benchmark.assets == ["AAA/USDT", "BBB/USDT"]
    assert report.benchmark.return_pct == pytest.approx(-5.0)


def test_a_global_kill_switch_freezes_both_runners_for_its_cooldown(tmp_path: Path) -> None:
    """Global switch at a 10 % drawdown from the 24 h peak, cooldown 3 h.

    candle 3: AAA's level fills at 90 (250 of notional, qty 250 / 90); equity 1000.
    candle 4: AAA closes at 50 (low 49, above its stop at 45; high 90 under its take-profit
              SMA(100, 90) = 95): unrealised (50 - 90) x 250 / 90 = -111.11, equity 888.89,
              11.11 % under the peak of 1000: the global switch trips at candle 4.
    candle 5: AAA's take-profit SMA(90, 50) = 70 is reached (high 70): closed at 70, P&L
              (70 - 90) x 250 / 90 = -55.56 (exits go on while frozen). BBB dips to its level
              (90) at candles 5, 6 and 7: refused, the switch is tripped.
    after candle 7 (3 h after the trip): the run's operator resets the switch.
    candle 8: BBB dips again: its level fills at 90; candle 9 reaches its take-profit
              SMA(100, 100) = 100: P&L (100 - 90) x 250 / 90 = +27.78.
    """
    aaa = (
        [FLAT] * 3
        + [(100.0, 100.0, 89.0, 90.0), (90.0, 90.0, 49.0, 50.0), (50.0, 70.0, 50.0, 70.0)]
        + [(70.0,) * 4] * 4
    )
    bbb = [FLAT] * 5 + [DIP, DIP, DIP, DIP, FLAT]
    home = _home(tmp_path, aaa, bbb)
    overrides = {
        "kill_switch.global_max_drawdown_percent": 10.0,
        "kill_switch.global_cooldown_hours": 3,
    }
    report, trades, scratch = _run(home, _config(tmp_path), overrides)
    assert [(t.scope, t.key, t.reason, t.ts) for t in report.trips] == [
        ("global", "", "drawdown", T0 + 4 * HOUR_MS)
    ]
    assert report.trips[0].figures["drawdown_percent"] == pytest.approx(40 * QTY / 10)
    assert _opened(scratch) == [("envelope_dca:AAA/USDT", 3), ("envelope_dca:BBB/USDT", 8)]
    resets = [
        r for r in scratch.paper_reader().journal(PORTFOLIO) if r["kind"] == "KillSwitchReset"
    ]
    assert [(r["ts"] - T0) // HOUR_MS for r in resets] == [7]
    assert [(t.symbol, t.reason, round(t.pnl, 2)) for t in trades] == [
        ("AAA/USDT", "tp", -55.56),
        ("BBB/USDT", "tp", 27.78),
    ]
    assert report.max_drawdown_pct == pytest.approx(40 * QTY / 10)
    assert report.fill_histogram == [5, 2]  # candle closes 3..9; fills at 3 and 8
