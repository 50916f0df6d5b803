"""The walk-forward searches only combinations a venue would trade as written: a stop at or
beyond the liquidation price, or a leverage above the venue's maximum, is dropped from the grid
and counted in the summary (``n_dropped``)."""

from __future__ import annotations

from dataclasses import replace

import msgspec
import pytest

from domain.contracts import Contract, MarginTier
from optimization.walk_forward import run_walk_forward
from tests.optimization.wf_kit import job, random_walk

# Bitget's first BTC tier: at 6x a position is liquidated (1/6 - 0.004) / 1.004 = 16.2 % away
TIERS = (MarginTier(150_000.0, 0.004, 125.0),)


def _run(grid: dict, contract: Contract, **base):
    wf = job("grid_atr", grid, is_days=90, oos_days=30, mc_sims=20)
    wf = replace(wf, base_params=wf.base_params | base)
    market = replace(random_walk(200, 3), contract=contract)
    return run_walk_forward(wf, market)


def test_stops_beyond_the_liquidation_price_are_dropped_and_counted() -> None:
    grid = {"sl_percent": [10.0, 16.0, 16.5, 25.0], "ma_period": [10, 20]}
    summary = _run(grid, Contract(tick=0.01, tiers=TIERS), leverage=6)
    # 16.5 % and 25 % lie beyond 16.2 %: 2 stops x 2 periods dropped
    assert (summary.n_combos, summary.n_dropped) == (4, 4)
    assert {p["sl_percent"] for p in summary.combos.params} == {10.0, 16.0}


def test_without_tiers_no_liquidation_is_modelled_and_nothing_is_dropped() -> None:
    grid = {"sl_percent": [10.0, 25.0], "ma_period": [10, 20]}
    summary = _run(grid, Contract(tick=0.01), leverage=6)
    assert (summary.n_combos, summary.n_dropped) == (4, 0)


def test_a_leverage_above_the_venue_maximum_is_dropped() -> None:
    grid = {"leverage": [2, 3, 5], "ma_period": [10, 20]}
    summary = _run(grid, Contract(tick=0.01, max_leverage=4.0, tiers=TIERS))
    assert (summary.n_combos, summary.n_dropped) == (4, 2)


def test_a_grid_the_venue_would_trade_none_of_is_refused() -> None:
    with pytest.raises(ValueError, match="every combination"):
        _run({"sl_percent": [20.0, 25.0]}, Contract(tiers=TIERS), leverage=6)


def test_the_summary_of_an_older_run_decodes_with_nothing_dropped() -> None:
    summary = _run({"ma_period": [10, 20]}, Contract())
    record = msgspec.to_builtins(summary)
    del record["n_dropped"]
    assert msgspec.convert(record, type(summary)).n_dropped is msgspec.UNSET
