"""Is the engine healthy? The figures of ``/healthz``, ``/metrics`` and ``status``, read from the
read models (the heartbeat's figures of ``projections.report_figures``) plus what only the
running processes know (given: is a writer online, how far each projector lags), and one rule
that turns them into ok / degraded / down with its reasons.

The rule, most serious first:
- down: a live position without an exchange-side stop (the one thing that must never last);
- degraded: no trading process running while a portfolio exists, a market stale while one runs
  (its newest candle closed more than two periods ago), a tripped kill switch, a symbol halted by
  reconciliation, a read model more than ``LAG_LIMIT`` events behind the store;
- ok otherwise (a home with nothing trading yet is ok: there is nothing to be wrong).
"""

from __future__ import annotations

from typing import Literal

import msgspec
import sqlite_utils

from projections.report_figures import Heartbeat, heartbeat

Status = Literal["ok", "degraded", "down"]
LAG_LIMIT = 10_000  # events a read model may trail the store by before it is news
_SEVERITY: dict[Status, int] = {"ok": 0, "degraded": 1, "down": 2}


class Processes(msgspec.Struct, frozen=True):
    """What the read models cannot say: the portfolios a process is writing now (it holds their
    writer lock) and each projector's lag behind the store, in events."""

    running: list[str]
    projector_lag: dict[str, int]


class PortfolioCounts(msgspec.Struct, frozen=True):
    portfolio: str
    candles: int  # candle times processed (points of its equity curve)
    margin_in_use: float


class HealthFigures(msgspec.Struct, frozen=True):
    now: int
    processes: Processes
    heartbeat: Heartbeat
    portfolios: list[PortfolioCounts]
    orders: dict[str, dict[str, int]]  # account -> order status -> count (open or unanswered)


class Health(msgspec.Struct, frozen=True):
    status: Status
    reasons: list[str]
    figures: HealthFigures


def gather(db: sqlite_utils.Database, now: int, processes: Processes) -> HealthFigures:
    return HealthFigures(
        now=now,
        processes=processes,
        heartbeat=heartbeat(db, now),
        portfolios=_counts(db),
        orders=_orders(db),
    )


def assess(figures: HealthFigures) -> Health:
    found: list[tuple[Status, str]] = []
    for account in figures.heartbeat.live:
        for symbol in account.unprotected:
            found.append(("down", f"{account.account}: {symbol} has no stop on the venue"))
        for symbol in account.halted:
            found.append(("degraded", f"{account.account}: {symbol} halted by reconciliation"))
    running = set(figures.processes.running)
    for paper in figures.heartbeat.paper:
        name = paper.portfolio
        if name not in running:
            found.append(("degraded", f"{name}: no trading process is running"))
        found += [("degraded", f"{name}: {s.market} is stale") for s in paper.freshness
                  if s.stale and name in running]  # fmt: skip
        found += [("degraded", f"{name}: kill switch tripped ({t.scope})") for t in paper.trips]
    for projector, lag in sorted(figures.processes.projector_lag.items()):
        if lag > LAG_LIMIT:
            found.append(("degraded", f"read model {projector} is {lag:,} events behind"))
    status: Status = max((s for s, _ in found), key=_SEVERITY.__getitem__, default="ok")
    return Health(status, [reason for _, reason in found], figures)


def _counts(db: sqlite_utils.Database) -> list[PortfolioCounts]:
    if "paper_portfolios" not in db.table_names():
        return []
    rows = db.execute(
        "SELECT p.portfolio, COUNT(e.ts), p.margin_used FROM paper_portfolios p "
        "LEFT JOIN paper_equity e ON e.portfolio = p.portfolio "
        "GROUP BY p.portfolio ORDER BY p.portfolio"
    ).fetchall()
    return [PortfolioCounts(name, int(n), float(margin or 0.0)) for name, n, margin in rows]


def _orders(db: sqlite_utils.Database) -> dict[str, dict[str, int]]:
    if "live_orders" not in db.table_names():
        return {}
    found: dict[str, dict[str, int]] = {}
    for account, status, n in db.execute(
        "SELECT account, status, COUNT(*) FROM live_orders GROUP BY account, status"
    ):
        found.setdefault(account, {})[status] = int(n)
    return found
