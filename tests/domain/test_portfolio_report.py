"""The portfolio report's figures against arrays worked out by hand, and properties of its
pure functions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.portfolio_report import (
    KeyedTrade,
    RunArrays,
    buy_and_hold,
    histogram,
    portfolio_report,
)
from domain.trades import ExitReason, Trade
from tests.stubs import T0

H, DAY = 3_600_000, 86_400_000


def _trade(pnl: float, reason: ExitReason, funding: float, fees: tuple[float, float]) -> Trade:
    return Trade(
        "grid_atr",
        "BTC/USDT",
        1,
        T0,
        T0 + H,
        100.0,
        101.0,
        1.0,
        1,
        pnl,
        *fees,
        funding,
        pnl,
        reason,
    )


def _run() -> RunArrays:
    """Two UTC days of two candle closes each; three trades of two runners (a third runner
    never traded)."""
    return RunArrays(
        capital=1000.0,
        ts=np.array([T0, T0 + H, T0 + DAY, T0 + DAY + H]),
        equity=np.array([1000.0, 1100.0, 990.0, 1045.0]),
        margin=np.array([0.0, 300.0, 500.0, 0.0]),
        open_runners=np.array([0, 1, 2, 0]),
        fills=np.array([0, 1, 1, 0]),
        stop_loss=np.array([0.0, 30.0, 80.0, 0.0]),
        trades=[
            KeyedTrade("a:X/USDT", _trade(60.0, ExitReason.TP, 2.0, (1.0, 1.0))),
            KeyedTrade("b:Y/USDT", _trade(-15.0, ExitReason.END, -1.0, (0.5, 0.5))),
            KeyedTrade("a:X/USDT", _trade(-10.0, ExitReason.SL, 0.0, (1.0, 0.0))),
        ],
        regimes=["bull", "crash", "bull"],
        runner_margin={"a:X/USDT": 300.0, "b:Y/USDT": 200.0, "c:Z/USDT": 0.0},
    )


def test_the_headline_figures() -> None:
    r = portfolio_report(_run())
    assert (r.start_ts, r.end_ts, r.candles) == (T0, T0 + DAY + H, 4)
    assert r.return_pct == pytest.approx(4.5)  # 1045 / 1000 - 1
    assert r.max_drawdown_pct == pytest.approx(10.0)  # 1100 -> 990
    assert (r.sharpe, r.sortino) == (0.0, 0.0)  # one daily return (1100 -> 1045): no ratio
    assert (r.trades, r.win_rate_pct) == (3, pytest.approx(100 / 3))
    assert r.fees_paid == pytest.approx(4.0)  # 2 + 1 + 1
    assert r.funding_paid == pytest.approx(1.0)  # 2 - 1 + 0


def test_realised_and_forced_closed_pnl_are_apart() -> None:
    r = portfolio_report(_run())
    assert r.realized_pnl == pytest.approx(50.0)  # tp +60, sl -10
    assert r.forced_close_pnl == pytest.approx(-15.0)  # the one closed at the end


def test_peak_margin_and_worst_stop_case_with_their_times() -> None:
    r = portfolio_report(_run())
    assert (r.peak_margin, r.peak_margin_pct, r.peak_margin_ts) == (500.0, 50.0, T0 + DAY)
    assert (r.worst_stop_loss, r.worst_stop_ts) == (80.0, T0 + DAY)


def test_simultaneous_positions_and_fills() -> None:
    r = portfolio_report(_run())
    assert r.open_histogram == [2, 1, 1]  # 0 open twice, 1 once, 2 once
    assert r.fill_histogram == [2, 2]


def test_per_runner_rows_include_the_runner_that_never_traded() -> None:
    rows = {x.key: x for x in portfolio_report(_run()).runners}
    a, b, c = rows["a:X/USDT"], rows["b:Y/USDT"], rows["c:Z/USDT"]
    assert (a.trades, a.win_rate_pct, a.pnl, a.funding, a.max_margin) == (2, 50.0, 50.0, 2.0, 300.0)
    assert (b.trades, b.win_rate_pct, b.pnl, b.funding, b.max_margin) == (
        1,
        0.0,
        -15.0,
        -1.0,
        200.0,
    )
    assert (c.trades, c.pnl, c.strategy, c.symbol) == (0, 0.0, "c", "Z/USDT")


def test_per_regime_rows() -> None:
    rows = [(g.regime, g.trades, g.win_rate_pct, g.pnl) for g in portfolio_report(_run()).regimes]
    assert rows == [("bull", 2, 50.0, 50.0), ("crash", 1, 0.0, -15.0)]


def test_the_daily_curve_keeps_each_days_last_close() -> None:
    curve = portfolio_report(_run()).curve
    assert (curve.ts, curve.equity, curve.margin) == (
        [T0 + H, T0 + DAY + H],
        [1100.0, 1045.0],
        [300.0, 0.0],
    )


def test_buy_and_hold_splits_the_capital_equally() -> None:
    # 500 buys 50 X at 10 and 5 Y at 100; X doubles, Y halves: 1000, then 1000 + 250
    up = buy_and_hold(
        ["X", "Y"], 1000.0, np.array([10.0, 100.0]), np.array([[10.0, 20.0], [100.0, 50.0]])
    )
    assert (up.final_equity, up.return_pct, up.max_drawdown_pct) == (1250.0, 25.0, 0.0)
    down = buy_and_hold(
        ["X", "Y"], 1000.0, np.array([10.0, 100.0]), np.array([[10.0, 5.0], [100.0, 100.0]])
    )
    assert (down.final_equity, down.return_pct, down.max_drawdown_pct) == (750.0, -25.0, 25.0)


@given(st.lists(st.integers(0, 12), max_size=200))
def test_a_histogram_counts_every_value(values: list[int]) -> None:
    counts = histogram(np.array(values, dtype=np.int64))
    assert sum(counts) == len(values)
    assert all(counts[k] == values.count(k) for k in range(len(counts)))
    assert not counts or counts[-1] > 0  # no trailing zero bins


prices = st.floats(0.01, 1e6, allow_nan=False)


@given(st.lists(st.tuples(prices, prices, prices), min_size=1, max_size=5), st.floats(2, 1000))
def test_buy_and_hold_does_not_depend_on_the_price_scale(rows: list, scale: float) -> None:
    opens = np.array([r[0] for r in rows])
    closes = np.array([[r[1], r[2]] for r in rows])
    plain = buy_and_hold([str(i) for i in range(len(rows))], 1000.0, opens, closes)
    scaled = buy_and_hold([str(i) for i in range(len(rows))], 1000.0, opens * scale, closes * scale)
    assert scaled.return_pct == pytest.approx(plain.return_pct, rel=1e-9, abs=1e-9)
