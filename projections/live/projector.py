"""The live projector: Executor events into the tables of ``projections.live.schema``.

Balance, open orders and positions are the folded aggregate's own state (``projections.live
.fold``), written whole for every account a commit touched: the read model cannot drift from
what the live process holds. What the aggregate does not keep comes from the events: a
reconciliation's summary, since when a symbol is halted, and the journal of fills.

A position's stop is the stop order the venue accepted for its symbol (status open, or a cancel
requested and not yet answered: it still rests); of several (place-new-then-cancel-old), the one
requested last. A stop only requested, not yet answered, protects nothing yet: no stop.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
import sqlite_utils
from eventsourcing.persistence import ApplicationRecorder, Notification

from domain.executor import Executor, event_topics
from domain.live_orders import LiveOrder, OrderStatus
from domain.runner_book import OrderRole
from projections.live.fold import Decode, ExecutorFold
from projections.live.schema import (
    ACCOUNT_UPSERT,
    TABLES,
    AccountRow,
    BalanceAlertRow,
    FillRow,
    HaltRow,
    OrderRow,
    PositionRow,
    TripRow,
    create_tables,
    insert_sql,
)
from projections.projector import Projector

_TOPICS = event_topics()
_RESTING = (OrderStatus.OPEN, OrderStatus.CANCEL_REQUESTED)


class LiveProjector(Projector):
    name = "live"
    topics = _TOPICS
    schema = 3  # 2: the account kill switch's trips (live_trips); 3: live_balance_alerts

    def __init__(self, recorder: ApplicationRecorder, db: sqlite_utils.Database, decode: Decode):
        self._decode = decode  # the store's transcoder decode, as the other projectors
        self._fold = ExecutorFold(recorder, decode)
        self._extras: dict[str, Callable[[str, Any], None]] = {
            "scalp_radar:Executor.OrderFilled": self._on_filled,
            "scalp_radar:Executor.ReconciliationCompleted": self._on_reconciled,
            "scalp_radar:Executor.ReconciliationFailed": self._on_halted,
            "scalp_radar:Executor.SymbolResumed": self._on_resumed,
            "scalp_radar:Executor.AccountKillSwitchTripped": self._on_tripped,
            "scalp_radar:Executor.BalanceMovedUnexplained": self._on_balance_alert,
        }
        # buffered since the last flush: the executors touched (by account), what the events add
        self._touched: dict[str, Executor] = {}
        self._summaries: dict[str, dict[str, Any]] = {}
        self._writes: list[tuple[str, tuple]] = []  # halts, resumes and fills, in event order
        super().__init__(recorder, db)

    # -- tables ------------------------------------------------------------------------------------
    def create_tables(self) -> None:
        create_tables(self.db)

    def drop_tables(self) -> None:
        for table in TABLES:
            self.db.execute(f"DROP TABLE IF EXISTS {table}")
        self.discard()

    # -- paging ------------------------------------------------------------------------------------
    def apply(self, notifications: Sequence[Notification]) -> None:
        for n in notifications:
            executor, event = self._fold.apply(n)
            self._touched[executor.account] = executor
            extra = self._extras.get(n.topic)
            if extra is not None:
                extra(executor.account, event)

    def flush(self) -> None:
        conn = self.db.conn
        for account, executor in self._touched.items():
            conn.execute(ACCOUNT_UPSERT, _account_row(executor))
            for table in ("live_orders", "live_positions"):
                conn.execute(f"DELETE FROM {table} WHERE account = ?", [account])
            orders = [_order_row(account, o) for o in executor.orders.values()]
            conn.executemany(insert_sql("live_orders", OrderRow), orders)
            positions = [_position_row(executor, s) for s in executor.positions]
            conn.executemany(insert_sql("live_positions", PositionRow), positions)
        for account, summary in self._summaries.items():
            conn.execute(
                "UPDATE live_accounts SET reconciliation = ? WHERE account = ?",
                [json.dumps(summary), account],
            )
        for sql, args in self._writes:
            conn.execute(sql, args)
        self._clear_buffers()

    def discard(self) -> None:
        # a rolled back commit may have folded events it did not write: fold them again
        self._fold.forget()
        self._clear_buffers()

    def _clear_buffers(self) -> None:
        self._touched.clear()
        self._summaries.clear()
        self._writes.clear()

    # -- what the aggregate does not keep ---------------------------------------------------------
    def _on_filled(self, account: str, event: Any) -> None:
        row = FillRow(
            account=account,
            fill_id=event.fill_id,
            client_oid=event.oid,
            symbol=event.symbol,
            side=event.side,
            price=event.price,
            qty=event.qty,
            fee=event.fee,
            ts=event.ts,
        )
        self._writes.append((insert_sql("live_fills", FillRow), msgspec.structs.astuple(row)))

    def _on_reconciled(self, account: str, event: Any) -> None:
        self._summaries[account] = event.summary

    def _on_halted(self, account: str, event: Any) -> None:
        row = HaltRow(account=account, symbol=event.symbol, reason=event.reason, since=event.ts)
        sql = (
            "INSERT INTO live_halted (account, symbol, reason, since) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(account, symbol) DO UPDATE SET reason = excluded.reason"
        )
        self._writes.append((sql, msgspec.structs.astuple(row)))

    def _on_resumed(self, account: str, event: Any) -> None:
        sql = "DELETE FROM live_halted WHERE account = ? AND symbol = ?"
        self._writes.append((sql, (account, event.symbol)))

    def _on_tripped(self, account: str, event: Any) -> None:
        self._append_row("live_trips", TripRow, account, event)

    def _on_balance_alert(self, account: str, event: Any) -> None:
        self._append_row("live_balance_alerts", BalanceAlertRow, account, event)

    def _append_row(self, table: str, row_type: type, account: str, event: Any) -> None:
        """A row of ``table`` whose columns (but the account) are the event's fields by name."""
        names = [f for f in row_type.__struct_fields__ if f != "account"]
        row = row_type(account=account, **{name: getattr(event, name) for name in names})
        self._writes.append((insert_sql(table, row_type), msgspec.structs.astuple(row)))


