"""What the paper-trading pages show, computed from the paper read model (``PaperReader``) and
the research results (for grades): scanner rows, a runner's detail, the kill-switch panel,
the equity curve downsampled for drawing, and pages of closed trades."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlite_utils

from adapters.services.backtest import BacktestInputError, BacktestRequest, strategy_params
from adapters.services.runner_specs import applied_run
from adapters.services.traded_contract import VenueContracts
from config.settings import Settings
from domain.research import earlier_rule
from projections.market_data import MarketDataReader
from projections.paper.reader import PaperReader, distance_pct
from projections.research import ResearchReader
from web.plan_view import NextCandle, PlanCache

Row = dict[str, Any]
DEFAULT_PORTFOLIO = "paper"
MAX_POINTS = 800  # drawn points of a curve: a year of 1h candles is 8,760
TRADES_PER_PAGE = 10  # the Equity page stays light (issue 18: under 60 KB); older ones page
# scanner order after "has a position": what needs attention first
_STATUS_ORDER = {"tripped": 0, "blocked": 1, "active": 2, "disabled": 3, "not trading": 4}
_GRADE_ORDER = {grade: i for i, grade in enumerate("ABCDF")}


def portfolio_names(db: sqlite_utils.Database) -> list[str]:
    return [p["portfolio"] for p in PaperReader(db).portfolios()]


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


@dataclass(frozen=True, slots=True)
class Markets:
    """What the scanner needs beyond the read DB to read the plans: the research exchange (a
    portfolio's runners use the one it trades, ``ExchangeSelected``), the config (parameters
    of pairs that only have research results) and the plan cache."""

    plans: PlanCache
    exchange: str
    settings: Settings

    def next_candle(
        self,
        db: sqlite_utils.Database,
        strategy: str,
        symbol: str,
        params: Row,
        end_ms: int | None = None,
        exchange: str | None = None,
    ) -> NextCandle | None:
        reader = MarketDataReader(db)
        venue = exchange or self.exchange
        contracts = VenueContracts.of(self.settings)
        return self.plans.next_candle(reader, contracts, venue, strategy, symbol, params, end_ms)

    def runner_next_candle(
        self, db: sqlite_utils.Database, pf: Row, runner: Row
    ) -> NextCandle | None:
        """The plan of a portfolio's runner after the last candle the portfolio processed."""
        params = runner.get("params") or {}
        return self.next_candle(
            db, runner["strategy"], runner["symbol"], params, *scanner_clock(pf)
        )

    def research_params(self, result: Row) -> Row:
        """The config's parameters of the pair with the run's best ones over them."""
        request = BacktestRequest(result["strategy"], result["symbol"])
        try:
            params = strategy_params(self.settings, request)
        except BacktestInputError:
            params = {}
        return params | (result.get("best_params") or {}) | {"timeframe": result["timeframe"]}


def scanner_rows(db: sqlite_utils.Database, portfolio: str, markets: Markets) -> list[Row]:
    """One row per runner, plus the latest research result of every pair that does not trade;
    rows holding a position first, then what needs attention, then the best grades (grades of
    the earlier rule last, tagged).

    Every row reads its plan at the same candle and venue (``scanner_clock``), so one asset
    has one price in the table whether a runner trades it or only research knows it."""
    reader = PaperReader(db)
    research = ResearchReader(db)
    pf = reader.portfolio(portfolio) or {}
    positions = {p["key"]: p for p in reader.positions(portfolio)}
    results = {(r["strategy"], r["symbol"]): r for r in research.latest()}
    rows = []
    for runner in reader.runners(portfolio):
        results.pop(_pair(runner), None)
        result = applied_run(research, *_pair(runner))
        nxt = markets.runner_next_candle(db, pf, runner)
        rows.append(_scanner_row(runner, positions.get(runner["key"]), pf, result, nxt))
    end, venue = scanner_clock(pf)
    for result in results.values():
        params = markets.research_params(result)
        nxt = markets.next_candle(db, result["strategy"], result["symbol"], params, end, venue)
        rows.append(_research_row(result, nxt))
    rows.sort(key=_scanner_order)
    return rows


