"""Queries of the research read model (``projections.research`` tables) the pages need.

The table columns are whitelisted here: sorting takes a column name from the query string, and
only names from ``SORTABLE`` ever reach the SQL text.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import sqlite_utils

from projections.research import RUN_COLUMNS, ResearchReader

RUNS = "optimization_runs"
COMBOS = "optimization_combos"
# the list holds every single value of a run (its documents stay on its own page)
LIST_COLUMNS = ("run_id", "seq", "strategy", "symbol", *RUN_COLUMNS)
# what the list sorts by: its headers (partials/research_table.html), the transfer and the
# number of windows
SORTABLE = frozenset(
    {
        "strategy",
        "symbol",
        "grade",
        "score",
        "oos_sharpe",
        "is_sharpe",
        "oos_is_ratio",
        "consistency",
        "dsr",
        "mc_pvalue",
        "transfer_ratio",
        "oos_trades",
        "n_windows",
        "n_combos",
    }
)
GRADES = ("A", "B", "C", "D", "F")
COMBO_METRICS = ("oos_sharpe", "is_sharpe", "consistency", "oos_return_pct", "score", "oos_trades")


def _has(db: sqlite_utils.Database, table: str) -> bool:
    return (
        db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
        ).fetchone()
        is not None
    )


def _rows(db: sqlite_utils.Database, sql: str, args: list[Any]) -> list[dict[str, Any]]:
    cursor = db.execute(sql, args)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def list_runs(
    db: sqlite_utils.Database,
    *,
    strategy: str | None = None,
    symbol: str | None = None,
    grade: str | None = None,
    sort: str = "score",
    descending: bool = True,
) -> list[dict[str, Any]]:
    """The newest run of each (strategy, symbol), filtered and sorted (empty values last)."""
    if not _has(db, RUNS):
        return []
    if sort not in SORTABLE:
        raise ValueError(f"not a sortable column: {sort!r}")
    where, args = ["is_latest = 1"], []
    for column, value in (("strategy", strategy), ("symbol", symbol), ("grade", grade)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    order = "DESC" if descending else "ASC"
    sql = (
        f"SELECT {', '.join(LIST_COLUMNS)} FROM {RUNS} WHERE {' AND '.join(where)} "
        f"ORDER BY {sort} IS NULL, {sort} {order}, strategy, symbol"
    )
    return _rows(db, sql, args)


def filter_options(db: sqlite_utils.Database) -> dict[str, list[str]]:
    if not _has(db, RUNS):
        return {"strategy": [], "symbol": []}
    return {
        column: [
            r[0]
            for r in db.execute(
                f"SELECT DISTINCT {column} FROM {RUNS} WHERE is_latest = 1 ORDER BY {column}"
            ).fetchall()
        ]
        for column in ("strategy", "symbol")
    }


def get_run(db: sqlite_utils.Database, run_id: str) -> dict[str, Any] | None:
    """The run's row, its documents (windows, criteria ...) in the summary's vocabulary."""
    return ResearchReader(db).run(run_id)


def latest_run_id(
    db: sqlite_utils.Database, strategy: str | None = None, symbol: str | None = None
) -> str | None:
    """The newest run of that pair (or of anything when a filter is missing)."""
    if not _has(db, RUNS):
        return None
    where, args = ["1 = 1"], []
    for column, value in (("strategy", strategy), ("symbol", symbol)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    row = db.execute(
        f"SELECT run_id FROM {RUNS} WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT 1", args
    ).fetchone()
    return row[0] if row else None


def combos(db: sqlite_utils.Database, run_id: str) -> list[dict[str, Any]]:
    """Every combination of a run with its aggregate metrics and how many windows selected it
    (None for a run of the earlier rule)."""
    if not _has(db, COMBOS):
        return []
    rows = _rows(
        db,
        f"SELECT combo, params, is_best, selected_in, {', '.join(COMBO_METRICS)} FROM {COMBOS} "
        "WHERE run_id = ? ORDER BY combo",
        [run_id],
    )
    return [r | {"params": json.loads(r["params"])} for r in rows]


class Heatmap(msgspec.Struct, frozen=True):
    """The newest run of each (strategy, symbol) laid out as a grid: ``cells[strategy][symbol]``
    is that pair's run row, absent where the pair was never researched."""

    strategies: list[str]
    symbols: list[str]
    cells: dict[str, dict[str, dict[str, Any]]]


def heatmap(runs: list[dict[str, Any]]) -> Heatmap:
    """The grid of ``runs`` (``list_runs`` rows: one per pair), names in alphabetical order."""
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for run in runs:
        cells.setdefault(run["strategy"], {})[run["symbol"]] = run
    symbols = sorted({run["symbol"] for run in runs})
    return Heatmap(strategies=sorted(cells), symbols=symbols, cells=cells)


# what the history and the comparison show of a run besides LIST_COLUMNS
HISTORY_COLUMNS = (*LIST_COLUMNS, "is_latest", "fixed")


def pair_runs(db: sqlite_utils.Database, strategy: str, symbol: str) -> list[dict[str, Any]]:
    """Every run of a pair, newest first, each numbered in recording order (``number``: 1 is
    the first)."""
    if not _has(db, RUNS):
        return []
    # data_to: the end of the run's last out-of-sample window, the date the Explorer's selector
    # shows (a run records no time of its own)
    rows = _rows(
        db,
        f"SELECT {', '.join(HISTORY_COLUMNS)}, json_extract(windows, '$[#-1].oos_to') AS data_to "
        f"FROM {RUNS} WHERE strategy = ? AND symbol = ? ORDER BY seq DESC",
        [strategy, symbol],
    )
    return [
        r | {"number": len(rows) - i, "fixed": json.loads(r["fixed"]) if r["fixed"] else None}
        for i, r in enumerate(rows)
    ]


def applied_run_id(db: sqlite_utils.Database, strategy: str, symbol: str) -> str | None:
    """The stored run the pair's applied parameters came from (None: nothing applied, or
    parameters applied from a run this read model does not hold)."""
    if not _has(db, "applied_params") or not _has(db, RUNS):
        return None
    row = db.execute(
        f"SELECT a.run_id FROM applied_params a JOIN {RUNS} r ON r.run_id = a.run_id "
        "WHERE a.strategy = ? AND a.symbol = ?",
        [strategy, symbol],
    ).fetchone()
    return row[0] if row else None


def explored_run_id(
    db: sqlite_utils.Database, strategy: str | None = None, symbol: str | None = None
) -> str | None:
    """The run the Explorer opens on: of the pair of the newest run matching the filters, the
    run the pair trades with (its applied parameters'), else the pair's result (a full run
    before any probe), else its newest run."""
    newest = latest_run_id(db, strategy, symbol)
    if newest is None:
        return None
    pair = db.execute(f"SELECT strategy, symbol FROM {RUNS} WHERE run_id = ?", [newest]).fetchone()
    result = db.execute(
        f"SELECT run_id FROM {RUNS} WHERE strategy = ? AND symbol = ? AND is_latest = 1",
        list(pair),
    ).fetchone()
    return applied_run_id(db, *pair) or (result[0] if result else newest)
