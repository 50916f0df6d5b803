"""Queries over the paper read model (``projections.paper.schema``), for the CLI and the web."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlite_utils

from domain import ledger
from domain.trades import Trade
from projections.paper.schema import JSON_COLUMNS, TRADE_FIELDS, Row, decoded

# a portfolio's row with the operator's halt: ``entries_halted`` (0/1), ``halted_ts`` and
# ``halted_by`` (NULL while entries are allowed)
_PORTFOLIOS = (
    "SELECT p.*, h.portfolio IS NOT NULL AS entries_halted, h.halted_ts, h.halted_by "
    "FROM paper_portfolios p LEFT JOIN paper_halts h ON h.portfolio = p.portfolio"
)


@dataclass(frozen=True, slots=True)
class EquityCurve:
    """One portfolio's equity (cash + unrealised) and cash at each candle close, by time."""

    ts: np.ndarray
    equity: np.ndarray
    cash: np.ndarray

    def __len__(self) -> int:
        return len(self.ts)


class PaperReader:
    """Queries over the paper read model; give it a read DB connection."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def _ready(self) -> bool:
        return "paper_portfolios" in self.db.table_names()

    def _rows(
        self, sql: str, args: Sequence[Any], json_columns: set[str] = JSON_COLUMNS
    ) -> list[Row]:
        cursor = self.db.execute(sql, list(args))
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        return [decoded(dict(zip(names, r, strict=True)), json_columns) for r in rows]

    def portfolio(self, name: str) -> Row | None:
        if not self._ready():
            return None
        rows = self._rows(f"{_PORTFOLIOS} WHERE p.portfolio = ?", [name])
        return rows[0] if rows else None

    def portfolios(self) -> list[Row]:
        if not self._ready():
            return []
        return self._rows(f"{_PORTFOLIOS} ORDER BY p.portfolio", [])

    def runners(self, name: str) -> list[Row]:
        if not self._ready():
            return []
        return self._rows("SELECT * FROM paper_runners WHERE portfolio = ? ORDER BY key", [name])

    def positions(self, name: str) -> list[Row]:
        """Open grids and positions with, at the symbol's last mark: ``mark``, ``mark_ts``,
        ``unrealized`` (``domain.ledger.unrealized`` at the mark), ``stop`` (the tighter of SL
        and trailing stop) and the distances ``tp_distance_pct`` / ``sl_distance_pct``: how
        far (in % of the mark) the price must move to reach them, positive while not
        reached."""
        if not self._ready():
            return []
        rows = self._rows(
            "SELECT p.*, m.price AS mark, m.ts AS mark_ts FROM paper_positions p "
            "LEFT JOIN paper_marks m ON m.portfolio = p.portfolio AND m.symbol = p.symbol "
            "WHERE p.portfolio = ? ORDER BY p.key",
            [name],
        )
        return [_with_marks(r) for r in rows]

    def trades(self, name: str, limit: int = 100, offset: int = 0) -> list[Row]:
        """Closed trades, newest first."""
        if not self._ready():
            return []
        return self._rows(
            "SELECT * FROM paper_trades WHERE portfolio = ? ORDER BY seq DESC LIMIT ? OFFSET ?",
            [name, limit, offset],
            set(),  # a trade's ``levels`` is a count, not the positions' JSON
        )

    def closed_trades(self, name: str) -> list[Trade]:
        """Every closed trade, oldest first, as the domain's ``Trade`` (the columns are its
        fields): what the trade exports write, the same rows a backtest's trades make."""
        if not self._ready():
            return []
        rows = self.db.execute(
            f"SELECT {', '.join(TRADE_FIELDS)} FROM paper_trades WHERE portfolio = ? ORDER BY seq",
            [name],
        ).fetchall()
        return [Trade.from_record(dict(zip(TRADE_FIELDS, r, strict=True))) for r in rows]

    def performance(self, name: str) -> list[Row]:
        """Per runner (``key``) its closed trades: ``trades``, ``wins`` (P&L above zero),
        ``pnl`` (their sum), ``won`` and ``lost`` (the sums of the winners' P&L and of the
        losers' as a positive amount), by key."""
        if not self._ready():
            return []
        return self._rows(
            "SELECT key, COUNT(*) AS trades, SUM(pnl > 0) AS wins, SUM(pnl) AS pnl, "
            "SUM(CASE WHEN pnl > 0 THEN pnl ELSE 0 END) AS won, "
            "SUM(CASE WHEN pnl < 0 THEN -pnl ELSE 0 END) AS lost "
            "FROM paper_trades WHERE portfolio = ? GROUP BY key ORDER BY key",
            [name],
            set(),
        )

    def daily_pnl(self, name: str) -> list[tuple[int, float]]:
        """(UTC day's start, P&L of the trades closed that day), oldest first; days without
        a closed trade are absent."""
        if not self._ready():
            return []
        day = 86_400_000
        rows = self.db.execute(
            f"SELECT exit_ts / {day} * {day} AS day, SUM(pnl) FROM paper_trades "
            "WHERE portfolio = ? GROUP BY day ORDER BY day",
            [name],
        ).fetchall()
        return [(int(d), float(p)) for d, p in rows]

    def fills(self, name: str, key: str, start: int, end: int) -> list[Row]:
        """A runner's entry fills timed in ``[start, end)``, in event order: level, side,
        price, qty, ts, the stop in force from it on (``sl``) and a mono take-profit (``tp``)."""
        if not self._ready():
            return []
        return self._rows(
            "SELECT level, side, price, qty, ts, tp, sl FROM paper_fills WHERE portfolio = ? "
            "AND key = ? AND ts >= ? AND ts < ? ORDER BY seq",
            [name, key, start, end],
        )

    def stop_moves(self, name: str, key: str, start: int, end: int) -> list[Row]:
        """A runner's trailing-stop moves decided at the close of a candle in ``[start, end)``,
        oldest first: ``ts`` (that candle's open) and ``price``."""
        if not self._ready():
            return []
        return self._rows(
            "SELECT ts, price FROM paper_stop_moves WHERE portfolio = ? AND key = ? "
            "AND ts >= ? AND ts < ? ORDER BY seq",
            [name, key, start, end],
        )

    def runner_trades(self, name: str, key: str, start: int, end: int) -> list[Row]:
        """A runner's closed trades that were open at some time in ``[start, end)``, oldest
        first."""
        if not self._ready():
            return []
        return self._rows(
            "SELECT * FROM paper_trades WHERE portfolio = ? AND key = ? AND exit_ts >= ? "
            "AND entry_ts < ? ORDER BY seq",
            [name, key, start, end],
            set(),
        )

    def equity(self, name: str, since_ts: int | None = None) -> EquityCurve:
        rows = []
        if self._ready():
            rows = self.db.execute(
                "SELECT ts, equity, cash FROM paper_equity WHERE portfolio = ? AND ts >= ? "
                "ORDER BY ts",
                [name, since_ts if since_ts is not None else -(2**62)],
            ).fetchall()
        if not rows:
            return EquityCurve(np.empty(0, np.int64), np.empty(0), np.empty(0))
        ts, equity, cash = zip(*rows, strict=True)
        return EquityCurve(
            np.array(ts, np.int64), np.array(equity, np.float64), np.array(cash, np.float64)
        )

    def journal(
        self,
        name: str,
        after_seq: int | None = None,
        limit: int = 100,
        *,
        key: str | None = None,
        kinds: Sequence[str] = (),
    ) -> list[Row]:
        """Journal entries in event order: those after ``after_seq`` (poll with the last seq
        seen), or the latest ``limit`` when ``after_seq`` is None; only ``key``'s and of
        ``kinds`` when given."""
        if not self._ready():
            return []
        where, args = _journal_filter(name, key, kinds)
        if after_seq is not None:
            return self._rows(
                f"SELECT * FROM paper_journal WHERE {where} AND seq > ? ORDER BY seq LIMIT ?",
                [*args, after_seq, limit],
            )
        return self.journal_newest(name, limit=limit, key=key, kinds=kinds)[::-1]

    def journal_newest(
        self,
        name: str,
        before_seq: int | None = None,
        limit: int = 100,
        *,
        key: str | None = None,
        kinds: Sequence[str] = (),
    ) -> list[Row]:
        """Journal entries newest first: the ``limit`` before ``before_seq`` (None: the
        newest), only ``key``'s and of ``kinds`` when given."""
        if not self._ready():
            return []
        where, args = _journal_filter(name, key, kinds)
        if before_seq is not None:
            where, args = f"{where} AND seq < ?", [*args, before_seq]
        return self._rows(
            f"SELECT * FROM paper_journal WHERE {where} ORDER BY seq DESC LIMIT ?", [*args, limit]
        )

    def journal_of_kind(self, name: str, kind: str, start: int, end: int) -> list[Row]:
        """Journal entries of one ``kind`` (the event's class name) timed in ``[start, end)``,
        in event order: e.g. the kill switches tripped in a report's period."""
        if not self._ready():
            return []
        return self._rows(
            "SELECT * FROM paper_journal WHERE portfolio = ? AND kind = ? AND ts >= ? AND ts < ? "
            "ORDER BY seq",
            [name, kind, start, end],
        )

    def kill_switch(self, name: str) -> Row | None:
        """The global switch, the tripped runners and the limits in force."""
        pf = self.portfolio(name)
        if pf is None:
            return None
        tripped = self._rows(
            "SELECT key, trip_reason AS reason, trip_figures AS figures, trip_ts AS ts "
            "FROM paper_runners WHERE portfolio = ? AND trip_reason IS NOT NULL ORDER BY key",
            [name],
            {"figures"},
        )
        glob = {
            "tripped": bool(pf["kill_tripped"]),
            "reason": pf["kill_reason"],
            "figures": pf["kill_figures"],
            "ts": pf["kill_ts"],
        }
        return {"global": glob, "runners": tripped, "limits": pf["limits"]}