# -- rows from the folded executor -----------------------------------------------------------------
def _account_row(executor: Executor) -> tuple:
    total, free, ts = executor.balance
    row = AccountRow(
        account=executor.account,
        venue=executor.venue,
        balance_total=total,
        balance_free=free,
        balance_ts=ts,
        reconciled_ts=executor.reconciled_ts,
        emergencies=executor.emergencies,
    )
    return msgspec.structs.astuple(row)


def _order_row(account: str, order: LiveOrder) -> tuple:
    row = OrderRow(
        account=account,
        client_oid=order.client_oid,
        symbol=order.symbol,
        key=order.key,
        role=order.role.value,
        side=order.side,
        market=order.market,
        reduce_only=order.reduce_only,
        price=order.price,
        trigger=order.trigger,
        qty=order.qty,
        filled=order.filled,
        status=order.status.value,
        venue_id=order.venue_id,
        ts=order.ts,
    )
    return msgspec.structs.astuple(row)


def _position_row(executor: Executor, symbol: str) -> tuple:
    pos = executor.positions[symbol]
    stop = _protecting_stop(executor.open_orders(symbol))
    row = PositionRow(
        account=executor.account,
        symbol=symbol,
        side=pos.side,
        qty=pos.qty,
        entry_price=pos.entry_price,
        fees=pos.fees,
        realized=pos.realized,
        adopted=pos.adopted,
        stop_trigger=stop.trigger if stop else None,
        stop_qty=stop.qty if stop else None,
        opened_ts=pos.opened_ts,
    )
    return msgspec.structs.astuple(row)


def _protecting_stop(orders: list[LiveOrder]) -> LiveOrder | None:
    """The stop resting on the venue for these orders' symbol: the last requested one."""
    resting = [o for o in orders if o.role == OrderRole.STOP and o.status in _RESTING]
    return resting[-1] if resting else None