def scanner_clock(pf: Row) -> tuple[int | None, str | None]:
    """(end, venue) the scanner reads every plan at: the portfolio's last candle on the venue
    it trades (what its runners are valued at), or the newest candle of the research venue
    when no portfolio has traded."""
    end = pf["last_ts"] + 1 if pf.get("last_ts") is not None else None
    return end, pf.get("exchange")


def _scanner_order(row: Row) -> tuple:
    grade = _GRADE_ORDER.get(row["grade"], len(_GRADE_ORDER))
    # a grade of the earlier rule does not count: after every grade of the in-sample rule
    return (
        not row["position"],
        _STATUS_ORDER[row["status"]],
        row["earlier_rule"],
        grade,
        row["key"],
    )


def _pair(row: Row) -> tuple[str, str]:
    return row["strategy"], row["symbol"]


def _scanner_row(
    runner: Row, position: Row | None, pf: Row, result: Row | None, nxt: NextCandle | None
) -> Row:
    status, why = runner_status(runner, pf)
    row = _row(runner["strategy"], runner["symbol"], position, nxt, result, status, why)
    return row | {"runner": True, "levels_max": levels_max(runner)}


def _research_row(result: Row, nxt: NextCandle | None) -> Row:
    why = "no parameters applied for paper trading"
    return _row(result["strategy"], result["symbol"], None, nxt, result, "not trading", why)


def _row(
    strategy: str,
    symbol: str,
    position: Row | None,
    nxt: NextCandle | None,
    result: Row | None,
    status: str,
    why: str,
) -> Row:
    """A scanner row: the pair, its position (if any), its plan's next candle and its grade."""
    return _plan_columns(position, nxt) | {
        "key": f"{strategy}:{symbol}",
        "strategy": strategy,
        "symbol": symbol,
        "runner": False,
        "levels_max": None,
        "position": position,
        "side": position["side"] if position else None,
        "filled": len(position["levels"]) if position else 0,
        "sl_distance_pct": position["sl_distance_pct"] if position else None,
        "unrealized": position["unrealized"] if position else None,
        "grade": result["grade"] if result else None,
        # a grade of the earlier rule (chosen on OOS results) is optimistic: tagged as such
        "earlier_rule": result is not None and earlier_rule(result),
        "run_id": result["run_id"] if result else None,
        "status": status,
        "why": why,
    }


def _plan_columns(position: Row | None, nxt: NextCandle | None) -> Row:
    """Last price, distance to the take-profit and the signal, from the plan's next candle
    (a mono position keeps the take-profit fixed at its entry, which its event recorded)."""
    if nxt is None:
        return {"price": None, "price_ts": None, "tp_distance_pct": None, "signal": "-"}
    tp_distance = position["tp_distance_pct"] if position else None
    if nxt.kind == "grid" and nxt.take_profit is not None:
        side = position["side"] if position else 1
        tp_distance = distance_pct(side, nxt.price, nxt.take_profit)
    return {
        "price": nxt.price,
        "price_ts": nxt.ts,
        "tp_distance_pct": tp_distance,
        "signal": signal_text(nxt, position),
    }


def signal_text(nxt: NextCandle, position: Row | None) -> str:
    """What the plan does at the next candle, in a few words."""
    if nxt.exit_signal and position:
        return "exit at the next open"
    if nxt.kind == "mono":
        return {1: "long at the next open", -1: "short at the next open"}.get(nxt.signal, "none")
    waiting = pending_levels(nxt, position)
    if not waiting:
        return "no level rests" if not position else "all levels filled"
    nearest = min(waiting, key=lambda level: abs(level["distance_pct"]))
    return f"{nearest['side']} level {nearest['level']} at {nearest['distance_pct']:+.2f} %"


def pending_levels(nxt: NextCandle | None, position: Row | None) -> list[Row]:
    """The grid levels resting during the next candle that are not filled yet: an open grid
    adds only on its own side."""
    if nxt is None or nxt.kind != "grid":
        return []
    filled = {int(level) for level in (position or {}).get("levels") or {}}
    side = position["side"] if position else 0
    out = []
    for direction, prices in ((1, nxt.long_levels), (-1, nxt.short_levels)):
        if side and direction != side:
            continue
        for k, price in enumerate(prices):
            if k in filled or not math.isfinite(price):
                continue
            out.append(
                {
                    "side": "long" if direction > 0 else "short",
                    "level": k,
                    "price": price,
                    "distance_pct": (price - nxt.price) / nxt.price * 100.0,
                }
            )
    return out