def _journal_filter(name: str, key: str | None, kinds: Sequence[str]) -> tuple[str, list[Any]]:
    """The WHERE text of a portfolio's journal rows, of one runner and some kinds."""
    where, args = "portfolio = ?", [name]
    if key is not None:
        where, args = f"{where} AND key = ?", [*args, key]
    if kinds:
        where = f"{where} AND kind IN ({', '.join('?' * len(kinds))})"
        args = [*args, *kinds]
    return where, args


def _with_marks(row: Row) -> Row:
    side, price = row["side"], row["mark"]
    stop = row["sl"]
    trail = row["trail"]
    if trail is not None and (stop is None or (trail > stop if side > 0 else trail < stop)):
        stop = trail
    row["stop"] = stop
    if price is None:
        row.update(unrealized=None, tp_distance_pct=None, sl_distance_pct=None)
        return row
    row["unrealized"] = ledger.unrealized(side, row["levels"].values(), price)
    row["tp_distance_pct"] = distance_pct(side, price, row["tp"])
    row["sl_distance_pct"] = distance_pct(-side, price, stop)
    return row


def distance_pct(direction: int, price: float, target: float | None) -> float | None:
    """% of ``price`` the price must move in ``direction`` to reach ``target``."""
    if target is None:
        return None
    return direction * (target - price) / price * 100.0
