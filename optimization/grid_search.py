"""Parameter combinations to evaluate: the whole grid, or a Latin hypercube sample plus a fine pass.

The whole grid is used whenever it fits the budget (with the fast engine it usually does: grid_atr's
3240 combinations take seconds). Above the budget, the seed's fallback is kept but done properly:
a Latin hypercube over the grid's value lists (each list's values are covered evenly) and then a
fine pass over the neighbours (one step up or down in each list) of the best sampled combination.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

Grid = Mapping[str, Sequence[Any]]


class GridError(ValueError):
    """An unusable grid: unknown parameter or an empty value list."""


def check_grid(grid: Grid, known: Sequence[str]) -> None:
    for key, values in grid.items():
        if key not in known:
            raise GridError(f"grid parameter {key!r} is not a parameter of the strategy")
        if len(values) == 0:
            raise GridError(f"grid parameter {key!r} has an empty value list")


def grid_size(grid: Grid) -> int:
    return int(np.prod([len(v) for v in grid.values()], dtype=np.int64)) if grid else 1


def full_grid(grid: Grid) -> list[dict[str, Any]]:
    keys = list(grid)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*grid.values())]


def latin_hypercube(grid: Grid, samples: int, seed: int = 0) -> list[dict[str, Any]]:
    """``samples`` combinations; in each list, values are used as evenly as the count allows."""
    rng = np.random.default_rng(seed)
    columns = {}
    for key, values in grid.items():
        strata = (np.arange(samples) * len(values)) // samples  # even coverage of each list
        columns[key] = [values[i] for i in rng.permutation(strata)]
    unique = {tuple(columns[k][i] for k in grid): i for i in range(samples)}
    return [dict(zip(grid, combo, strict=True)) for combo in unique]


def neighbours(grid: Grid, centre: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The centre and every combination one list step away in any subset of parameters."""
    choices = []
    for key, values in grid.items():
        i = list(values).index(centre[key])
        choices.append([values[j] for j in (i - 1, i, i + 1) if 0 <= j < len(values)])
    return [dict(zip(grid, combo, strict=True)) for combo in itertools.product(*choices)]
