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
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlite_utils
from eventsourcing.persistence import ApplicationRecorder, Notification

from domain.research import OptimizationCompleted, ParamsApplied
from projections.projector import Projector

_RUN_COLUMNS = (
    "grade",
    "score",
    "oos_sharpe",
    "is_sharpe",
    "consistency",
    "oos_is_ratio",
    "dsr",
    "mc_pvalue",
    "mc_underpowered",
    "stability",
    "stability_variance",
    "transfer_ratio",
    "oos_trades",
    "n_windows",
    "n_combos",
    "duration_s",
    "timeframe",
    # issue 11 (NULL for runs recorded before it)
    "selection_rule",
    "embargo_days",
    "is_trades_full",
    "oos_sharpe_mean",
    "oos_return_pct",
    "params_window",
    "params_rule",
    "capital",
)
JSON_COLUMNS = (
    "best_params",
    "criteria",
    "verdicts",
    "windows",
    "monte_carlo",
    "grid",
    "fixed",
    "stitched",
    "validation_windows",
)


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
        columns = ", ".join(_RUN_COLUMNS + JSON_COLUMNS)
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
            "combo INTEGER NOT NULL, params TEXT NOT NULL, is_sharpe REAL, oos_sharpe REAL, "
            "consistency REAL, oos_trades INTEGER, oos_return_pct REAL, score REAL, "
            "oos_sharpe_by_window TEXT, is_sharpe_by_window TEXT, oos_return_by_window TEXT, "
            "selected_in INTEGER, is_best INTEGER NOT NULL, PRIMARY KEY (run_id, combo))"
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
        summary, run_id = state["summary"], state["run_id"]
        pair = [state["strategy"], state["symbol"]]
        latest = not summary.get("fixed") or not self._has_full_run(pair)
        row = {c: summary.get(c) for c in _RUN_COLUMNS}
        row |= {c: json.dumps(summary.get(c)) for c in JSON_COLUMNS}
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
        combos = _combo_rows(run_id, summary)
        self.db["optimization_combos"].upsert_all(combos, pk=("run_id", "combo"))

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


def _combo_rows(run_id: str, summary: dict[str, Any]) -> list[dict[str, Any]]:
    combos, best = summary["combos"], summary["best_index"]
    selected_in = combos.get("selected_in")  # None: a run of the earlier rule
    return [
        {
            "run_id": run_id,
            "combo": i,
            "params": json.dumps(params, sort_keys=True),
            "is_sharpe": combos["is_sharpe"][i],
            "oos_sharpe": combos["oos_sharpe"][i],
            "consistency": combos["consistency"][i],
            "oos_trades": combos["oos_trades"][i],
            "oos_return_pct": combos["oos_return_pct"][i],
            "score": combos["score"][i],
            "oos_sharpe_by_window": json.dumps(combos["oos_sharpe_by_window"][i]),
            # runs recorded before these were kept (events are forever) have none
            "is_sharpe_by_window": _column(combos, "is_sharpe_by_window", i),
            "oos_return_by_window": _column(combos, "oos_return_by_window", i),
            "selected_in": None if selected_in is None else int(selected_in[i]),
            "is_best": int(i == best),
        }
        for i, params in enumerate(combos["params"])
    ]


def _column(combos: dict[str, Any], key: str, i: int) -> str | None:
    values = combos.get(key)
    return None if values is None else json.dumps(values[i])


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


def _decoded(row: dict) -> dict:
    return row | {c: json.loads(row[c]) for c in JSON_COLUMNS if row.get(c) is not None}
