"""Research read model: one row per walk-forward run, one per combination, the applied params.

``is_latest`` marks the newest run of each (strategy, symbol): the one reports and the
dashboard show by default. A run with ``fixed`` parameters (an Explorer job on a narrowed
grid) is an exploration: it becomes the pair's latest only while the pair has no full run, so
a four-combination probe never stands in for the 3,240-combination result. Combination rows
keep every combination's aggregate metrics and its OOS Sharpe per window, so heatmaps over any
two parameters are dense.

Runs recorded since issue 11 carry ``selection_rule = "in_sample"``: each window's selection
is the combination with the best in-sample score, the run's figures are the stitched
out-of-sample record of those selections, and the parameters to trade are the most recent
window's selection. Older runs (events are forever) have no such key: their columns are NULL,
which readers show as "computed with the earlier rule".

Both tables are laid out by the summary's vocabulary (``domain.walk_forward_summary``): a run's
row holds each single value of its ``WalkForwardSummary`` as a column and each document
(windows, criteria, verdicts ...) as JSON, read back in the vocabulary's types; a combination's
row holds each figure of ``Combinations``. A field added to the summary is a column here with
no other change (and a ``schema`` bump, so stores rebuild).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import msgspec
import sqlite_utils
from eventsourcing.persistence import ApplicationRecorder, Notification
from msgspec import UNSET
from msgspec import inspect as types

from domain.research import OptimizationCompleted, ParamsApplied
from domain.walk_forward_summary import Combinations, WalkForwardSummary
from projections.projector import Projector

# Summary fields a run's row does not repeat: the pair is the row's own key, the combinations
# have their table (the best one flagged ``is_best``); no reader asks for the grade's cap, the
# tick, the contract, the dropped combinations' count or the DSR detail
_NOT_IN_RUNS = frozenset(
    (
        "strategy",
        "symbol",
        "combos",
        "best_index",
        "capped_by",
        "price_tick",
        "contract",
        "n_dropped",
        "dsr_detail",
    )
)
_DOCUMENT = (types.ListType, types.DictType, types.StructType, types.TupleType)


def _kinds(info: types.Type) -> tuple[types.Type, ...]:
    """What a type allows besides None."""
    options = info.types if isinstance(info, types.UnionType) else (info,)
    return tuple(o for o in options if not isinstance(o, types.NoneType))


def _is_document(field_type: Any) -> bool:
    """Whether a field holds a JSON document (a list, a mapping, a struct), not one value."""
    return any(isinstance(kind, _DOCUMENT) for kind in _kinds(types.type_info(field_type)))


def _affinity(column_type: Any) -> str:
    """SQLite type of one combination's figure in a ``Combinations`` column (a list of them)."""
    (column,) = _kinds(types.type_info(column_type))
    (figure,) = _kinds(column.item_type)
    if isinstance(figure, types.IntType):
        return "INTEGER"
    return "REAL" if isinstance(figure, types.FloatType) else "TEXT"


_RUN_FIELDS = {
    f.name: f.type for f in msgspec.structs.fields(WalkForwardSummary) if f.name not in _NOT_IN_RUNS
}
# a run's row: its single values as columns, its documents (windows, criteria, ...) as JSON
RUN_COLUMNS = tuple(name for name, kind in _RUN_FIELDS.items() if not _is_document(kind))
JSON_COLUMNS = {name: kind for name, kind in _RUN_FIELDS.items() if _is_document(kind)}
# a combination's row: its parameters, then each of its figures (documents as JSON text)
COMBO_FIGURES = {
    f.name: _affinity(f.type) for f in msgspec.structs.fields(Combinations) if f.name != "params"
}
_COMBO_COLUMNS = ("run_id", "combo", "params", *COMBO_FIGURES, "is_best")
_INSERT_COMBO = (
    f"INSERT OR REPLACE INTO optimization_combos ({', '.join(_COMBO_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_COMBO_COLUMNS))})"
)
# a document column holds null where the summary had none (``fixed`` of a full run)
_DECODERS = {name: msgspec.json.Decoder(kind | None) for name, kind in JSON_COLUMNS.items()}


