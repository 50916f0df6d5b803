"""The reports' figures on a tiny paper portfolio driven through a real Simulator and the
projectors (figures computed by hand below), and their wording on figures built by hand."""

from __future__ import annotations

import msgspec
import pytest

from adapters.services.engine import Engine
from adapters.store.home import Home
from domain.executor import Executor
from domain.kill_switch import Limits
from domain.market import Market
from domain.simulator import Simulator
from domain.trades import build_trade
from projections import report_figures
from projections.notify_reports import daily_text, heartbeat_text, weekly_text
from projections.report_figures import (
    Freshness,
    Heartbeat,
    Holding,
    LiveNow,
    PaperNow,
    PaperPeriod,
    PeriodFigures,
    TradeBrief,
    Trip,
)
from tests.projections.live_kit import BTC, entry, fill, placed
from tests.stubs import T0

H = 3_600_000
DAY = 24 * H
D1 = T0 + DAY  # Monday 2023-01-02 00:00 UTC
D2 = D1 + DAY
GRID = "grid_atr:BTC/USDT"


def _close(sim: Simulator, price: float, fee_rate: float, ts: int, reason: str) -> None:
    trade = build_trade(sim.runners[GRID], "grid_atr", "BTC/USDT", ts, price, fee_rate, reason)
    sim.close_cycle(GRID, trade.record())


def _two_days(sim: Simulator) -> None:
    """Day 1: a long 100 -> 110 (fee 0.1, funding 0.5 paid: P&L +9.4), equity peaks at 1,014.9
    and falls to 989.4 on a second long 110 -> 100 (P&L -10), which trips the global switch
    (drawdown 2.5 % >= 2 %). Day 2: a long 100 -> 105 (P&L +5)."""
    sim.set_limits(Limits(global_max_drawdown_percent=2.0))
    sim.select_exchange("binance", T0)
    sim.enable_runner(GRID, "grid_atr", "BTC/USDT", "grid")
    sim.configure_runner(GRID, {"timeframe": "1h"}, {}, grace_until=T0, warmup=0, ts=T0)
    sim.close_candle(D1 - H, {}, {"BTC/USDT": 100.0})  # equity at 00:00: 1,000
    sim.open_level(GRID, 0, 1, 100.0, 1.0, 0.1, 20.0, D1 + H)
    sim.close_candle(D1 + H, {GRID: -5.0}, {"BTC/USDT": 95.0})  # 999.9 - 5 = 994.9
    sim.close_candle(D1 + 2 * H, {GRID: 15.0}, {"BTC/USDT": 115.0})  # 1,014.9 (the peak)
    sim.charge_funding(GRID, 0.005, 0.5, D1 + 3 * H)
    _close(sim, 110.0, 0.0, D1 + 4 * H, "tp")  # cash 1,000 - 0.1 - 0.5 + 10 = 1,009.4
    sim.close_candle(D1 + 4 * H, {}, {"BTC/USDT": 110.0})
    sim.open_level(GRID, 0, 1, 110.0, 1.0, 0.0, 20.0, D1 + 5 * H)
    sim.close_candle(D1 + 5 * H, {GRID: -20.0}, {"BTC/USDT": 90.0})  # 989.4: trips
    _close(sim, 100.0, 0.0, D1 + 6 * H, "sl")  # cash 999.4
    sim.close_candle(D1 + 6 * H, {}, {"BTC/USDT": 100.0})
    sim.open_level(GRID, 0, 1, 100.0, 1.0, 0.0, 20.0, D2 + H)
    sim.close_candle(D2 + H, {GRID: 0.0}, {"BTC/USDT": 100.0})
    _close(sim, 105.0, 0.0, D2 + 2 * H, "tp")  # cash 1,004.4
    sim.close_candle(D2 + 2 * H, {}, {"BTC/USDT": 105.0})


@pytest.fixture
def engine(tmp_path):
    engine = Engine(Home(tmp_path))
    yield engine
    engine.close()


@pytest.fixture
def traded(engine: Engine) -> Engine:
    sim = Simulator(name="paper", capital=1000.0, max_margin_ratio=0.7)
    _two_days(sim)
    engine.store.save(sim)
    # BTC 1h candles until the one opened at D2 + 1h (closed at D2 + 2h)
    rows = [(D2 - 4 * H + i * H, 100.0, 101.0, 99.0, 100.0, 1.0) for i in range(6)]
    engine.market_data.append_candles(Market("binance", "BTC/USDT", "1h"), rows)
    engine.project()
    return engine


