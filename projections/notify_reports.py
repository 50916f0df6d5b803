"""The Telegram reports' wording (pure): the heartbeat and the daily and weekly reports, from
the figures of ``projections.report_figures``.

HTML for the Bot API like ``projections.notifier`` (names escaped, numbers with its ``num`` and
``signed``); a home with nothing trading gets one short line, not an error.
"""

from __future__ import annotations

from datetime import UTC, datetime

from domain.metrics import DAY_MS
from projections.notifier import duration, escape, funding, money, side_name, signed, when
from projections.report_figures import (
    Freshness,
    Heartbeat,
    LiveNow,
    PaperNow,
    PaperPeriod,
    PeriodFigures,
    TradeBrief,
    Trip,
)

NOTHING = "nothing trading (no paper portfolio, no live account)"


def heartbeat_text(figures: Heartbeat) -> str:
    head = f"💓 <b>heartbeat</b> {when(figures.ts)} UTC"
    if not figures.paper and not figures.live:
        return f"{head}: {NOTHING}"
    blocks = [_paper_now(p) for p in figures.paper] + [_live_now(a) for a in figures.live]
    return "\n\n".join([head, *blocks])


def daily_text(figures: PeriodFigures) -> str:
    return _period_text(f"📅 <b>daily report</b> {_day(figures.start)}", figures)


def weekly_text(figures: PeriodFigures) -> str:
    last_day = _day(figures.end - DAY_MS)
    return _period_text(f"📆 <b>weekly report</b> {_day(figures.start)} to {last_day}", figures)


def _period_text(head: str, figures: PeriodFigures) -> str:
    if not figures.paper:
        return f"{head}: {NOTHING}"
    return "\n\n".join([head, *(_paper_period(p) for p in figures.paper)])


def _paper_now(p: PaperNow) -> str:
    holdings = ", ".join(f"{escape(h.symbol)} {side_name(h.side)}" for h in p.holdings)
    return "\n".join(
        [
            f"<b>{escape(p.portfolio)}</b> equity {money(p.equity)}, today {signed(p.day_pnl)}",
            f"open: {len(p.holdings)}" + (f" ({holdings})" if holdings else ""),
            f"kill switch: {_trips(p.trips)}",
            *([f"data: {'; '.join(_fresh(f) for f in p.freshness)}"] if p.freshness else []),
        ]
    )


def _trips(trips: list[Trip]) -> str:
    if not trips:
        return "armed"
    return "TRIPPED " + ", ".join(f"{escape(t.scope)} ({escape(t.reason)})" for t in trips)


def _fresh(f: Freshness) -> str:
    age = "no candles" if f.age_ms is None else f"{duration(f.age_ms)} old"
    return f"{escape(f.market)} {age}{' ⚠️ STALE' if f.stale else ''}"


def _live_now(a: LiveNow) -> str:
    balance = (
        f"balance {money(a.balance)} (free {money(a.free)})"
        if a.balance_ts
        else "balance never refreshed"
    )
    lines = [
        f"<b>account {escape(a.account)}</b> on {escape(a.venue)}: {balance}, "
        f"{a.positions} position(s)"
    ]
    if a.unprotected:
        lines.append(f"⚠️ NO STOP: {escape(', '.join(a.unprotected))}")
    if a.halted:
        lines.append(f"⚠️ halted: {escape(', '.join(a.halted))}")
    return "\n".join(lines)


def _paper_period(p: PaperPeriod) -> str:
    change = (p.equity_end - p.equity_start) / p.equity_start * 100 if p.equity_start else 0.0
    lines = [
        f"<b>{escape(p.portfolio)}</b> trades closed: {p.trades} ({p.won} won, {p.lost} lost), "
        f"P&amp;L {signed(p.realised)}",
        funding(p.funding),
        f"equity {money(p.equity_start)} → {money(p.equity_end)} ({signed(change)} %), "
        f"max drawdown {p.max_drawdown_pct:.2f} %",
    ]
    if p.best is not None and p.worst is not None:
        lines.append(f"best {_trade(p.best)}; worst {_trade(p.worst)}")
    trips = "; ".join(escape(t) for t in p.trips) if p.trips else "none"
    return "\n".join([*lines, f"kill switch trips: {trips}"])


def _trade(t: TradeBrief) -> str:
    return f"{escape(t.symbol)} {side_name(t.side)} {signed(t.pnl)} ({escape(t.reason)})"


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d")
