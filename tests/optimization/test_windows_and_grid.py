"""Walk-forward windows and the combinations searched."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from optimization.grid_search import (
    GridError,
    check_grid,
    full_grid,
    grid_size,
    latin_hypercube,
    neighbours,
)
from optimization.windows import DAY_MS, WindowError, walk_forward_windows

H = 3_600_000


def hourly(days: int) -> np.ndarray:
    return np.arange(days * 24, dtype=np.int64) * H


def test_windows_roll_by_the_step_and_oos_follows_is() -> None:
    # 400 days of 1h candles, IS 180 / OOS 60 / step 60: windows start at days 0, 60, 120 and
    # end at days 240, 300, 360 (a 4th would end on day 420 > 400)
    windows = walk_forward_windows(hourly(400), 180, 60, 60)
    assert len(windows) == 3
    assert [w.is_start for w in windows] == [0, 60 * 24, 120 * 24]
    first = windows[0]
    assert (first.is_end, first.oos_start, first.oos_end) == (180 * 24, 180 * 24, 240 * 24)
    # OOS periods tile without overlap when step == OOS
    assert all(a.oos_end == b.oos_start for a, b in itertools.pairwise(windows))


def test_warm_up_candles_are_not_optimised_on() -> None:
    windows = walk_forward_windows(hourly(400), 180, 60, 60, first=50)
    assert windows[0].is_start == 50


def test_data_shorter_than_one_window_is_refused() -> None:
    with pytest.raises(WindowError, match="one walk-forward window needs 180 \\+ 0 \\+ 60 = 240"):
        walk_forward_windows(hourly(200), 180, 60, 60)
    with pytest.raises(WindowError, match="180 \\+ 7 \\+ 60 = 247 days"):
        walk_forward_windows(hourly(246), 180, 60, 60, embargo_days=7)


def test_the_embargo_separates_in_sample_from_out_of_sample() -> None:
    # 400 days, IS 180 / embargo 7 / OOS 60 / step 60: windows at days 0, 60 and 120 end on
    # days 247, 307, 367 (a 4th would end on day 427 > 400)
    windows = walk_forward_windows(hourly(400), 180, 60, 60, embargo_days=7)
    assert len(windows) == 3
    first = windows[0]
    assert (first.is_end, first.oos_start, first.oos_end) == (180 * 24, 187 * 24, 247 * 24)
    # the embargo's candles are on neither side, and OOS periods still tile
    assert all(a.oos_end == b.oos_start for a, b in itertools.pairwise(windows))
    assert all(w.oos_start - w.is_end == 7 * 24 for w in windows)


def test_windows_use_time_not_row_counts_across_gaps() -> None:
    ts = hourly(400)
    ts = np.delete(ts, np.arange(100, 200))  # a 100-hour outage in the first IS period
    (w, *_) = walk_forward_windows(ts, 180, 60, 60)
    assert ts[w.is_end] - ts[w.is_start] == 180 * DAY_MS


def test_grid_checks() -> None:
    check_grid({"a": [1, 2]}, ["a", "b"])
    with pytest.raises(GridError, match="'c' is not a parameter"):
        check_grid({"c": [1]}, ["a"])
    with pytest.raises(GridError, match="'a' has an empty value list"):
        check_grid({"a": []}, ["a"])


def test_full_grid_is_the_product() -> None:
    grid = {"a": [1, 2, 3], "b": ["x", "y"]}
    combos = full_grid(grid)
    assert grid_size(grid) == len(combos) == 6
    assert {(c["a"], c["b"]) for c in combos} == {(a, b) for a in (1, 2, 3) for b in "xy"}


def test_latin_hypercube_covers_each_list_evenly() -> None:
    grid = {"a": list(range(10)), "b": list(range(5)), "c": [0.1, 0.2]}
    sample = latin_hypercube(grid, 40, seed=3)
    for key, values in grid.items():
        counts = [sum(1 for c in sample if c[key] == v) for v in values]
        # 40 draws over 10 values: 4 each, minus duplicates merged away
        assert max(counts) - min(counts) <= 4 and min(counts) >= 1, (key, counts)


def test_neighbours_step_one_value_in_each_list() -> None:
    grid = {"a": [1, 2, 3], "b": [10, 20]}
    around = neighbours(grid, {"a": 1, "b": 20})
    assert {(c["a"], c["b"]) for c in around} == {(1, 10), (1, 20), (2, 10), (2, 20)}
