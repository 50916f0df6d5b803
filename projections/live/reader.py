"""Queries over the live read model (``projections.live.schema``), for ``status`` and the web."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

import msgspec
import sqlite_utils

from domain.runner_book import OrderRole
from projections.live.schema import (
    AccountRow,
    BalanceAlertRow,
    FillRow,
    HaltRow,
    OrderRow,
    PositionRow,
    TripRow,
)

_R = TypeVar("_R", bound=msgspec.Struct)


class AccountView(msgspec.Struct, kw_only=True):
    """One exchange account as ``status`` and the dashboard show it."""

    account: AccountRow
    positions: list[PositionRow]
    orders: list[OrderRow]
    halted: list[HaltRow]
    balance_alert: BalanceAlertRow | None = None  # the newest move no trade explained

    @property
    def unprotected(self) -> list[PositionRow]:
        """Positions with no stop resting on the venue."""
        return [p for p in self.positions if p.stop_trigger is None]

    def take_profits(self, symbol: str) -> list[OrderRow]:
        """The take-profit orders resting for ``symbol``'s position."""
        return [o for o in self.orders if o.symbol == symbol and o.role == OrderRole.TAKE_PROFIT]


class LiveReader:
    """Queries over the live read model; give it a read DB connection."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def _rows(self, kind: type[_R], sql: str, args: Sequence[Any]) -> list[_R]:
        if "live_accounts" not in self.db.table_names():
            return []
        cursor = self.db.execute(sql, list(args))
        names = [d[0] for d in cursor.description]
        rows = (_decoded(dict(zip(names, r, strict=True))) for r in cursor.fetchall())
        # SQLite hands booleans back as 0/1: converted loosely
        return [msgspec.convert(r, kind, strict=False) for r in rows]

    def accounts(self) -> list[AccountRow]:
        return self._rows(AccountRow, "SELECT * FROM live_accounts ORDER BY account", [])

    def positions(self, account: str) -> list[PositionRow]:
        sql = "SELECT * FROM live_positions WHERE account = ? ORDER BY symbol"
        return self._rows(PositionRow, sql, [account])

    def orders(self, account: str) -> list[OrderRow]:
        sql = "SELECT * FROM live_orders WHERE account = ? ORDER BY symbol, ts, client_oid"
        return self._rows(OrderRow, sql, [account])

    def halted(self, account: str) -> list[HaltRow]:
        sql = "SELECT * FROM live_halted WHERE account = ? ORDER BY symbol"
        return self._rows(HaltRow, sql, [account])

    def fills(self, account: str, limit: int = 50) -> list[FillRow]:
        """The newest fills first."""
        sql = "SELECT * FROM live_fills WHERE account = ? ORDER BY ts DESC, fill_id DESC LIMIT ?"
        return self._rows(FillRow, sql, [account, limit])

    def fills_in_order(self, account: str) -> list[FillRow]:
        """Every fill, oldest first: the order positions were built in (``domain.live_trades``)."""
        sql = "SELECT * FROM live_fills WHERE account = ? ORDER BY ts, fill_id"
        return self._rows(FillRow, sql, [account])

    def trips(self, account: str, limit: int = 5) -> list[TripRow]:
        """The account kill switch's trips, newest first."""
        sql = "SELECT * FROM live_trips WHERE account = ? ORDER BY ts DESC LIMIT ?"
        return self._rows(TripRow, sql, [account, limit])

    def last_balance_alert(self, account: str) -> BalanceAlertRow | None:
        """The newest ``BalanceMovedUnexplained`` of the account, if any."""
        sql = "SELECT * FROM live_balance_alerts WHERE account = ? ORDER BY ts DESC LIMIT 1"
        rows = self._rows(BalanceAlertRow, sql, [account])
        return rows[0] if rows else None

    def views(self) -> list[AccountView]:
        """Every account with its positions, open orders, halted symbols and last balance
        alert."""
        return [
            AccountView(
                account=row,
                positions=self.positions(row.account),
                orders=self.orders(row.account),
                halted=self.halted(row.account),
                balance_alert=self.last_balance_alert(row.account),
            )
            for row in self.accounts()
        ]


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its JSON column (an account's reconciliation summary) decoded."""
    summary = row.get("reconciliation")
    if summary is not None:
        row["reconciliation"] = json.loads(summary)
    return row
