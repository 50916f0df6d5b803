"""The bot's answers, read from the read models (``projections.paper.reader``,
``projections.live.reader``), never from the aggregates: escaped HTML for the Bot API, numbers
for phones (``projections.notifier.num``/``signed``).

Periods ("today", "this week") are UTC days and weeks (from Monday) of the portfolio's own clock,
its last candle: a replay is answered as a live run would have been then.
"""

from __future__ import annotations

import msgspec
import numpy as np

from adapters.text.timefmt import fmt_ts
from domain.simulator import DAY_MS
from projections.live.reader import AccountView, LiveReader
from projections.notifier import escape, money, num, signed
from projections.paper import journal
from projections.paper.reader import PaperReader
from projections.paper.schema import Row

PERIODS = ("day", "week")
_THURSDAY = 3  # 1970-01-01, day 0 of the epoch, was a Thursday: Monday is 3 days before


class PeriodPnl(msgspec.Struct, frozen=True):
    """P&L of a period: ``change`` of equity (the equity curve: realised and unrealised) since
    the close before ``start``, and the trades closed in it (their realised P&L)."""

    start: int
    change: float
    realised: float
    trades: int
    won: int


def period_start(ts: int, period: str) -> int:
    """00:00 UTC of the day (``day``) or of the Monday (``week``) holding ``ts``."""
    day = ts // DAY_MS
    if period == "week":
        day -= (day + _THURSDAY) % 7
    return day * DAY_MS


def period_pnl(reader: PaperReader, portfolio: Row, period: str) -> PeriodPnl:
    name = portfolio["portfolio"]
    start = period_start(portfolio["last_ts"], period)
    curve = reader.equity(name)
    before = int(np.searchsorted(curve.ts, start)) - 1  # the last close before the period
    baseline = float(curve.equity[before]) if before >= 0 else portfolio["capital"]
    closed = [t for t in reader.closed_trades(name) if t.exit_ts >= start]
    return PeriodPnl(
        start=start,
        change=portfolio["equity"] - baseline,
        realised=sum(t.pnl for t in closed),
        trades=len(closed),
        won=sum(1 for t in closed if t.pnl > 0),
    )


def status(paper: PaperReader, live: LiveReader, name: str) -> str:
    pf = paper.portfolio(name)
    if pf is None:
        return no_portfolio(name)
    total = pf["equity"] - pf["capital"]
    today = period_pnl(paper, pf, "day")
    lines = [
        f"<b>{escape(name)}</b> at {fmt_ts(pf['last_ts'] or None)} UTC",
        f"equity {money(pf['equity'])} (P&amp;L {signed(total)} since the start, "
        f"{signed(total / pf['capital'] * 100)} %)",
        f"today {signed(today.change)} · cash {money(pf['cash'])} · margin in use "
        f"{money(pf['margin_used'])}",
        f"{len(paper.positions(name))} open position(s) · {pf['trades_closed']} trades closed",
        f"kill switch: {'TRIPPED' if _tripped(paper, name) else 'armed'}",
        f"new entries: {_entries(pf)}",
    ]
    return "\n".join(lines + [_account(view) for view in live.views()])


def positions(paper: PaperReader, name: str) -> str:
    if paper.portfolio(name) is None:
        return no_portfolio(name)
    rows = paper.positions(name)
    if not rows:
        return f"<b>{escape(name)}</b>: no open position"
    return "\n".join(
        [f"<b>{escape(name)}</b>: {len(rows)} open position(s)"] + [_position(p) for p in rows]
    )


def pnl(paper: PaperReader, name: str, period: str) -> str:
    pf = paper.portfolio(name)
    if pf is None:
        return no_portfolio(name)
    found = period_pnl(paper, pf, period)
    when = "today" if period == "day" else "this week"
    return (
        f"<b>{escape(name)}</b> P&amp;L {when} (since {fmt_ts(found.start)} UTC): "
        f"{signed(found.change)}\n"
        f"realised {signed(found.realised)} over {found.trades} trade(s) closed "
        f"({found.won} won) · equity {money(pf['equity'])}"
    )


def kill_switch(paper: PaperReader, name: str) -> str:
    """State and reason of every switch, in the journal's sentences."""
    state = paper.kill_switch(name)
    if state is None:
        return no_portfolio(name)
    glob, runners = state["global"], state["runners"]
    if not glob["tripped"] and not runners:
        return f"<b>{escape(name)}</b>: kill switch armed, nothing tripped"
    lines = [f"<b>{escape(name)}</b>:"]
    if glob["tripped"]:
        lines.append(_trip("global", glob))
    lines += [_trip(r["key"], r) for r in runners]
    return "\n".join(lines)


def no_portfolio(name: str) -> str:
    return f"no paper portfolio {escape(repr(name))} yet"


def _tripped(paper: PaperReader, name: str) -> bool:
    state = paper.kill_switch(name)
    return state is not None and (state["global"]["tripped"] or bool(state["runners"]))


def _trip(scope: str, trip: Row) -> str:
    line = journal.kill_switch_tripped(scope, trip["reason"], trip["figures"])
    return f"{escape(line)} at {fmt_ts(trip['ts'])} UTC"


def _entries(pf: Row) -> str:
    if not pf["entries_halted"]:
        return "allowed"
    return f"STOPPED by {escape(pf['halted_by'])} since {fmt_ts(pf['halted_ts'])} UTC"


def _position(p: Row) -> str:
    side = "long" if p["side"] > 0 else "short"
    levels = len(p["levels"])
    text = f"<b>{escape(p['key'])}</b> {side} {levels} level(s) avg {num(p['avg_entry'])}"
    if p["mark"] is None:
        return text + " (no price yet)"
    return (
        f"{text} · last {num(p['mark'])} · unrealised {signed(p['unrealized'])}\n"
        f"  TP {_target(p['tp'], p['tp_distance_pct'])} · stop "
        f"{_target(p['stop'], p['sl_distance_pct'])}"
    )


def _target(price: float | None, distance_pct: float | None) -> str:
    """A TP or stop and how far the price must go to reach it (% of the last price)."""
    if price is None or distance_pct is None:
        return "none"
    return f"{num(price)} ({distance_pct:.2f} % away)"


def _account(view: AccountView) -> str:
    a = view.account
    halted = ", ".join(h.symbol for h in view.halted)
    return (
        f"account {escape(a.account)} ({escape(a.venue)}): balance {money(a.balance_total)}"
        f", free {money(a.balance_free)}, {len(view.positions)} position(s)"
        + (f", halted: {escape(halted)}" if halted else "")
    )
