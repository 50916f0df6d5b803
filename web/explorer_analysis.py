"""Explorer figures from a run's combinations: heatmap cells over two parameters, the top list.

A heatmap cell aggregates every combination sharing that pair of values (the other parameters
vary inside the cell): ``max`` shows the best one can get there, ``mean`` how robust the pair
is whatever the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

AGGREGATES = ("max", "mean")


def varied(grid: Mapping[str, Sequence[Any]]) -> list[str]:
    """Parameters the run actually searched (more than one value)."""
    return [k for k, values in grid.items() if len(values) > 1]


def heatmap_cells(
    combos: Sequence[Mapping[str, Any]], x: str, y: str, metric: str, agg: str
) -> tuple[list[Any], list[Any], dict[tuple[Any, Any], float]]:
    groups: dict[tuple[Any, Any], list[float]] = {}
    for c in combos:
        value = c[metric]
        if value is None:
            continue
        groups.setdefault((c["params"].get(x), c["params"].get(y)), []).append(float(value))
    cells = {
        key: (max(vals) if agg == "max" else sum(vals) / len(vals)) for key, vals in groups.items()
    }
    xs = sorted({c["params"].get(x) for c in combos}, key=_order)
    ys = sorted({c["params"].get(y) for c in combos}, key=_order)
    return xs, ys, cells


def rows_top_first(
    xs: Sequence[Any], ys: Sequence[Any], cells: Mapping[tuple[Any, Any], float]
) -> list[tuple[Any, list[float | None]]]:
    """The heatmap as table rows, laid out as drawn: the last y value on top, x across."""
    return [(yv, [cells.get((xv, yv)) for xv in xs]) for yv in reversed(ys)]


def _order(value: Any) -> tuple[int, Any]:
    # numbers in numeric order, anything else (strings, None) after them in text order
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value))


def top(combos: Sequence[Mapping[str, Any]], n: int = 10) -> list[Mapping[str, Any]]:
    """The ``n`` best combinations by the OOS robustness score (the seed's cross-window
    ``combo_score`` of OOS results: a view, not the selection; ties: lower combo index first)."""
    ranked = sorted(combos, key=lambda c: (c["score"] is None, -(c["score"] or 0.0), c["combo"]))
    return ranked[:n]


def label(params: Mapping[str, Any], keys: Sequence[str]) -> str:
    return ", ".join(f"{k}={params.get(k)}" for k in keys)