def test_the_daily_figures_of_a_traded_day(traded: Engine) -> None:
    (day,) = report_figures.period(traded.read_db, D1, D2).paper
    assert (day.trades, day.won, day.lost) == (2, 1, 1)
    assert day.realised == pytest.approx(9.4 - 10.0)
    assert day.funding == pytest.approx(0.5)  # paid
    assert day.equity_start == pytest.approx(1000.0)
    assert day.equity_end == pytest.approx(999.4)
    assert day.max_drawdown_pct == pytest.approx((1014.9 - 989.4) / 1014.9 * 100)
    assert day.best == TradeBrief("BTC/USDT", 1, pytest.approx(9.4), "tp")
    assert day.worst == TradeBrief("BTC/USDT", 1, pytest.approx(-10.0), "sl")
    assert day.trips == [
        "kill switch tripped (global): equity fell 2.51 % from its peak of 1,014.90 on "
        "2023-01-02 02:00 UTC (limit 2.00 % within 24 h)"  # (1014.9 - 989.4) / 1014.9
    ]


def test_a_week_holds_both_days_and_the_next_day_only_its_own(traded: Engine) -> None:
    (week,) = report_figures.period(traded.read_db, D1, D1 + 7 * DAY).paper
    assert (week.trades, week.won, week.lost) == (3, 2, 1)
    assert week.realised == pytest.approx(9.4 - 10.0 + 5.0)
    assert week.equity_end == pytest.approx(1004.4)
    (day2,) = report_figures.period(traded.read_db, D2, D2 + DAY).paper
    assert (day2.trades, day2.equity_start, day2.trips) == (1, pytest.approx(999.4), [])
    assert day2.max_drawdown_pct == 0.0  # 999.4, 999.4, 1,004.4: never below a peak


def test_the_heartbeat_tells_the_day_the_switch_and_fresh_data(traded: Engine) -> None:
    beat = report_figures.heartbeat(traded.read_db, D2 + 3 * H)
    (paper,) = beat.paper
    assert paper.equity == pytest.approx(1004.4)
    assert paper.day_pnl == pytest.approx(5.0)  # since 00:00: 999.4 -> 1,004.4
    assert paper.holdings == []
    assert paper.trips == [Trip("global", "drawdown")]
    # the newest candle opened at D2 + 1h, closed at D2 + 2h: 1 h old at D2 + 3h
    assert paper.freshness == [Freshness("BTC/USDT 1h", H, False)]
    assert beat.live == []


def test_a_market_two_periods_behind_is_stale(traded: Engine) -> None:
    (paper,) = report_figures.heartbeat(traded.read_db, D2 + 4 * H + 1).paper
    assert paper.freshness == [Freshness("BTC/USDT 1h", 2 * H + 1, True)]


def test_the_heartbeat_tells_an_open_grid(engine: Engine) -> None:
    sim = Simulator(name="paper", capital=1000.0, max_margin_ratio=0.7)
    sim.enable_runner(GRID, "grid_atr", "BTC/USDT", "grid")
    sim.open_level(GRID, 0, -1, 100.0, 1.0, 0.0, 20.0, D1)
    sim.close_candle(D1, {GRID: 0.0}, {"BTC/USDT": 100.0})
    engine.store.save(sim)
    engine.project()
    (paper,) = report_figures.heartbeat(engine.read_db, D1 + H).paper
    assert paper.holdings == [Holding(GRID, "BTC/USDT", -1)]
    assert paper.freshness == []  # no exchange selected: no market to watch


def test_the_heartbeat_tells_a_live_account_and_its_unprotected_position(engine) -> None:
    ex = Executor("main", "bitget")
    fill(ex, placed(ex, entry(BTC, 1, 1.0, 100.0, T0)), 100.0, 1.0, T0)  # no stop placed yet
    ex.balance_refreshed(1234.5, 1000.0, T0)
    engine.store.save(ex)
    engine.project()
    beat = report_figures.heartbeat(engine.read_db, T0 + H)
    assert beat.paper == []
    assert beat.live == [LiveNow("main", "bitget", 1234.5, 1000.0, T0, 1, [BTC], [])]


