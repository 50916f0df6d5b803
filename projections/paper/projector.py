"""The paper-trading projector: Simulator events into the tables of ``projections.paper.schema``.

It books fills, funding and closes with the Simulator's own arithmetic (``domain.ledger``), so
cash, fees and margin equal the aggregate's to the bit, and a rebuild equals the incremental model
whatever the page boundaries were: state between pages lives only in the tables, never in wall
clocks. Each event also writes one journal line, worded by ``projections.paper.journal``.

Stops of open grids are not in the events: they are recomputed as the grid runner does,
``avg_entry x (1 - side x sl_percent / 100)`` from the runner's configured parameters (NULL
before a ``RunnerConfigured`` names ``sl_percent``); ``trail`` holds the trailing stop, and the
reader reports the tighter of the two as the effective stop. A grid's take-profit moves with its
indicator every candle and is not recorded: NULL. Mono positions store the TP/SL of their event.

Writes are buffered per commit (rows as structs keyed in dicts, appends in lists) and written
with ``executemany`` in ``flush``: a ClockAdvanced costs a decode, a tuple and a dict update.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import msgspec
import sqlite_utils
from eventsourcing.persistence import ApplicationRecorder, Notification

from domain import ledger
from domain.kill_switch import Limits
from domain.runner_state import lift_entry_blocks
from domain.simulator import Simulator
from projections.paper import journal
from projections.paper.schema import (
    TABLES,
    TRADE_FIELDS,
    HaltRow,
    PortfolioRow,
    PositionRow,
    Row,
    RunnerRow,
    create_tables,
    decoded,
    encode,
    upsert,
)
from projections.projector import Projector

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
    "EntriesHalted",
    "EntriesResumed",
)
_TOPIC_NAMES = {getattr(Simulator, name).TOPIC: name for name in _EVENTS}
_CLOCK = Simulator.ClockAdvanced.TOPIC
_STARTED = Simulator.Started.TOPIC


class _Clock(msgspec.Struct):
    """The fields of ClockAdvanced the read model needs (unknown fields are skipped)."""

    ts: int
    equity: float
    marks: dict[str, float]


_CLOCK_DECODER = msgspec.json.Decoder(_Clock)


class PaperProjector(Projector):
    name = "paper"
    schema = 4  # 2: the portfolio's exchange (ExchangeSelected); 3: paper_fills;
    # 4: paper_stop_moves
    topics = tuple(_TOPIC_NAMES)

    def __init__(self, recorder: ApplicationRecorder, db: sqlite_utils.Database, decode) -> None:
        # ``decode``: the store's transcoder decode, as the other projectors (no event objects)
        self._decode = decode
        # ClockAdvanced has no handler: ``apply`` inlines it (one per candle, the hot path)
        self._handlers: dict[str, Callable[[int, PortfolioRow, Row], None]] = {
            topic: getattr(self, f"_on_{name}")
            for topic, name in _TOPIC_NAMES.items()
            if topic != _CLOCK
        }
        # caches of rows read or written since the last flush, keyed as their tables
        self._portfolios: dict[str, PortfolioRow] = {}  # by sim_id (the originator id)
        self._runners: dict[tuple[str, str], RunnerRow] = {}
        self._positions: dict[tuple[str, str], PositionRow | None] = {}  # None: closed, delete
        self._marks: dict[tuple[str, str], tuple[float, int]] = {}
        self._halts: dict[str, HaltRow | None] = {}  # by portfolio; None: allowed, delete
        self._equity: list[tuple] = []
        self._trades: list[tuple] = []
        self._journal: list[tuple] = []
        self._fills: list[tuple] = []
        self._stop_moves: list[tuple] = []
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
        rows = [encode(p) for p in self._portfolios.values()]
        db.conn.executemany(upsert("paper_portfolios", PortfolioRow, ("portfolio",)), rows)
        rows = [encode(r) for r in self._runners.values()]
        db.conn.executemany(upsert("paper_runners", RunnerRow, ("portfolio", "key")), rows)
        self._flush_positions()
        self._flush_halts()
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
        db.conn.executemany(
            "INSERT OR REPLACE INTO paper_fills (portfolio, seq, key, level, side, price, qty, "
            "ts, tp, sl) VALUES (?,?,?,?,?,?,?,?,?,?)",
            self._fills,
        )
        db.conn.executemany(
            "INSERT OR REPLACE INTO paper_stop_moves (portfolio, seq, key, ts, price) "
            "VALUES (?,?,?,?,?)",
            self._stop_moves,
        )
        # the next commit reloads what it touches: another process may project in between
        self.discard()

    def _flush_positions(self) -> None:
        closed = [k for k, p in self._positions.items() if p is None]
        self.db.conn.executemany(
            "DELETE FROM paper_positions WHERE portfolio = ? AND key = ?", closed
        )
        rows = [encode(p) for p in self._positions.values() if p]
        sql = upsert("paper_positions", PositionRow, ("portfolio", "key"))
        self.db.conn.executemany(sql, rows)

    def _flush_halts(self) -> None:
        allowed = [(name,) for name, halt in self._halts.items() if halt is None]
        self.db.conn.executemany("DELETE FROM paper_halts WHERE portfolio = ?", allowed)
        rows = [encode(h) for h in self._halts.values() if h]
        self.db.conn.executemany(upsert("paper_halts", HaltRow, ("portfolio",)), rows)

    def discard(self) -> None:
        buffers = (self._portfolios, self._runners, self._positions, self._marks, self._halts)
        for buffer in buffers:
            buffer.clear()
        for rows in (self._equity, self._trades, self._journal, self._fills, self._stop_moves):
            rows.clear()

    # -- row caches --------------------------------------------------------------------------------
    def _start(self, sim_id: Any, state: Row) -> PortfolioRow:
        capital = state["capital"]
        pf = PortfolioRow(
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

    def _portfolio(self, sim_id: Any) -> PortfolioRow:
        sid = str(sim_id)
        pf = self._portfolios.get(sid)
        if pf is None:
            pf = self._load(PortfolioRow, "paper_portfolios", "sim_id = ?", [sid])
            if pf is None:
                raise LookupError(f"Simulator {sid} has events but no Started event")
            self._portfolios[sid] = pf
        return pf

    def _runner(self, pf: PortfolioRow, key: str) -> RunnerRow:
        name = pf.portfolio
        runner = self._runners.get((name, key))
        if runner is None:
            where = "portfolio = ? AND key = ?"
            runner = self._load(RunnerRow, "paper_runners", where, [name, key])
            if runner is None:
                raise LookupError(f"{name}: event for runner {key!r} before RunnerEnabled")
            self._runners[name, key] = runner
        return runner

    def _position(self, pf: PortfolioRow, key: str) -> PositionRow | None:
        ident = (pf.portfolio, key)
        if ident not in self._positions:
            where = "portfolio = ? AND key = ?"
            self._positions[ident] = self._load(PositionRow, "paper_positions", where, list(ident))
        return self._positions[ident]

    def _load(self, kind: type[_R], table: str, where: str, args: list[Any]) -> _R | None:
        cursor = self.db.execute(f"SELECT * FROM {table} WHERE {where}", args)
        found = cursor.fetchone()
        if found is None:
            return None
        names = [d[0] for d in cursor.description]
        return kind(**decoded(dict(zip(names, found, strict=True))))

    def _note(
        self, seq: int, pf: PortfolioRow, state: Row, kind: str, text: str, ts: int | None
    ) -> None:
        if ts is None:  # set-up events carry no market time: the portfolio's clock, if any
            ts = pf.last_ts or None
        self._journal.append((pf.portfolio, seq, ts, kind, state.get("key") or None, text))

    # -- set-up events -----------------------------------------------------------------------------
    def _on_Started(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        text = journal.started(pf.portfolio, pf.capital, pf.max_margin_ratio)
        self._note(seq, pf, state, "Started", text, None)

    def _on_RiskLimitsSet(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        pf.limits = state["limits"]
        self._note(seq, pf, state, "RiskLimitsSet", journal.risk_limits_set(pf.limits), None)

    def _on_ExchangeSelected(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        pf.exchange = state["exchange"]
        text = journal.exchange_selected(pf.exchange)
        self._note(seq, pf, state, "ExchangeSelected", text, None)

    def _on_RunnerEnabled(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        key = state["key"]
        self._runners[pf.portfolio, key] = RunnerRow(
            portfolio=pf.portfolio,
            key=key,
            strategy=state["strategy"],
            symbol=state["symbol"],
            kind=state["kind"],
        )
        self._positions.setdefault((pf.portfolio, key), None)
        self._note(seq, pf, state, "RunnerEnabled", journal.runner_enabled(state), None)

    def _on_RunnerConfigured(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        key = state["key"]
        runner = self._runner(pf, key)
        runner.params, runner.regimes, runner.enabled = state["params"], state["regimes"], 1
        runner.grace_until = state["grace_until"]
        position = self._position(pf, key)
        if position is not None and runner.kind == "grid":
            position.sl = _grid_stop(runner, position)  # new parameters, new stop
        text = journal.runner_configured(state)
        self._note(seq, pf, state, "RunnerConfigured", text, state["ts"])

    def _on_RunnerDisabled(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        self._runner(pf, state["key"]).enabled = 0
        text = journal.runner_disabled(state)
        self._note(seq, pf, state, "RunnerDisabled", text, state["ts"])

    # -- positions ---------------------------------------------------------------------------------
    def _on_GridLevelOpened(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        key, ts = state["key"], state["ts"]
        runner = self._runner(pf, key)
        position = self._position(pf, key)
        if position is None:
            position = self._open(pf, runner, state["side"], ts)
        ledger.open_level(
            pf, position, state["level"], state["price"], state["qty"], state["fee"],
            state["margin"], ts,
        )  # fmt: skip
        _totals(position)
        position.sl = _grid_stop(runner, position)
        self._fill(seq, pf, state, position)
        lift_entry_blocks(runner.blocked)
        self._note(seq, pf, state, "GridLevelOpened", journal.grid_level_opened(state), ts)

    def _on_PositionOpened(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        key, price, qty = state["key"], state["price"], state["qty"]
        runner = self._runner(pf, key)
        position = self._open(pf, runner, state["side"], state["ts"])
        ledger.open_position(pf, position, price, qty, state["fee"], state["margin"], state["ts"])
        _totals(position)
        position.tp, position.sl = _price_or_none(state["tp"]), _price_or_none(state["sl"])
        self._fill(seq, pf, state, position)
        lift_entry_blocks(runner.blocked)
        text = journal.position_opened(state, position.tp, position.sl)
        self._note(seq, pf, state, "PositionOpened", text, state["ts"])

    def _fill(self, seq: int, pf: PortfolioRow, state: Row, position: PositionRow) -> None:
        """The entry's row in ``paper_fills``: a mono entry is level 0."""
        self._fills.append(
            (
                pf.portfolio, seq, state["key"], state.get("level", 0), state["side"],
                state["price"], state["qty"], state["ts"], position.tp, position.sl,
            )
        )  # fmt: skip

    def _open(self, pf: PortfolioRow, runner: RunnerRow, side: int, ts: int) -> PositionRow:
        position = PositionRow(
            portfolio=pf.portfolio, key=runner.key, symbol=runner.symbol, side=side, opened_ts=ts
        )
        self._positions[pf.portfolio, runner.key] = position
        return position

    def _on_TrailingStopMoved(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        position = self._position(pf, state["key"])
        if position is not None:
            position.trail = state["price"]
            self._stop_moves.append((pf.portfolio, seq, state["key"], state["ts"], state["price"]))

    def _on_FundingCharged(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        ledger.charge_funding(pf, self._position(pf, state["key"]), state["amount"])
        text = journal.funding_charged(state)
        self._note(seq, pf, state, "FundingCharged", text, state["ts"])

    def _on_GridCycleClosed(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        trade = self._settle(seq, pf, state)
        text = journal.grid_cycle_closed(state["key"], trade)
        self._note(seq, pf, state, "GridCycleClosed", text, trade["exit_ts"])

    def _on_PositionClosed(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        trade = self._settle(seq, pf, state)
        text = journal.position_closed(state["key"], trade)
        self._note(seq, pf, state, "PositionClosed", text, trade["exit_ts"])

    def _settle(self, seq: int, pf: PortfolioRow, state: Row) -> Row:
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
    def _on_EntryBlocked(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        self._runner(pf, state["key"]).blocked[state["reason"]] = state["ts"]
        text = journal.entry_blocked(state)
        self._note(seq, pf, state, "EntryBlocked", text, state["ts"])

    def _on_EntryUnblocked(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        self._runner(pf, state["key"]).blocked.pop(state["reason"], None)
        text = journal.entry_unblocked(state)
        self._note(seq, pf, state, "EntryUnblocked", text, state["ts"])

    def _on_CollisionDetected(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        text = journal.collision_detected(state)
        self._note(seq, pf, state, "CollisionDetected", text, state["ts"])

    # -- kill switches -----------------------------------------------------------------------------
    def _on_KillSwitchTripped(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        reason, figures, ts = state["reason"], state["figures"], state["ts"]
        if state["scope"] == "global":
            pf.kill_tripped, pf.kill_reason, pf.kill_figures, pf.kill_ts = 1, reason, figures, ts
            scope = "global"
        else:
            runner = self._runner(pf, state["key"])
            runner.trip_reason, runner.trip_figures, runner.trip_ts = reason, figures, ts
            scope = state["key"]
        text = journal.kill_switch_tripped(scope, reason, figures)
        self._note(seq, pf, state, "KillSwitchTripped", text, ts)

    def _on_KillSwitchReset(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        for scope in state["scopes"]:
            if scope == "global":
                pf.kill_tripped, pf.kill_reason, pf.kill_figures, pf.kill_ts = 0, None, None, None
            else:
                runner = self._runner(pf, scope)
                runner.trip_reason, runner.trip_figures, runner.trip_ts = None, None, None
                runner.session_pnl = 0.0  # a reset starts a new session (as the aggregate)
        text = journal.kill_switch_reset(state)
        self._note(seq, pf, state, "KillSwitchReset", text, state["ts"])

    def _on_KillSwitchResetRefused(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        text = journal.kill_switch_reset_refused(state)
        self._note(seq, pf, state, "KillSwitchResetRefused", text, state["ts"])

    # -- the operator's halt of new entries --------------------------------------------------------
    def _on_EntriesHalted(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        name = pf.portfolio
        if name not in self._halts:
            self._halts[name] = self._load(HaltRow, "paper_halts", "portfolio = ?", [name])
        if self._halts[name] is None:  # a second stop keeps the first one's time (as the sim)
            self._halts[name] = HaltRow(portfolio=name, halted_ts=state["ts"],
                                        halted_by=state["source"])  # fmt: skip
        self._note(seq, pf, state, "EntriesHalted", journal.entries_halted(state), state["ts"])

    def _on_EntriesResumed(self, seq: int, pf: PortfolioRow, state: Row) -> None:
        self._halts[pf.portfolio] = None
        self._note(seq, pf, state, "EntriesResumed", journal.entries_resumed(state), state["ts"])


# -- positions: the grid runner's stop, the stored TP/SL -------------------------------------------
def _totals(position: PositionRow) -> None:
    qty, cost = ledger.totals(position.levels.values())
    position.qty, position.cost, position.avg_entry = qty, cost, cost / qty


def _grid_stop(runner: RunnerRow, position: PositionRow) -> float | None:
    sl_percent = runner.params.get("sl_percent")
    if sl_percent is None:
        return None
    return position.cost / position.qty * (1.0 - position.side * (sl_percent / 100.0))


def _price_or_none(price: float | None) -> float | None:
    # the aggregate uses 0.0 for "none"; NaN cannot be stored but is handled all the same
    return price if price and math.isfinite(price) else None