def runner_detail(
    db: sqlite_utils.Database, portfolio: str, key: str, markets: Markets
) -> Row | None:
    """A runner with its open position (levels in fill order), the levels still waiting, its
    status and limits; None when the portfolio has no such runner."""
    reader = PaperReader(db)
    pf = reader.portfolio(portfolio)
    runner = next((r for r in reader.runners(portfolio) if r["key"] == key), None)
    if pf is None or runner is None:
        return None
    position = next((p for p in reader.positions(portfolio) if p["key"] == key), None)
    status, why = runner_status(runner, pf)
    nxt = markets.runner_next_candle(db, pf, runner)
    plan = _plan_columns(position, nxt)
    return {
        "runner": runner,
        "position": position,
        "levels": level_rows(position) if position else [],
        "pending": pending_levels(nxt, position),
        "take_profit": nxt.take_profit if nxt else None,
        "tp_distance_pct": plan["tp_distance_pct"],
        "signal": plan["signal"],
        "levels_max": levels_max(runner),
        "status": status,
        "why": why,
        "price": plan["price"],
        "price_ts": plan["price_ts"],
    }


def level_rows(position: Row) -> list[Row]:
    """The filled levels of a position ({level: [price, qty, ts]}) in level order."""
    rows = [
        {"level": int(level), "price": price, "qty": qty, "ts": ts}
        for level, (price, qty, ts) in position["levels"].items()
    ]
    return sorted(rows, key=lambda r: r["level"])


def positions(db: sqlite_utils.Database, portfolio: str, markets: Markets) -> list[Row]:
    """Open grids and positions; a grid's distance to its take-profit (the moving average of
    the last candle) comes from its plan."""
    reader = PaperReader(db)
    pf = reader.portfolio(portfolio) or {}
    runners = {r["key"]: r for r in reader.runners(portfolio)}
    out = []
    for p in reader.positions(portfolio):
        runner = runners[p["key"]]
        nxt = markets.runner_next_candle(db, pf, runner)
        plan = _plan_columns(p, nxt) if nxt else {"tp_distance_pct": p["tp_distance_pct"]}
        out.append(
            p
            | {
                "level_rows": level_rows(p),
                "levels_max": levels_max(runner),
                "tp_distance_pct": plan["tp_distance_pct"],
            }
        )
    return out


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


def performance(db: sqlite_utils.Database, portfolio: str) -> list[Row]:
    """Each runner's closed trades: count, win rate, P&L and profit factor (the winners' sum
    over the losers'; None without a loser)."""
    return [
        r
        | {
            "win_rate": r["wins"] / r["trades"],
            "profit_factor": r["won"] / r["lost"] if r["lost"] > 0 else None,
        }
        for r in PaperReader(db).performance(portfolio)
    ]


def pnl_split(pf: Row, positions: list[Row], performance: list[Row]) -> Row:
    """The portfolio's P&L in its parts: realised (closed trades, net of their fees and
    funding), unrealised (open positions at their marks), fees and funding paid (all trades),
    and the margin still available under the global guard (``max_margin_ratio`` of the
    capital, and never more than the cash)."""
    limit = min(pf["max_margin_ratio"] * pf["capital"], pf["cash"])
    return {
        "realised": sum(r["pnl"] for r in performance),
        "unrealised": sum(p["unrealized"] or 0.0 for p in positions),
        "fees": pf["fees_paid"],
        "funding": pf["funding_paid"],
        "available_margin": max(limit - pf["margin_used"], 0.0),
    }


DAILY_BARS = 90  # days of P&L bars: a year of titled bars would weigh 40 KB


def daily_pnl(db: sqlite_utils.Database, portfolio: str) -> tuple[list[Row], list[Row]]:
    """(the last ``DAILY_BARS`` days with a closed trade, every such day with the cumulative
    P&L at its end), each row ``{"day", "pnl"}``."""
    days = PaperReader(db).daily_pnl(portfolio)
    cumulative = np.cumsum([p for _, p in days]).tolist() if days else []
    rows = [{"day": d, "pnl": p} for d, p in days]
    return rows[-DAILY_BARS:], [
        {"day": d, "pnl": c} for (d, _), c in zip(days, cumulative, strict=True)
    ]


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