class ResearchProjector(Projector):
    name = "research"
    topics = (OptimizationCompleted.TOPIC, ParamsApplied.TOPIC)
    # 2: IS Sharpe and OOS return per window in optimization_combos; 3: fixed; 4: the
    # in-sample selection's columns (selection_rule, stitched, selected_in, ...)
    schema = 4

    def __init__(self, recorder: ApplicationRecorder, db: sqlite_utils.Database, decode) -> None:
        self._decode = decode
        super().__init__(recorder, db)

    def create_tables(self) -> None:
        columns = ", ".join((*RUN_COLUMNS, *JSON_COLUMNS))
        figures = ", ".join(f"{name} {affinity}" for name, affinity in COMBO_FIGURES.items())
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS optimization_runs (run_id TEXT PRIMARY KEY, "
            "seq INTEGER NOT NULL, strategy TEXT NOT NULL, symbol TEXT NOT NULL, "
            f"is_latest INTEGER NOT NULL DEFAULT 0, {columns})"
        )
        self.db.execute(
            "CREATE INDEX IF NOT EXISTS runs_by_pair ON optimization_runs (strategy, symbol, seq)"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS optimization_combos (run_id TEXT NOT NULL, "
            f"combo INTEGER NOT NULL, params TEXT NOT NULL, {figures}, "
            "is_best INTEGER NOT NULL, PRIMARY KEY (run_id, combo))"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS applied_params (strategy TEXT NOT NULL, "
            "symbol TEXT NOT NULL, params TEXT NOT NULL, grade TEXT NOT NULL, run_id TEXT, "
            "seq INTEGER NOT NULL, PRIMARY KEY (strategy, symbol))"
        )

    def drop_tables(self) -> None:
        for table in ("optimization_combos", "optimization_runs", "applied_params"):
            self.db.execute(f"DROP TABLE IF EXISTS {table}")

    def apply(self, notifications: Sequence[Notification]) -> None:
        for n in notifications:
            state = self._decode(n.state)
            if n.topic == OptimizationCompleted.TOPIC:
                self._run(n.id, state)
            else:
                self._applied(n.id, state)

    def _run(self, seq: int, state: dict[str, Any]) -> None:
        summary = msgspec.convert(state["summary"], WalkForwardSummary)
        run_id, pair = state["run_id"], [state["strategy"], state["symbol"]]
        latest = not summary.fixed or not self._has_full_run(pair)
        row = {c: _field(summary, c) for c in RUN_COLUMNS}
        row |= {c: json.dumps(msgspec.to_builtins(_field(summary, c))) for c in JSON_COLUMNS}
        row |= {
            "run_id": run_id,
            "seq": seq,
            "strategy": state["strategy"],
            "symbol": state["symbol"],
            "is_latest": int(latest),
        }
        if latest:
            self.db.execute(
                "UPDATE optimization_runs SET is_latest = 0 WHERE strategy = ? AND symbol = ?",
                pair,
            )
        self.db["optimization_runs"].upsert(row, pk="run_id")
        self.db.conn.executemany(_INSERT_COMBO, _combo_rows(run_id, summary))

    def _has_full_run(self, pair: list[str]) -> bool:
        found = self.db.execute(
            "SELECT 1 FROM optimization_runs WHERE strategy = ? AND symbol = ? "
            "AND (fixed IS NULL OR fixed = 'null') LIMIT 1",
            pair,
        ).fetchone()
        return found is not None

    def _applied(self, seq: int, state: dict[str, Any]) -> None:
        self.db["applied_params"].upsert(
            {
                "strategy": state["strategy"],
                "symbol": state["symbol"],
                "params": json.dumps(state["params"], sort_keys=True),
                "grade": state["grade"],
                "run_id": state["run_id"],
                "seq": seq,
            },
            pk=("strategy", "symbol"),
        )


def _field(summary: WalkForwardSummary, name: str) -> Any:
    value = getattr(summary, name)
    return None if value is UNSET else value


def _combo_rows(run_id: str, summary: WalkForwardSummary) -> list[tuple[Any, ...]]:
    """One row per combination, in ``_INSERT_COMBO``'s column order: a run holds thousands,
    so they are built as tuples and written by one ``executemany`` (sqlite-utils' upsert of
    dicts cost more than the rest of the projection)."""
    combos = summary.combos
    figures = [(getattr(combos, name), affinity) for name, affinity in COMBO_FIGURES.items()]
    return [
        (
            run_id,
            i,
            _json(params),
            *(_figure(values, i, affinity) for values, affinity in figures),
            int(i == summary.best_index),
        )
        for i, params in enumerate(combos.params)
    ]


def _figure(values: list[Any] | None, i: int, affinity: str) -> Any:
    """Combination ``i``'s value of a figure; None where the run did not record the figure."""
    if values is None:
        return None
    return _json(values[i]) if affinity == "TEXT" else values[i]


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class ResearchReader:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def latest(self, strategy: str | None = None, symbol: str | None = None) -> list[dict]:
        if "optimization_runs" not in self.db.table_names():
            return []
        where, args = "is_latest = 1", []
        if strategy:
            where, args = where + " AND strategy = ?", [*args, strategy]
        if symbol:
            where, args = where + " AND symbol = ?", [*args, symbol]
        rows = self.db["optimization_runs"].rows_where(where, args, order_by="strategy, symbol")
        return [_decoded(r) for r in rows]

    def run(self, run_id: str) -> dict | None:
        if "optimization_runs" not in self.db.table_names():
            return None
        rows = list(self.db["optimization_runs"].rows_where("run_id = ?", [run_id]))
        return _decoded(rows[0]) if rows else None

    def combos(self, run_id: str) -> list[dict]:
        rows = self.db["optimization_combos"].rows_where("run_id = ?", [run_id], order_by="combo")
        return [r | {"params": json.loads(r["params"])} for r in rows]

    def applied(self) -> list[dict]:
        if "applied_params" not in self.db.table_names():
            return []
        rows = self.db["applied_params"].rows_where(order_by="strategy, symbol")
        return [r | {"params": json.loads(r["params"])} for r in rows]


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A run's row with its documents in the vocabulary's types (windows as ``WindowRecord``,
    criteria as ``Criterion`` ...)."""
    return row | {c: _DECODERS[c].decode(row[c]) for c in JSON_COLUMNS if row.get(c) is not None}