def test_nothing_trading_is_one_short_line(engine: Engine) -> None:
    text = heartbeat_text(report_figures.heartbeat(engine.read_db, D1))
    assert text == (
        "💓 <b>heartbeat</b> 2023-01-02 00:00 UTC: nothing trading "
        "(no paper portfolio, no live account)"
    )
    day = daily_text(report_figures.period(engine.read_db, T0, D1))
    assert day == "📅 <b>daily report</b> 2023-01-01: " + text.split(": ", 1)[1]


# -- the wording, on figures written by hand ----------------------------------------------------


def test_heartbeat_wording() -> None:
    paper = PaperNow(
        portfolio="paper",
        equity=12345.678,
        day_pnl=-1234.5,
        holdings=[Holding(GRID, "BTC/USDT", 1), Holding("x", "ETH/USDT", -1)],
        trips=[Trip("global", "drawdown"), Trip(GRID, "session_loss")],
        freshness=[
            Freshness("BTC/USDT 1h", 90 * 60_000, False),
            Freshness("ETH/USDT 4h", None, True),
        ],
    )
    live = LiveNow("main", "bitget", 2000.0, 1500.25, T0, 2, ["BTC/USDT:USDT"], ["ETH/USDT:USDT"])
    assert heartbeat_text(Heartbeat(D1 + 90 * 60_000, [paper], [live])).split("\n") == [
        "💓 <b>heartbeat</b> 2023-01-02 01:30 UTC",
        "",
        "<b>paper</b> equity 12,345.68, today -1,234.50",
        "open: 2 (BTC/USDT long, ETH/USDT short)",
        "kill switch: TRIPPED global (drawdown), grid_atr:BTC/USDT (session_loss)",
        "data: BTC/USDT 1h 1h 30m old; ETH/USDT 4h no candles ⚠️ STALE",
        "",
        "<b>account main</b> on bitget: balance 2,000.00 (free 1,500.25), 2 position(s)",
        "⚠️ NO STOP: BTC/USDT:USDT",
        "⚠️ halted: ETH/USDT:USDT",
    ]


def test_an_account_never_refreshed_says_so() -> None:
    live = LiveNow("main", "bitget", 0.0, 0.0, 0, 0, [], [])
    text = heartbeat_text(Heartbeat(D1, [], [live]))
    assert text.endswith("<b>account main</b> on bitget: balance never refreshed, 0 position(s)")


def _period(**changes) -> PeriodFigures:
    day = PaperPeriod(
        portfolio="paper",
        trades=3,
        won=2,
        lost=1,
        realised=1234.5,
        funding=-2.25,
        equity_start=10_000.0,
        equity_end=11_234.5,
        max_drawdown_pct=3.14159,
        best=TradeBrief("BTC/USDT", 1, 2000.0, "tp"),
        worst=TradeBrief("ETH/USDT", -1, -765.5, "sl"),
        trips=["kill switch tripped (global): drawdown 30.5 % >= 30 %"],
    )
    return PeriodFigures(D1, D2, [msgspec.structs.replace(day, **changes)])


def test_daily_wording() -> None:
    assert daily_text(_period()).split("\n") == [
        "📅 <b>daily report</b> 2023-01-02",
        "",
        "<b>paper</b> trades closed: 3 (2 won, 1 lost), P&amp;L +1,234.50",
        "funding received 2.25",
        "equity 10,000.00 → 11,234.50 (+12.35 %), max drawdown 3.14 %",
        "best BTC/USDT long +2,000.00 (tp); worst ETH/USDT short -765.50 (sl)",
        "kill switch trips: kill switch tripped (global): drawdown 30.5 % &gt;= 30 %",
    ]


def test_a_quiet_day_has_no_best_trade_and_no_trip() -> None:
    quiet = _period(trades=0, won=0, lost=0, realised=0.0, funding=0.0, best=None, worst=None,
                    trips=[], equity_end=10_000.0, max_drawdown_pct=0.0)  # fmt: skip
    lines = daily_text(quiet).split("\n")
    assert lines[3:] == [
        "no funding",
        "equity 10,000.00 → 10,000.00 (+0.00 %), max drawdown 0.00 %",
        "kill switch trips: none",
    ]


def test_weekly_wording_names_monday_to_sunday() -> None:
    week = PeriodFigures(D1, D1 + 7 * DAY, _period().paper)
    assert weekly_text(week).split("\n")[0] == "📆 <b>weekly report</b> 2023-01-02 to 2023-01-08"
