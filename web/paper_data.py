"""What the paper-trading pages show, computed from the paper read model (``PaperReader``) and
the research results (for grades): scanner rows, a runner's detail, the kill-switch panel,
the equity curve downsampled for drawing, and pages of closed trades."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlite_utils

from projections.paper import PaperReader
from web import research_data

Row = dict[str, Any]
DEFAULT_PORTFOLIO = "paper"
MAX_POINTS = 800  # drawn points of a curve: a year of 1h candles is 8,760
TRADES_PER_PAGE = 50
# scanner order after "has a position": what needs attention first
_STATUS_ORDER = {"tripped": 0, "blocked": 1, "active": 2, "disabled": 3, "not trading": 4}


def portfolio_names(db: sqlite_utils.Database) -> list[str]:
    return [p["portfolio"] for p in PaperReader(db).portfolios()]


def marks(db: sqlite_utils.Database, portfolio: str) -> dict[str, tuple[float, int]]:
    """symbol -> (last price, its candle time) seen by the portfolio."""
    if "paper_marks" not in db.table_names():
        return {}
    rows = db.execute(
        "SELECT symbol, price, ts FROM paper_marks WHERE portfolio = ?", [portfolio]
    ).fetchall()
    return {symbol: (price, ts) for symbol, price, ts in rows}


def runner_status(runner: Row, portfolio: Row) -> tuple[str, str]:
    """(status, why): tripped beats blocked beats active; a disabled runner trades nothing."""
    if not runner["enabled"]:
        return "disabled", "not enabled by the config any more"
    if runner["trip_reason"]:
        return "tripped", runner["trip_reason"].replace("_", " ")
    if portfolio.get("kill_tripped"):
        return "tripped", f"global: {(portfolio['kill_reason'] or '').replace('_', ' ')}"
    blocked = runner.get("blocked") or {}
    if blocked:
        return "blocked", ", ".join(sorted(blocked))
    return "active", ""


def levels_max(runner: Row | None) -> int | None:
    params = (runner or {}).get("params") or {}
    value = params.get("num_levels")
    return int(value) if isinstance(value, int | float) else None


def scanner_rows(db: sqlite_utils.Database, portfolio: str) -> list[Row]:
    """One row per runner, plus the latest research result of every pair that does not trade;
    rows holding a position first."""
    reader = PaperReader(db)
    pf = reader.portfolio(portfolio) or {}
    positions = {p["key"]: p for p in reader.positions(portfolio)}
    prices = marks(db, portfolio)
    results = {(r["strategy"], r["symbol"]): r for r in research_data.list_runs(db)}
    rows = [
        _scanner_row(r, positions.get(r["key"]), pf, prices, results.pop(_pair(r), None))
        for r in reader.runners(portfolio)
    ]
    rows += [_research_row(r, prices) for r in results.values()]
    rows.sort(key=lambda r: (not r["position"], _STATUS_ORDER[r["status"]], r["key"]))
    return rows


def _pair(runner: Row) -> tuple[str, str]:
    return runner["strategy"], runner["symbol"]


def _scanner_row(runner: Row, position: Row | None, pf: Row, prices, result: Row | None) -> Row:
    status, why = runner_status(runner, pf)
    price, price_ts = prices.get(runner["symbol"], (None, None))
    return {
        "key": runner["key"],
        "strategy": runner["strategy"],
        "symbol": runner["symbol"],
        "runner": True,
        "price": price,
        "price_ts": price_ts,
        "position": position,
        "side": position["side"] if position else None,
        "filled": len(position["levels"]) if position else 0,
        "levels_max": levels_max(runner),
        "tp_distance_pct": position["tp_distance_pct"] if position else None,
        "sl_distance_pct": position["sl_distance_pct"] if position else None,
        "unrealized": position["unrealized"] if position else None,
        "grade": result["grade"] if result else None,
        "run_id": result["run_id"] if result else None,
        "status": status,
        "why": why,
    }


def _research_row(result: Row, prices) -> Row:
    price, price_ts = prices.get(result["symbol"], (None, None))
    key = f"{result['strategy']}:{result['symbol']}"
    return {
        "key": key,
        "strategy": result["strategy"],
        "symbol": result["symbol"],
        "runner": False,
        "price": price,
        "price_ts": price_ts,
        "position": None,
        "side": None,
        "filled": 0,
        "levels_max": None,
        "tp_distance_pct": None,
        "sl_distance_pct": None,
        "unrealized": None,
        "grade": result["grade"],
        "run_id": result["run_id"],
        "status": "not trading",
        "why": "no parameters applied for paper trading",
    }


def runner_detail(db: sqlite_utils.Database, portfolio: str, key: str) -> Row | None:
    """A runner with its open position (levels in fill order), status and limits; None when the
    portfolio has no such runner."""
    reader = PaperReader(db)
    pf = reader.portfolio(portfolio)
    runner = next((r for r in reader.runners(portfolio) if r["key"] == key), None)
    if pf is None or runner is None:
        return None
    position = next((p for p in reader.positions(portfolio) if p["key"] == key), None)
    status, why = runner_status(runner, pf)
    price, price_ts = marks(db, portfolio).get(runner["symbol"], (None, None))
    return {
        "runner": runner,
        "position": position,
        "levels": level_rows(position) if position else [],
        "levels_max": levels_max(runner),
        "status": status,
        "why": why,
        "price": price,
        "price_ts": price_ts,
    }


def level_rows(position: Row) -> list[Row]:
    """The filled levels of a position ({level: [price, qty, ts]}) in level order."""
    rows = [
        {"level": int(level), "price": price, "qty": qty, "ts": ts}
        for level, (price, qty, ts) in position["levels"].items()
    ]
    return sorted(rows, key=lambda r: r["level"])


def positions(db: sqlite_utils.Database, portfolio: str) -> list[Row]:
    reader = PaperReader(db)
    limits = {r["key"]: levels_max(r) for r in reader.runners(portfolio)}
    return [
        p | {"level_rows": level_rows(p), "levels_max": limits.get(p["key"])}
        for p in reader.positions(portfolio)
    ]


def kill_switch(db: sqlite_utils.Database, portfolio: str) -> Row | None:
    return PaperReader(db).kill_switch(portfolio)


# -- equity ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EquityView:
    """The curves to draw (downsampled) and the figures of the whole history."""

    ts: list[int]
    equity: list[float]
    realised: list[float]
    dd_ts: list[int]
    drawdown_pct: list[float]
    points: int  # candles in the full history
    max_drawdown_pct: float | None


def equity_view(
    db: sqlite_utils.Database, portfolio: str, max_points: int = MAX_POINTS
) -> EquityView:
    curve = PaperReader(db).equity(portfolio)
    if len(curve) == 0:
        return EquityView([], [], [], [], [], 0, None)
    drawdown = drawdown_pct(curve.equity)
    keep = downsample(curve.equity, max_points)
    keep_dd = downsample(drawdown, max_points)
    return EquityView(
        ts=curve.ts[keep].tolist(),
        equity=curve.equity[keep].tolist(),
        realised=curve.cash[keep].tolist(),
        dd_ts=curve.ts[keep_dd].tolist(),
        drawdown_pct=drawdown[keep_dd].tolist(),
        points=len(curve),
        max_drawdown_pct=float(drawdown.min()),
    )


def drawdown_pct(equity: np.ndarray) -> np.ndarray:
    """Percent below the running peak (0 at a new high, negative below it)."""
    peak = np.maximum.accumulate(equity)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(peak > 0, (equity / peak - 1.0) * 100.0, 0.0)
    return out


def downsample(values: np.ndarray, max_points: int) -> np.ndarray:
    """Indices (sorted) of at most ``max_points`` points that keep the curve's shape: the
    lowest and the highest point of each of ``max_points // 2`` equal buckets, so no peak or
    trough (the drawdown's figures) disappears from the drawing."""
    n = len(values)
    if n <= max_points:
        return np.arange(n)
    buckets = max(1, max_points // 2)
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    keep = np.empty(2 * buckets, np.int64)
    for b in range(buckets):
        lo, hi = edges[b], edges[b + 1]
        chunk = values[lo:hi]
        keep[2 * b] = lo + int(np.argmin(chunk))
        keep[2 * b + 1] = lo + int(np.argmax(chunk))
    return np.unique(keep)


def trades_page(db: sqlite_utils.Database, portfolio: str, page: int) -> Row:
    """Closed trades, newest first, ``TRADES_PER_PAGE`` per page (pages count from 1)."""
    total = PaperReader(db).portfolio(portfolio) or {}
    count = int(total.get("trades_closed") or 0)
    pages = max(1, math.ceil(count / TRADES_PER_PAGE))
    offset = (page - 1) * TRADES_PER_PAGE
    rows = PaperReader(db).trades(portfolio, limit=TRADES_PER_PAGE, offset=offset)
    return {"rows": rows, "page": page, "pages": pages, "count": count}
