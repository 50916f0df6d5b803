"""The figures of the Telegram reports, read from the read models: the heartbeat (now) and the
daily and weekly reports (a past period), as typed structs that ``projections.notify_reports``
words. Nothing here sends or formats.

Times are UTC epoch ms. A paper portfolio's equity curve holds one point per candle, timed by
the candle's open and valued at its close, so the equity *at* an instant ``t`` is the last point
timed before ``t`` (the 23:00 candle's point is the equity at midnight), and a period
``[start, end)`` owns the points timed inside it.
"""

from __future__ import annotations

import msgspec
import numpy as np
import sqlite_utils

from domain.market import timeframe_ms
from domain.metrics import DAY_MS, max_drawdown_pct
from domain.trades import Trade
from domain.watchdog import is_stale
from projections.live.reader import AccountView, LiveReader
from projections.market_data import MarketDataReader
from projections.paper.reader import EquityCurve, PaperReader


class Holding(msgspec.Struct, frozen=True):
    """An open grid or position: its runner, symbol and side (+1 long, -1 short)."""

    key: str
    symbol: str
    side: int


class Trip(msgspec.Struct, frozen=True):
    """A kill switch tripped now: ``scope`` is "global" or the runner's key."""

    scope: str
    reason: str


class Freshness(msgspec.Struct, frozen=True):
    """The newest candle of a market a runner trades: ``age_ms`` since it closed (None: no
    candle stored), ``stale`` by ``domain.watchdog.is_stale``."""

    market: str
    age_ms: int | None
    stale: bool


class PaperNow(msgspec.Struct, frozen=True):
    """A paper portfolio now: ``day_pnl`` is the equity's change since 00:00 UTC."""

    portfolio: str
    equity: float
    day_pnl: float
    holdings: list[Holding]
    trips: list[Trip]
    freshness: list[Freshness]


class LiveNow(msgspec.Struct, frozen=True):
    """An exchange account now, as its last reconciliation left it (``balance_ts`` 0: never
    refreshed); ``unprotected`` and ``halted`` are symbols."""

    account: str
    venue: str
    balance: float
    free: float
    balance_ts: int
    positions: int
    unprotected: list[str]
    halted: list[str]


class Heartbeat(msgspec.Struct, frozen=True):
    ts: int
    paper: list[PaperNow]
    live: list[LiveNow]


class TradeBrief(msgspec.Struct, frozen=True):
    symbol: str
    side: int
    pnl: float
    reason: str


class PaperPeriod(msgspec.Struct, frozen=True):
    """A paper portfolio over a period: the trades closed in it (``funding`` is theirs,
    positive when paid), its equity at both ends, the deepest fall from a peak within it (in %
    of the peak), and the kill switches tripped in it (the journal's sentences)."""

    portfolio: str
    trades: int
    won: int
    lost: int
    realised: float
    funding: float
    equity_start: float
    equity_end: float
    max_drawdown_pct: float
    best: TradeBrief | None
    worst: TradeBrief | None
    trips: list[str]


class PeriodFigures(msgspec.Struct, frozen=True):
    start: int
    end: int
    paper: list[PaperPeriod]


def heartbeat(db: sqlite_utils.Database, now: int) -> Heartbeat:
    paper, market = PaperReader(db), MarketDataReader(db)
    day_start = now - now % DAY_MS
    portfolios = [_paper_now(paper, market, row, day_start, now) for row in paper.portfolios()]
    live = [_live_now(view) for view in LiveReader(db).views()]
    return Heartbeat(ts=now, paper=portfolios, live=live)


def period(db: sqlite_utils.Database, start: int, end: int) -> PeriodFigures:
    paper = PaperReader(db)
    return PeriodFigures(
        start, end, [_paper_period(paper, row, start, end) for row in paper.portfolios()]
    )


def equity_at(curve: EquityCurve, t: int, capital: float) -> float:
    """The equity at instant ``t``: the last point timed before it (``capital`` when none)."""
    i = int(np.searchsorted(curve.ts, t, side="left"))
    return float(curve.equity[i - 1]) if i else capital


def _paper_now(
    paper: PaperReader, market: MarketDataReader, row: dict, day_start: int, now: int
) -> PaperNow:
    name = row["portfolio"]
    opening = equity_at(paper.equity(name), day_start, row["capital"])
    return PaperNow(
        portfolio=name,
        equity=row["equity"],
        day_pnl=row["equity"] - opening,
        holdings=[Holding(p["key"], p["symbol"], p["side"]) for p in paper.positions(name)],
        trips=_trips(row, paper.runners(name)),
        freshness=_freshness(paper, market, row, now),
    )


def _trips(row: dict, runners: list[dict]) -> list[Trip]:
    trips = [Trip("global", row["kill_reason"])] if row["kill_tripped"] else []
    return trips + [Trip(r["key"], r["trip_reason"]) for r in runners if r["trip_reason"]]


def _freshness(
    paper: PaperReader, market: MarketDataReader, row: dict, now: int
) -> list[Freshness]:
    exchange = row["exchange"]
    if exchange is None:  # no candle traded yet: nothing to be fresh about
        return []
    runners = [r for r in paper.runners(row["portfolio"]) if r["enabled"]]
    markets = sorted({(r["symbol"], r["params"]["timeframe"]) for r in runners})
    found = []
    for symbol, timeframe in markets:
        period_ms = timeframe_ms(timeframe)
        info = market.find(exchange, symbol, timeframe)
        last = None if info is None else info.last_ts
        age = None if last is None else now - last - period_ms
        found.append(Freshness(f"{symbol} {timeframe}", age, is_stale(last, period_ms, now)))
    return found


def _live_now(view: AccountView) -> LiveNow:
    account = view.account
    return LiveNow(
        account=account.account,
        venue=account.venue,
        balance=account.balance_total,
        free=account.balance_free,
        balance_ts=account.balance_ts,
        positions=len(view.positions),
        unprotected=[p.symbol for p in view.unprotected],
        halted=[h.symbol for h in view.halted],
    )


def _paper_period(paper: PaperReader, row: dict, start: int, end: int) -> PaperPeriod:
    name, capital = row["portfolio"], row["capital"]
    trades = [t for t in paper.closed_trades(name) if start <= t.exit_ts < end]
    curve = paper.equity(name)
    inside = curve.equity[(curve.ts >= start) & (curve.ts < end)]
    opening = equity_at(curve, start, capital)
    ranked = sorted(trades, key=lambda t: t.pnl)
    return PaperPeriod(
        portfolio=name,
        trades=len(trades),
        won=sum(t.pnl > 0 for t in trades),
        lost=sum(t.pnl < 0 for t in trades),
        realised=sum(t.pnl for t in trades),
        funding=sum(t.funding for t in trades),
        equity_start=opening,
        equity_end=equity_at(curve, end, capital),
        max_drawdown_pct=max_drawdown_pct(np.concatenate(([opening], inside))),
        best=_brief(ranked[-1]) if ranked else None,
        worst=_brief(ranked[0]) if ranked else None,
        trips=[e["text"] for e in paper.journal_of_kind(name, "KillSwitchTripped", start, end)],
    )


def _brief(trade: Trade) -> TradeBrief:
    return TradeBrief(trade.symbol, trade.side, trade.pnl, str(trade.reason))
