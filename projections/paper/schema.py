"""The paper read model's tables: one row struct per keyed table (its fields are the columns, in
order), the trade columns, and how rows travel to and from SQLite.

Every table is keyed by ``portfolio``, the Simulator's name from its ``Started`` event (several
paper portfolios may share one store). JSON columns hold NULL, not "null", when empty, so plain
SQL can test them; REAL and JSON round-trip floats exactly, which keeps a rebuild equal to the
incremental model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import msgspec
import sqlite_utils

from domain import ledger

Row = dict[str, Any]


class PortfolioRow(msgspec.Struct, kw_only=True):
    """A ``paper_portfolios`` row (the fields are the columns, in order); an ``Account``."""

    portfolio: str
    sim_id: str
    capital: float
    max_margin_ratio: float
    cash: float
    margin_used: float = 0.0
    fees_paid: float = 0.0
    funding_paid: float = 0.0
    trades_closed: int = 0
    last_ts: int = 0
    equity: float = 0.0
    limits: dict[str, Any] = {}
    exchange: str | None = None  # until ExchangeSelected
    kill_tripped: int = 0
    kill_reason: str | None = None
    kill_figures: dict[str, Any] | None = None
    kill_ts: int | None = None


class RunnerRow(msgspec.Struct, kw_only=True):
    """A ``paper_runners`` row."""

    portfolio: str
    key: str
    strategy: str
    symbol: str
    kind: str
    enabled: int = 1
    params: dict[str, Any] = {}
    regimes: dict[str, float] = {}
    grace_until: int = 0
    blocked: dict[str, int] = {}
    trip_reason: str | None = None
    trip_figures: dict[str, Any] | None = None
    trip_ts: int | None = None
    session_pnl: float = 0.0
    realized_pnl: float = 0.0
    trades: int = 0
    wins: int = 0


class HaltRow(msgspec.Struct, kw_only=True):
    """A ``paper_halts`` row: the portfolio's new entries are stopped by the operator (no row:
    allowed). A table of its own, not columns of ``paper_portfolios``, so the portfolios' rows
    of stores written before halts existed stay exactly as they were."""

    portfolio: str
    halted_ts: int  # since when (market time)
    halted_by: str  # who asked (cli, telegram ...)


class PositionRow(msgspec.Struct, kw_only=True):
    """A ``paper_positions`` row: an open grid or mono position (a ``Holding``)."""

    portfolio: str
    key: str
    symbol: str
    side: int
    levels: dict[str, ledger.Level] = {}
    qty: float = 0.0
    avg_entry: float | None = None
    cost: float = 0.0
    margin: float = 0.0
    entry_fees: float = 0.0
    funding: float = 0.0
    tp: float | None = None
    sl: float | None = None
    trail: float | None = None
    opened_ts: int = 0


TRADE_FIELDS = (
    "strategy",
    "symbol",
    "side",
    "entry_ts",
    "exit_ts",
    "entry_price",
    "exit_price",
    "qty",
    "levels",
    "gross",
    "entry_fees",
    "exit_fee",
    "funding",
    "pnl",
    "reason",
)
_TRADE_TYPES = {
    "strategy": "TEXT",
    "symbol": "TEXT",
    "reason": "TEXT",
    "side": "INTEGER",
    "entry_ts": "INTEGER",
    "exit_ts": "INTEGER",
    "levels": "INTEGER",
}
JSON_COLUMNS = {"limits", "kill_figures", "params", "regimes", "blocked", "trip_figures", "levels"}
TABLES = (
    "paper_portfolios",
    "paper_runners",
    "paper_positions",
    "paper_marks",
    "paper_trades",
    "paper_equity",
    "paper_journal",
    "paper_halts",
    "paper_fills",
    "paper_stop_moves",
)


def _upsert_sql(table: str, columns: Sequence[str], pk: Sequence[str]) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in pk)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"ON CONFLICT({', '.join(pk)}) DO UPDATE SET {updates}"
    )


def encode(row: msgspec.Struct) -> tuple:
    # JSON columns hold NULL, not "null", when empty: plain SQL can test them
    values = msgspec.structs.astuple(row)
    return tuple(
        json.dumps(v) if c in JSON_COLUMNS and v is not None else v
        for c, v in zip(row.__struct_fields__, values, strict=True)
    )


def upsert(table: str, kind: type[msgspec.Struct], pk: Sequence[str]) -> str:
    return _upsert_sql(table, kind.__struct_fields__, pk)


def decoded(row: Row, columns: set[str] | frozenset[str] = JSON_COLUMNS) -> Row:
    return {k: json.loads(v) if k in columns and v is not None else v for k, v in row.items()}


def create_tables(db: sqlite_utils.Database) -> None:
    # WITHOUT ROWID: a row's content is its key and values, whatever the history of
    # inserts and deletes, which keeps a rebuild equal to the incremental model
    db.execute(
        "CREATE TABLE IF NOT EXISTS paper_portfolios (portfolio TEXT PRIMARY KEY, "
        "sim_id TEXT NOT NULL UNIQUE, capital REAL, max_margin_ratio REAL, cash REAL, "
        "margin_used REAL, fees_paid REAL, funding_paid REAL, trades_closed INTEGER, "
        "last_ts INTEGER, equity REAL, limits TEXT, exchange TEXT, kill_tripped INTEGER, "
        "kill_reason TEXT, kill_figures TEXT, kill_ts INTEGER) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS paper_runners (portfolio TEXT NOT NULL, key TEXT NOT NULL, "
        "strategy TEXT, symbol TEXT, kind TEXT, enabled INTEGER, params TEXT, regimes TEXT, "
        "grace_until INTEGER, blocked TEXT, trip_reason TEXT, trip_figures TEXT, "
        "trip_ts INTEGER, session_pnl REAL, realized_pnl REAL, trades INTEGER, wins INTEGER, "
        "PRIMARY KEY (portfolio, key)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS paper_positions (portfolio TEXT NOT NULL, "
        "key TEXT NOT NULL, symbol TEXT, side INTEGER, levels TEXT, qty REAL, avg_entry REAL, "
        "cost REAL, margin REAL, entry_fees REAL, funding REAL, tp REAL, sl REAL, trail REAL, "
        "opened_ts INTEGER, PRIMARY KEY (portfolio, key)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS paper_marks (portfolio TEXT NOT NULL, "
        "symbol TEXT NOT NULL, price REAL, ts INTEGER, PRIMARY KEY (portfolio, symbol)) "
        "WITHOUT ROWID"
    )
    trade_columns = ", ".join(f"{f} {_TRADE_TYPES.get(f, 'REAL')}" for f in TRADE_FIELDS)
    db.execute(
        "CREATE TABLE IF NOT EXISTS paper_trades (portfolio TEXT NOT NULL, "
        f"seq INTEGER NOT NULL, key TEXT, {trade_columns}, PRIMARY KEY (portfolio, seq)) "
        "WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS paper_equity (portfolio TEXT NOT NULL, "
        "ts INTEGER NOT NULL, equity REAL, cash REAL, PRIMARY KEY (portfolio, ts)) "
        "WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS paper_journal (seq INTEGER PRIMARY KEY, "
        "portfolio TEXT NOT NULL, ts INTEGER, kind TEXT NOT NULL, key TEXT, text TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS paper_halts (portfolio TEXT PRIMARY KEY, halted_ts INTEGER, "
        "halted_by TEXT) WITHOUT ROWID"
    )
    # every entry fill (a grid level, a mono entry) with the stop in force from it on and a mono
    # position's take-profit (a grid's moves with its indicator: NULL): the price chart's marks
    db.execute(
        "CREATE TABLE IF NOT EXISTS paper_fills (portfolio TEXT NOT NULL, seq INTEGER NOT NULL, "
        "key TEXT NOT NULL, level INTEGER, side INTEGER, price REAL, qty REAL, ts INTEGER, "
        "tp REAL, sl REAL, PRIMARY KEY (portfolio, seq)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS paper_fills_by_runner ON paper_fills (portfolio, key, ts)"
    )
    # every trailing-stop move (the position row keeps only the newest): the stop line over time
    db.execute(
        "CREATE TABLE IF NOT EXISTS paper_stop_moves (portfolio TEXT NOT NULL, "
        "seq INTEGER NOT NULL, key TEXT NOT NULL, ts INTEGER, price REAL, "
        "PRIMARY KEY (portfolio, seq)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS paper_stop_moves_by_runner "
        "ON paper_stop_moves (portfolio, key, ts)"
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS paper_journal_by_portfolio ON paper_journal (portfolio, seq)"
    )
