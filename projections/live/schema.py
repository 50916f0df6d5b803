"""The live read model's tables: one row struct per table (its fields are the columns, in
order) and the SQL that creates them.

Every table is keyed by ``account``, the Executor's account name (its ``Started`` event). The
tables are WITHOUT ROWID: a row's content is its key and values whatever the history of
deletes and inserts, which keeps a rebuild byte-identical to the incremental model.
"""

from __future__ import annotations

from typing import Any

import msgspec
import sqlite_utils


class AccountRow(msgspec.Struct, kw_only=True):
    """A ``live_accounts`` row: the account's balance and its last reconciliation."""

    account: str
    venue: str
    balance_total: float = 0.0
    balance_free: float = 0.0
    balance_ts: int = 0  # 0: never refreshed
    reconciled_ts: int = 0  # 0: never reconciled
    reconciliation: dict[str, Any] | None = None  # the last ReconciliationCompleted's summary
    emergencies: int = 0  # emergency closes requested so far


class OrderRow(msgspec.Struct, kw_only=True):
    """A ``live_orders`` row: an order still open, or requested and not answered yet."""

    account: str
    client_oid: str
    symbol: str
    key: str  # the runner it serves ("" for an adopted position's stop or an emergency close)
    role: str  # an ``OrderRole`` value
    side: int
    market: bool
    reduce_only: bool
    price: float  # limit price (0: market or stop)
    trigger: float  # a stop's trigger (0 otherwise)
    qty: float
    filled: float
    status: str  # an ``OrderStatus`` value
    venue_id: str
    ts: int


class PositionRow(msgspec.Struct, kw_only=True):
    """A ``live_positions`` row: what the venue holds on a symbol, with the stop resting for it
    (``stop_trigger``/``stop_qty`` NULL when no stop is accepted by the venue)."""

    account: str
    symbol: str
    side: int
    qty: float
    entry_price: float
    fees: float
    realized: float
    adopted: bool
    stop_trigger: float | None
    stop_qty: float | None
    opened_ts: int


class HaltRow(msgspec.Struct, kw_only=True):
    """A ``live_halted`` row: a symbol reconciliation refuses to trade until an operator
    resumes it; ``since`` is the first ReconciliationFailed of the halt."""

    account: str
    symbol: str
    reason: str
    since: int


class FillRow(msgspec.Struct, kw_only=True):
    """A ``live_fills`` row: one venue fill, as booked (``client_oid`` "" for a fill of an
    order the executor never placed: a triggered stop's market order, a close by hand)."""

    account: str
    fill_id: str
    client_oid: str
    symbol: str
    side: int
    price: float
    qty: float
    fee: float
    ts: int


class TripRow(msgspec.Struct, kw_only=True):
    """A ``live_trips`` row: the account kill switch tripped (``AccountKillSwitchTripped``):
    the balance fell ``drawdown_pct`` below the window's ``peak``."""

    account: str
    ts: int
    peak: float
    total: float
    drawdown_pct: float
    threshold_pct: float
    flatten: bool  # the trip asked for a flatten too, not only a halt of new entries


class BalanceAlertRow(msgspec.Struct, kw_only=True):
    """A ``live_balance_alerts`` row (``BalanceMovedUnexplained``): the balance went from
    ``before`` (refreshed at ``since_ts``) to ``after`` at ``ts`` with no trade between."""

    account: str
    ts: int
    before: float
    after: float
    change_pct: float
    since_ts: int
    threshold_pct: float


TABLES = (
    "live_accounts",
    "live_orders",
    "live_positions",
    "live_halted",
    "live_fills",
    "live_trips",
    "live_balance_alerts",
)


def columns(kind: type[msgspec.Struct]) -> str:
    return ", ".join(kind.__struct_fields__)


def insert_sql(table: str, kind: type[msgspec.Struct]) -> str:
    marks = ", ".join("?" * len(kind.__struct_fields__))
    return f"INSERT OR REPLACE INTO {table} ({columns(kind)}) VALUES ({marks})"


# an account's summary stays as stored: only a ReconciliationCompleted replaces it
ACCOUNT_UPSERT = (
    f"INSERT INTO live_accounts ({columns(AccountRow)}) "
    f"VALUES ({', '.join('?' * len(AccountRow.__struct_fields__))}) ON CONFLICT(account) DO UPDATE "
    "SET "
    + ", ".join(
        f"{c} = excluded.{c}"
        for c in AccountRow.__struct_fields__
        if c not in ("account", "reconciliation")
    )
)


def create_tables(db: sqlite_utils.Database) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS live_accounts (account TEXT PRIMARY KEY, venue TEXT, "
        "balance_total REAL, balance_free REAL, balance_ts INTEGER, reconciled_ts INTEGER, "
        "reconciliation TEXT, emergencies INTEGER) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS live_orders (account TEXT NOT NULL, "
        "client_oid TEXT NOT NULL, symbol TEXT, key TEXT, role TEXT, side INTEGER, "
        "market INTEGER, reduce_only INTEGER, price REAL, trigger REAL, qty REAL, filled REAL, "
        "status TEXT, venue_id TEXT, ts INTEGER, PRIMARY KEY (account, client_oid)) "
        "WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS live_positions (account TEXT NOT NULL, "
        "symbol TEXT NOT NULL, side INTEGER, qty REAL, entry_price REAL, fees REAL, "
        "realized REAL, adopted INTEGER, stop_trigger REAL, stop_qty REAL, opened_ts INTEGER, "
        "PRIMARY KEY (account, symbol)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS live_halted (account TEXT NOT NULL, symbol TEXT NOT NULL, "
        "reason TEXT, since INTEGER, PRIMARY KEY (account, symbol)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS live_fills (account TEXT NOT NULL, fill_id TEXT NOT NULL, "
        "client_oid TEXT, symbol TEXT, side INTEGER, price REAL, qty REAL, fee REAL, "
        "ts INTEGER, PRIMARY KEY (account, fill_id)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS live_trips (account TEXT NOT NULL, ts INTEGER NOT NULL, "
        "peak REAL, total REAL, drawdown_pct REAL, threshold_pct REAL, flatten INTEGER, "
        "PRIMARY KEY (account, ts)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS live_balance_alerts (account TEXT NOT NULL, "
        "ts INTEGER NOT NULL, before REAL, after REAL, change_pct REAL, since_ts INTEGER, "
        "threshold_pct REAL, PRIMARY KEY (account, ts)) WITHOUT ROWID"
    )
