"""Paper-trading read model: portfolios, runners, open positions, marks, trades, equity, journal.

Every table is keyed by ``portfolio``, the Simulator's name from its ``Started`` event (several
paper portfolios may share one store). The projector books fills, funding and closes with the
Simulator's own arithmetic (``domain.ledger``), so cash, fees and margin equal the aggregate's to
the bit, and a rebuild equals the incremental model whatever the page boundaries were: state
between pages lives only in the tables (REAL and JSON round-trip floats exactly), never in wall
clocks.

Stops of open grids are not in the events: they are recomputed as the grid runner does,
``avg_entry x (1 - side x sl_percent / 100)`` from the runner's configured parameters (NULL
before a ``RunnerConfigured`` names ``sl_percent``); ``trail`` holds the trailing stop, and the
reader reports the tighter of the two as the effective stop. A grid's take-profit moves with its
indicator every candle and is not recorded: NULL. Mono positions store the TP/SL of their event.

Writes are buffered per commit (rows as structs keyed in dicts, appends in lists) and written
with ``executemany`` in ``flush``: a ClockAdvanced costs a decode, a tuple and a dict update.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec
import numpy as np
import sqlite_utils
from eventsourcing.persistence import ApplicationRecorder, Notification

from domain import ledger
from domain.kill_switch import Limits
from domain.runner_state import EntryRefusal
from domain.simulator import Simulator
from projections.projector import Projector

Row = dict[str, Any]
_R = TypeVar("_R", bound=msgspec.Struct)
_EVENTS = (
    "Started",
    "RunnerEnabled",
    "RunnerConfigured",
    "RunnerDisabled",
    "RiskLimitsSet",
    "ExchangeSelected",
    "GridLevelOpened",
    "TrailingStopMoved",
    "FundingCharged",
    "GridCycleClosed",
    "PositionOpened",
    "PositionClosed",
    "EntryBlocked",
    "EntryUnblocked",
    "CollisionDetected",
    "ClockAdvanced",
    "KillSwitchTripped",
    "KillSwitchReset",
    "KillSwitchResetRefused",
)
_TOPIC_NAMES = {getattr(Simulator, name).TOPIC: name for name in _EVENTS}
_CLOCK = Simulator.ClockAdvanced.TOPIC
_STARTED = Simulator.Started.TOPIC
_QUIET = {"ClockAdvanced", "TrailingStopMoved"}  # too many for the journal


class _Portfolio(msgspec.Struct, kw_only=True):
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


class _Runner(msgspec.Struct, kw_only=True):
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


class _Position(msgspec.Struct, kw_only=True):
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
_JSON = {"limits", "kill_figures", "params", "regimes", "blocked", "trip_figures", "levels"}
_TABLES = (
    "paper_portfolios",
    "paper_runners",
    "paper_positions",
    "paper_marks",
    "paper_trades",
    "paper_equity",
    "paper_journal",
)


class _Clock(msgspec.Struct):
    """The fields of ClockAdvanced the read model needs (unknown fields are skipped)."""

    ts: int
    equity: float
    marks: dict[str, float]


_CLOCK_DECODER = msgspec.json.Decoder(_Clock)


def _upsert_sql(table: str, columns: Sequence[str], pk: Sequence[str]) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in pk)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"ON CONFLICT({', '.join(pk)}) DO UPDATE SET {updates}"
    )


def _encode(row: msgspec.Struct) -> tuple:
    # JSON columns hold NULL, not "null", when empty: plain SQL can test them
    values = msgspec.structs.astuple(row)
    return tuple(
        json.dumps(v) if c in _JSON and v is not None else v
        for c, v in zip(row.__struct_fields__, values, strict=True)
    )


def _upsert(table: str, kind: type[msgspec.Struct], pk: Sequence[str]) -> str:
    return _upsert_sql(table, kind.__struct_fields__, pk)


def _decoded(row: Row, columns: set[str] | frozenset[str] = _JSON) -> Row:
    return {k: json.loads(v) if k in columns and v is not None else v for k, v in row.items()}


class PaperProjector(Projector):
    name = "paper"
    schema = 2  # 2: the portfolio's exchange (ExchangeSelected)
    topics = tuple(_TOPIC_NAMES)

    def __init__(self, recorder: ApplicationRecorder, db: sqlite_utils.Database, decode) -> None:
        # ``decode``: the store's transcoder decode, as the other projectors (no event objects)
        self._decode = decode
        # ClockAdvanced has no handler: ``apply`` inlines it (one per candle, the hot path)
        self._handlers: dict[str, Callable[[int, _Portfolio, Row], None]] = {
            topic: getattr(self, f"_on_{name}")
            for topic, name in _TOPIC_NAMES.items()
            if topic != _CLOCK
        }
        # caches of rows read or written since the last flush, keyed as their tables
        self._portfolios: dict[str, _Portfolio] = {}  # by sim_id (the originator id)
        self._runners: dict[tuple[str, str], _Runner] = {}
        self._positions: dict[tuple[str, str], _Position | None] = {}  # None: closed, delete
        self._marks: dict[tuple[str, str], tuple[float, int]] = {}
        self._equity: list[tuple] = []
        self._trades: list[tuple] = []
        self._journal: list[tuple] = []
        super().__init__(recorder, db)

    # -- tables ------------------------------------------------------------------------------------
    def create_tables(self) -> None:
        # WITHOUT ROWID: a row's content is its key and values, whatever the history of
        # inserts and deletes, which keeps a rebuild equal to the incremental model
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS paper_portfolios (portfolio TEXT PRIMARY KEY, "
            "sim_id TEXT NOT NULL UNIQUE, capital REAL, max_margin_ratio REAL, cash REAL, "
            "margin_used REAL, fees_paid REAL, funding_paid REAL, trades_closed INTEGER, "
            "last_ts INTEGER, equity REAL, limits TEXT, exchange TEXT, kill_tripped INTEGER, "
            "kill_reason TEXT, kill_figures TEXT, kill_ts INTEGER) WITHOUT ROWID"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS paper_runners (portfolio TEXT NOT NULL, key TEXT NOT NULL, "
            "strategy TEXT, symbol TEXT, kind TEXT, enabled INTEGER, params TEXT, regimes TEXT, "
            "grace_until INTEGER, blocked TEXT, trip_reason TEXT, trip_figures TEXT, "
            "trip_ts INTEGER, session_pnl REAL, realized_pnl REAL, trades INTEGER, wins INTEGER, "
            "PRIMARY KEY (portfolio, key)) WITHOUT ROWID"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS paper_positions (portfolio TEXT NOT NULL, "
            "key TEXT NOT NULL, symbol TEXT, side INTEGER, levels TEXT, qty REAL, avg_entry REAL, "
            "cost REAL, margin REAL, entry_fees REAL, funding REAL, tp REAL, sl REAL, trail REAL, "
            "opened_ts INTEGER, PRIMARY KEY (portfolio, key)) WITHOUT ROWID"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS paper_marks (portfolio TEXT NOT NULL, "
            "symbol TEXT NOT NULL, price REAL, ts INTEGER, PRIMARY KEY (portfolio, symbol)) "
            "WITHOUT ROWID"
        )
        trade_columns = ", ".join(f"{f} {_TRADE_TYPES.get(f, 'REAL')}" for f in TRADE_FIELDS)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS paper_trades (portfolio TEXT NOT NULL, "
            f"seq INTEGER NOT NULL, key TEXT, {trade_columns}, PRIMARY KEY (portfolio, seq)) "
            "WITHOUT ROWID"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS paper_equity (portfolio TEXT NOT NULL, "
            "ts INTEGER NOT NULL, equity REAL, cash REAL, PRIMARY KEY (portfolio, ts)) "
            "WITHOUT ROWID"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS paper_journal (seq INTEGER PRIMARY KEY, "
            "portfolio TEXT NOT NULL, ts INTEGER, kind TEXT NOT NULL, key TEXT, text TEXT NOT NULL)"
        )
        self.db.execute(
            "CREATE INDEX IF NOT EXISTS paper_journal_by_portfolio ON paper_journal "
            "(portfolio, seq)"
        )

    def drop_tables(self) -> None:
        for table in _TABLES:
            self.db.execute(f"DROP TABLE IF EXISTS {table}")
        self.discard()

    # -- paging ------------------------------------------------------------------------------------
    def apply(self, notifications: Sequence[Notification]) -> None:
        decode, handlers, equity, marks = self._decode, self._handlers, self._equity, self._marks
        for n in notifications:
            if n.topic == _CLOCK:  # the hot path (one per candle), inlined
                clock = self._clock(n.state)
                pf = self._portfolio(n.originator_id)
                ts = clock.ts
                pf.last_ts, pf.equity = ts, clock.equity
                name = pf.portfolio
                equity.append((name, ts, clock.equity, pf.cash))
                for symbol, price in clock.marks.items():
                    marks[name, symbol] = (price, ts)
                continue
            state = decode(n.state)
            if n.topic == _STARTED:
                pf = self._start(n.originator_id, state)
            else:
                pf = self._portfolio(n.originator_id)
            handlers[n.topic](n.id, pf, state)

    def _clock(self, data: bytes) -> _Clock:
        """A typed decode of the stored JSON skips the wrapped wall-clock ``timestamp`` (the
        transcoder's decode spends most of its time there: 4x faster); any other encoding
        (compressed, another transcoder) falls back to the store's decode."""
        try:
            return _CLOCK_DECODER.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            state = self._decode(data)
            return _Clock(state["ts"], state["equity"], state["marks"])

    def flush(self) -> None:
        db = self.db
        rows = [_encode(p) for p in self._portfolios.values()]
        db.conn.executemany(_upsert("paper_portfolios", _Portfolio, ("portfolio",)), rows)
        rows = [_encode(r) for r in self._runners.values()]
        db.conn.executemany(_upsert("paper_runners", _Runner, ("portfolio", "key")), rows)
        self._flush_positions()
        db.conn.executemany(
            "INSERT OR REPLACE INTO paper_marks (portfolio, symbol, price, ts) VALUES (?,?,?,?)",
            [(*k, *v) for k, v in self._marks.items()],
        )
        db.conn.executemany(
            "INSERT OR REPLACE INTO paper_equity (portfolio, ts, equity, cash) VALUES (?,?,?,?)",
            self._equity,
        )
        columns = ("portfolio", "seq", "key", *TRADE_FIELDS)
        db.conn.executemany(
            f"INSERT OR REPLACE INTO paper_trades ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})",
            self._trades,
        )
        db.conn.executemany(
            "INSERT OR REPLACE INTO paper_journal (portfolio, seq, ts, kind, key, text) "
            "VALUES (?,?,?,?,?,?)",
            self._journal,
        )
        # the next commit reloads what it touches: another process may project in between
        self.discard()

    def _flush_positions(self) -> None:
        closed = [k for k, p in self._positions.items() if p is None]
        self.db.conn.executemany(
            "DELETE FROM paper_positions WHERE portfolio = ? AND key = ?", closed
        )
        rows = [_encode(p) for p in self._positions.values() if p]
        sql = _upsert("paper_positions", _Position, ("portfolio", "key"))
        self.db.conn.executemany(sql, rows)

    def discard(self) -> None:
        for buffer in (self._portfolios, self._runners, self._positions, self._marks):
            buffer.clear()
        for rows in (self._equity, self._trades, self._journal):
            rows.clear()

    # -- row caches --------------------------------------------------------------------------------
    def _start(self, sim_id: Any, state: Row) -> _Portfolio:
        capital = state["capital"]
        pf = _Portfolio(
            portfolio=state["name"],
            sim_id=str(sim_id),
            capital=capital,
            max_margin_ratio=state["max_margin_ratio"],
            cash=capital,
            equity=capital,
            limits=Limits().record(),  # the aggregate's default until RiskLimitsSet
        )
        self._portfolios[str(sim_id)] = pf
        return pf

    def _portfolio(self, sim_id: Any) -> _Portfolio:
        sid = str(sim_id)
        pf = self._portfolios.get(sid)
        if pf is None:
            pf = self._load(_Portfolio, "paper_portfolios", "sim_id = ?", [sid])
            if pf is None:
                raise LookupError(f"Simulator {sid} has events but no Started event")
            self._portfolios[sid] = pf
        return pf

    def _runner(self, pf: _Portfolio, key: str) -> _Runner:
        name = pf.portfolio
        runner = self._runners.get((name, key))
        if runner is None:
            where = "portfolio = ? AND key = ?"
            runner = self._load(_Runner, "paper_runners", where, [name, key])
            if runner is None:
                raise LookupError(f"{name}: event for runner {key!r} before RunnerEnabled")
            self._runners[name, key] = runner
        return runner

    def _position(self, pf: _Portfolio, key: str) -> _Position | None:
        ident = (pf.portfolio, key)
        if ident not in self._positions:
            where = "portfolio = ? AND key = ?"
            self._positions[ident] = self._load(_Position, "paper_positions", where, list(ident))
        return self._positions[ident]

    def _load(self, kind: type[_R], table: str, where: str, args: list[Any]) -> _R | None:
        cursor = self.db.execute(f"SELECT * FROM {table} WHERE {where}", args)
        found = cursor.fetchone()
        if found is None:
            return None
        names = [d[0] for d in cursor.description]
        return kind(**_decoded(dict(zip(names, found, strict=True))))

    def _note(
        self, seq: int, pf: _Portfolio, state: Row, kind: str, text: str, ts: int | None
    ) -> None:
        if ts is None:  # set-up events carry no market time: the portfolio's clock, if any
            ts = pf.last_ts or None
        self._journal.append((pf.portfolio, seq, ts, kind, state.get("key") or None, text))

    # -- set-up events -----------------------------------------------------------------------------
    def _on_Started(self, seq: int, pf: _Portfolio, state: Row) -> None:
        text = (
            f"portfolio {pf.portfolio} started with capital {_num(pf.capital)} "
            f"(margin at most {_num(pf.max_margin_ratio * 100)} % of it)"
        )
        self._note(seq, pf, state, "Started", text, None)

    def _on_RiskLimitsSet(self, seq: int, pf: _Portfolio, state: Row) -> None:
        limits = state["limits"]
        pf.limits = limits
        text = (
            f"risk limits set: global drawdown {_num(limits['global_max_drawdown_percent'])} % "
            f"over {limits['global_window_hours']} h, session loss "
            f"{_num(limits['max_session_loss_percent'])} % "
            f"(grids {_num(limits['grid_max_session_loss_percent'])} %)"
        )
        self._note(seq, pf, state, "RiskLimitsSet", text, None)

    def _on_ExchangeSelected(self, seq: int, pf: _Portfolio, state: Row) -> None:
        pf.exchange = state["exchange"]
        text = f"runners trade {state['exchange']} candles from here on"
        self._note(seq, pf, state, "ExchangeSelected", text, None)

    def _on_RunnerEnabled(self, seq: int, pf: _Portfolio, state: Row) -> None:
        key = state["key"]
        self._runners[pf.portfolio, key] = _Runner(
            portfolio=pf.portfolio,
            key=key,
            strategy=state["strategy"],
            symbol=state["symbol"],
            kind=state["kind"],
        )
        self._positions.setdefault((pf.portfolio, key), None)
        text = f"{key} enabled ({state['kind']} {state['strategy']} on {state['symbol']})"
        self._note(seq, pf, state, "RunnerEnabled", text, None)

    def _on_RunnerConfigured(self, seq: int, pf: _Portfolio, state: Row) -> None:
        key = state["key"]
        runner = self._runner(pf, key)
        runner.params, runner.regimes, runner.enabled = state["params"], state["regimes"], 1
        runner.grace_until = state["grace_until"]
        position = self._position(pf, key)
        if position is not None and runner.kind == "grid":
            position.sl = _grid_stop(runner, position)  # new parameters, new stop
        text = (
            f"{key} configured: {_params(state['params'])}; "
            f"kill switch active from {_when(state['grace_until'])}"
        )
        self._note(seq, pf, state, "RunnerConfigured", text, state["ts"])

    def _on_RunnerDisabled(self, seq: int, pf: _Portfolio, state: Row) -> None:
        self._runner(pf, state["key"]).enabled = 0
        text = f"{state['key']} disabled: {state['reason']}"
        self._note(seq, pf, state, "RunnerDisabled", text, state["ts"])

    # -- positions ---------------------------------------------------------------------------------
    def _on_GridLevelOpened(self, seq: int, pf: _Portfolio, state: Row) -> None:
        key, side, price, qty = state["key"], state["side"], state["price"], state["qty"]
        runner = self._runner(pf, key)
        position = self._position(pf, key)
        if position is None:
            position = self._open(pf, runner, side, state["ts"])
        level = state["level"]
        ledger.open_level(
            pf, position, level, price, qty, state["fee"], state["margin"], state["ts"]
        )
        _totals(position)
        position.sl = _grid_stop(runner, position)
        runner.blocked.pop(EntryRefusal.MARGIN, None)
        text = f"{key} {_side(side)} level {level} filled at {_num(price)} (qty {_num(qty)})"
        self._note(seq, pf, state, "GridLevelOpened", text, state["ts"])

    def _on_PositionOpened(self, seq: int, pf: _Portfolio, state: Row) -> None:
        key, side, price, qty = state["key"], state["side"], state["price"], state["qty"]
        runner = self._runner(pf, key)
        position = self._open(pf, runner, side, state["ts"])
        ledger.open_position(pf, position, price, qty, state["fee"], state["margin"], state["ts"])
        _totals(position)
        position.tp, position.sl = _price_or_none(state["tp"]), _price_or_none(state["sl"])
        runner.blocked.pop(EntryRefusal.MARGIN, None)
        text = (
            f"{key} {_side(side)} opened at {_num(price)} (qty {_num(qty)}, "
            f"TP {_num(position.tp)}, SL {_num(position.sl)})"
        )
        self._note(seq, pf, state, "PositionOpened", text, state["ts"])

    def _open(self, pf: _Portfolio, runner: _Runner, side: int, ts: int) -> _Position:
        position = _Position(
            portfolio=pf.portfolio, key=runner.key, symbol=runner.symbol, side=side, opened_ts=ts
        )
        self._positions[pf.portfolio, runner.key] = position
        return position

    def _on_TrailingStopMoved(self, seq: int, pf: _Portfolio, state: Row) -> None:
        position = self._position(pf, state["key"])
        if position is not None:
            position.trail = state["price"]

    def _on_FundingCharged(self, seq: int, pf: _Portfolio, state: Row) -> None:
        amount = state["amount"]
        ledger.charge_funding(pf, self._position(pf, state["key"]), amount)
        verb = "paid" if amount >= 0 else "received"
        text = (
            f"{state['key']} {verb} funding {_num(abs(amount))} "
            f"(rate {_num(state['rate'] * 100)} %)"
        )
        self._note(seq, pf, state, "FundingCharged", text, state["ts"])

    def _on_GridCycleClosed(self, seq: int, pf: _Portfolio, state: Row) -> None:
        trade = self._settle(seq, pf, state)
        text = (
            f"{state['key']} {_side(trade['side'])} grid of {trade['levels']} level"
            f"{'s' if trade['levels'] != 1 else ''} closed ({trade['reason']}) at "
            f"{_num(trade['exit_price'])}: P&L {_signed(trade['pnl'])}"
        )
        self._note(seq, pf, state, "GridCycleClosed", text, trade["exit_ts"])

    def _on_PositionClosed(self, seq: int, pf: _Portfolio, state: Row) -> None:
        trade = self._settle(seq, pf, state)
        text = (
            f"{state['key']} {_side(trade['side'])} closed ({trade['reason']}) at "
            f"{_num(trade['exit_price'])}: P&L {_signed(trade['pnl'])}"
        )
        self._note(seq, pf, state, "PositionClosed", text, trade["exit_ts"])

    def _settle(self, seq: int, pf: _Portfolio, state: Row) -> Row:
        """The Simulator's ``_settle`` (the same ``ledger.settle``), plus the runner's record."""
        key, trade = state["key"], state["trade"]
        runner = self._runner(pf, key)
        position = self._position(pf, key)
        margin = position.margin if position else 0.0
        ledger.settle(pf, trade["gross"], trade["exit_fee"], margin)
        pnl = trade["pnl"]
        runner.session_pnl += pnl
        runner.realized_pnl += pnl
        runner.trades += 1
        runner.wins += pnl > 0
        self._positions[pf.portfolio, key] = None
        fields = tuple(trade.get(f) for f in TRADE_FIELDS)
        self._trades.append((pf.portfolio, seq, key, *fields))
        return trade

    # -- guards and warnings -----------------------------------------------------------------------
    def _on_EntryBlocked(self, seq: int, pf: _Portfolio, state: Row) -> None:
        self._runner(pf, state["key"]).blocked[state["reason"]] = state["ts"]
        text = f"{state['key']} entries blocked: {_reason(state)}"
        self._note(seq, pf, state, "EntryBlocked", text, state["ts"])

    def _on_EntryUnblocked(self, seq: int, pf: _Portfolio, state: Row) -> None:
        self._runner(pf, state["key"]).blocked.pop(state["reason"], None)
        why = _reason(state)
        text = f"{state['key']} entries allowed again: {why}"
        self._note(seq, pf, state, "EntryUnblocked", text, state["ts"])

    def _on_CollisionDetected(self, seq: int, pf: _Portfolio, state: Row) -> None:
        text = f"{state['key']} opens on {state['symbol']} while {state['other']} holds it"
        self._note(seq, pf, state, "CollisionDetected", text, state["ts"])

    # -- kill switches -----------------------------------------------------------------------------
    def _on_KillSwitchTripped(self, seq: int, pf: _Portfolio, state: Row) -> None:
        reason, figures, ts = state["reason"], state["figures"], state["ts"]
        if state["scope"] == "global":
            pf.kill_tripped, pf.kill_reason, pf.kill_figures, pf.kill_ts = 1, reason, figures, ts
            scope = "global"
        else:
            runner = self._runner(pf, state["key"])
            runner.trip_reason, runner.trip_figures, runner.trip_ts = reason, figures, ts
            scope = state["key"]
        text = f"kill switch tripped ({scope}): {_trip_text(reason, figures)}"
        self._note(seq, pf, state, "KillSwitchTripped", text, ts)

    def _on_KillSwitchReset(self, seq: int, pf: _Portfolio, state: Row) -> None:
        for scope in state["scopes"]:
            if scope == "global":
                pf.kill_tripped, pf.kill_reason, pf.kill_figures, pf.kill_ts = 0, None, None, None
            else:
                runner = self._runner(pf, scope)
                runner.trip_reason, runner.trip_figures, runner.trip_ts = None, None, None
                runner.session_pnl = 0.0  # a reset starts a new session (as the aggregate)
        done = ", ".join(state["scopes"]) or "nothing was tripped"
        text = f"kill switch reset (request #{state['request']}): {done}"
        self._note(seq, pf, state, "KillSwitchReset", text, state["ts"])

    def _on_KillSwitchResetRefused(self, seq: int, pf: _Portfolio, state: Row) -> None:
        text = f"kill switch reset refused (request #{state['request']}): {state['reason']}"
        self._note(seq, pf, state, "KillSwitchResetRefused", text, state["ts"])


# -- positions: the grid runner's stop, the stored TP/SL -------------------------------------------
def _totals(position: _Position) -> None:
    qty, cost = ledger.totals(position.levels.values())
    position.qty, position.cost, position.avg_entry = qty, cost, cost / qty


def _grid_stop(runner: _Runner, position: _Position) -> float | None:
    sl_percent = runner.params.get("sl_percent")
    if sl_percent is None:
        return None
    return position.cost / position.qty * (1.0 - position.side * (sl_percent / 100.0))


def _price_or_none(price: float | None) -> float | None:
    # the aggregate uses 0.0 for "none"; NaN cannot be stored but is handled all the same
    return price if price and math.isfinite(price) else None


# -- journal text ----------------------------------------------------------------------------------
def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.8g}"


