"""The bot's answers on a paper read model written by hand: figures computed by hand from the
rows below (a 10,000 portfolio on Wednesday 2025-01-08 10:00 UTC)."""

from __future__ import annotations

import sqlite_utils

from adapters.notify import answers
from adapters.text.timefmt import parse_date
from projections.live.reader import LiveReader
from projections.paper.reader import PaperReader
from projections.paper.schema import (
    TRADE_FIELDS,
    HaltRow,
    PortfolioRow,
    PositionRow,
    create_tables,
    encode,
    upsert,
)

NOW = parse_date("2025-01-08 10:00")
KEY = "grid_atr:BTC/USDT"


def _reader(**portfolio: object) -> PaperReader:
    db = sqlite_utils.Database(memory=True)
    create_tables(db)
    row = PortfolioRow(portfolio="paper", sim_id="s", capital=10_000.0, max_margin_ratio=1.0,
                       cash=9_900.0, margin_used=190.0, last_ts=NOW, equity=10_020.0,
                       trades_closed=3)  # fmt: skip
    for name, value in portfolio.items():
        setattr(row, name, value)
    db.conn.execute(upsert("paper_portfolios", PortfolioRow, ("portfolio",)), encode(row))
    # equity at candle opens: Sunday 23:00 (the close before the week), Tuesday 23:00 (before
    # the day), now
    for when, equity in (("2025-01-05 23:00", 10_100.0), ("2025-01-07 23:00", 10_050.0)):
        db.conn.execute(
            "INSERT INTO paper_equity VALUES ('paper', ?, ?, 0)", [parse_date(when), equity]
        )
    db.conn.execute("INSERT INTO paper_equity VALUES ('paper', ?, 10020, 0)", [NOW])
    for seq, (exit_day, pnl) in enumerate((("2025-01-03", 7.0), ("2025-01-06 12:00", 40.0),
                                           ("2025-01-08 05:00", -25.5)), 1):  # fmt: skip
        _trade(db, seq, parse_date(exit_day), pnl)
    return PaperReader(db)


def _trade(db: sqlite_utils.Database, seq: int, exit_ts: int, pnl: float) -> None:
    values = dict.fromkeys(TRADE_FIELDS, 0.0) | {
        "strategy": "grid_atr", "symbol": "BTC/USDT", "side": 1, "entry_ts": exit_ts - 1,
        "exit_ts": exit_ts, "levels": 1, "pnl": pnl, "reason": "tp",
    }  # fmt: skip
    columns = ("portfolio", "seq", "key", *TRADE_FIELDS)
    db.conn.execute(
        f"INSERT INTO paper_trades ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        ["paper", seq, KEY, *(values[f] for f in TRADE_FIELDS)],
    )


def _live(reader: PaperReader) -> LiveReader:
    return LiveReader(reader.db)  # no live tables: no account


def test_the_week_starts_on_monday_and_the_day_at_midnight_utc() -> None:
    assert answers.period_start(NOW, "day") == parse_date("2025-01-08")
    assert answers.period_start(NOW, "week") == parse_date("2025-01-06")  # a Monday
    monday = parse_date("2025-01-06 00:00")
    assert answers.period_start(monday, "week") == monday


def test_pnl_of_the_day_is_the_equity_change_since_the_close_before_midnight() -> None:
    text = answers.pnl(_reader(), "paper", "day")
    # 10,020 - 10,050 (Tuesday 23:00); one trade closed today, lost
    assert text == (
        "<b>paper</b> P&amp;L today (since 2025-01-08 00:00 UTC): -30.00\n"
        "realised -25.50 over 1 trade(s) closed (0 won) · equity 10,020.00"
    )


def test_pnl_of_the_week_counts_from_monday() -> None:
    text = answers.pnl(_reader(), "paper", "week")
    # 10,020 - 10,100 (Sunday 23:00); +40 and -25.5 closed since Monday, the +7 before it
    assert "this week (since 2025-01-06 00:00 UTC): -80.00\n" in text
    assert "realised +14.50 over 2 trade(s) closed (1 won)" in text


def test_pnl_of_a_portfolio_started_within_the_period_counts_from_its_capital() -> None:
    reader = _reader(equity=10_020.0)
    reader.db.execute("DELETE FROM paper_equity WHERE ts < ?", [parse_date("2025-01-08")])
    assert "today (since 2025-01-08 00:00 UTC): +20.00" in answers.pnl(reader, "paper", "day")


def test_positions_show_the_stop_and_tp_distances_from_the_last_price() -> None:
    reader = _reader()
    position = PositionRow(portfolio="paper", key=KEY, symbol="BTC/USDT", side=1,
                           levels={"0": (100.0, 1.0, NOW), "1": (90.0, 1.0, NOW)}, qty=2.0,
                           avg_entry=95.0, cost=190.0, tp=110.0, sl=80.75)  # fmt: skip
    reader.db.conn.execute(
        upsert("paper_positions", PositionRow, ("portfolio", "key")), encode(position)
    )
    reader.db.execute("INSERT INTO paper_marks VALUES ('paper', 'BTC/USDT', 100.0, ?)", [NOW])
    # unrealised 2 x 100 - 190 = +10; TP (110 - 100) / 100 = 10 %, stop (100 - 80.75) / 100
    assert answers.positions(reader, "paper") == (
        "<b>paper</b>: 1 open position(s)\n"
        "<b>grid_atr:BTC/USDT</b> long 2 level(s) avg 95 · last 100 · unrealised +10.00\n"
        "  TP 110 (10.00 % away) · stop 80.75 (19.25 % away)"
    )


def test_no_open_position_is_said() -> None:
    assert answers.positions(_reader(), "paper") == "<b>paper</b>: no open position"


def test_kill_switch_armed_and_tripped_in_the_journal_s_sentences() -> None:
    assert answers.kill_switch(_reader(), "paper") == (
        "<b>paper</b>: kill switch armed, nothing tripped"
    )
    figures = {"drawdown_percent": 31.4, "threshold_percent": 30.0}
    when = parse_date("2025-01-08 09:00")
    tripped = _reader(kill_tripped=1, kill_reason="drawdown", kill_ts=when, kill_figures=figures)
    assert answers.kill_switch(tripped, "paper") == (
        "<b>paper</b>:\nkill switch tripped (global): equity fell 31.40 % from its peak "
        "(limit 30.00 %) at 2025-01-08 09:00 UTC"
    )


def test_status_sums_up_equity_today_positions_kill_switch_and_entries() -> None:
    reader = _reader()
    halt = HaltRow(
        portfolio="paper", halted_ts=parse_date("2025-01-08 09:00"), halted_by="telegram"
    )
    reader.db.conn.execute(upsert("paper_halts", HaltRow, ("portfolio",)), encode(halt))
    assert answers.status(reader, _live(reader), "paper") == (
        "<b>paper</b> at 2025-01-08 10:00 UTC\n"
        "equity 10,020.00 (P&amp;L +20.00 since the start, +0.20 %)\n"
        "today -30.00 · cash 9,900.00 · margin in use 190.00\n"
        "0 open position(s) · 3 trades closed\n"
        "kill switch: armed\n"
        "new entries: STOPPED by telegram since 2025-01-08 09:00 UTC"
    )


def test_an_unknown_portfolio_is_named() -> None:
    reader = _reader()
    assert answers.status(reader, _live(reader), "other") == "no paper portfolio 'other' yet"
    assert answers.pnl(reader, "other", "day") == "no paper portfolio 'other' yet"