def _signed(value: float) -> str:
    return f"{value:+.2f}"


def _side(side: int) -> str:
    return "long" if side > 0 else "short"


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


def _params(params: Row) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "no parameters"


def _reason(state: Row) -> str:
    regime = state.get("regime")
    return f"{state['reason']} ({regime})" if regime else state["reason"]


def _trip_text(reason: str, figures: Row) -> str:
    value = figures.get("drawdown_percent", figures.get("loss_percent"))
    threshold = figures.get("threshold_percent")
    if value is None or threshold is None:
        return reason
    return f"{reason.replace('_', ' ')} {value:.1f} % >= {_num(threshold)} %"


# -- reader ----------------------------------------------------------------------------------------
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

    def _rows(self, sql: str, args: Sequence[Any], json_columns: set[str] = _JSON) -> list[Row]:
        cursor = self.db.execute(sql, list(args))
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        return [_decoded(dict(zip(names, r, strict=True)), json_columns) for r in rows]

    def portfolio(self, name: str) -> Row | None:
        if not self._ready():
            return None
        rows = self._rows("SELECT * FROM paper_portfolios WHERE portfolio = ?", [name])
        return rows[0] if rows else None

    def portfolios(self) -> list[Row]:
        if not self._ready():
            return []
        return self._rows("SELECT * FROM paper_portfolios ORDER BY portfolio", [])

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

    def journal(self, name: str, after_seq: int | None = None, limit: int = 100) -> list[Row]:
        """Journal entries in event order: those after ``after_seq`` (poll with the last seq
        seen), or the latest ``limit`` when ``after_seq`` is None."""
        if not self._ready():
            return []
        if after_seq is not None:
            return self._rows(
                "SELECT * FROM paper_journal WHERE portfolio = ? AND seq > ? ORDER BY seq LIMIT ?",
                [name, after_seq, limit],
            )
        rows = self._rows(
            "SELECT * FROM paper_journal WHERE portfolio = ? ORDER BY seq DESC LIMIT ?",
            [name, limit],
        )
        return rows[::-1]

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
