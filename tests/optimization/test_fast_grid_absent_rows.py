"""The grid kernel skips the funding row and the exit-signal row when they are all NaN (a spot
market; a strategy without an exit signal): flags set once per call by ``grid_prep.prepare``.

The path with both rows is the one the main parity test draws (its random markets all carry
funding); here the flags themselves, and the path without funding against the event-driven
backtest on random spot markets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

import msgspec
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from domain.backtest import Account
from optimization.fast.grid_nb import StratCol
from optimization.fast.grid_prep import prepare
from tests.optimization.parity_kit import compared
from tests.optimization.test_fast_grid_parity import COSTS, GRID, GRIDS, random_market, scenarios

# grid_funding trades on the funding rate alone: without it there is nothing to compare
SPOT_GRID = [name for name in GRID if name != "grid_funding"]


def flags(name: str, combos: list[Any], funding: bool) -> tuple[int, int]:
    market = random_market(300, 3)
    if not funding:
        market = replace(market, funding=np.full(len(market), np.nan))
    strat = prepare(name, market, combos, COSTS[1], Account()).data.strat
    return int(strat[StratCol.funding_on]), int(strat[StratCol.signal_on])


def test_grid_atr_reads_the_funding_only_where_the_market_has_some() -> None:
    assert flags("grid_atr", GRIDS["grid_atr"][:2], funding=False) == (0, 0)
    assert flags("grid_atr", GRIDS["grid_atr"][:2], funding=True) == (1, 0)


@pytest.mark.parametrize(
    ("modes", "signal_on"),
    [
        (("sma_cross",), 0),  # the take-profit at the SMA only
        (("funding_positive",), 1),  # closes when the known rate turns positive
        (("sma_cross", "funding_or_sma"), 1),  # one combination with the signal: read for all
    ],
)
def test_grid_funding_reads_the_exit_signal_when_a_combination_has_one(
    modes: tuple[str, ...], signal_on: int
) -> None:
    first = GRIDS["grid_funding"][0]
    combos = [msgspec.structs.replace(first, tp_mode=mode) for mode in modes]
    assert flags("grid_funding", combos, funding=True) == (1, signal_on)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:divide by zero encountered:RuntimeWarning")
@pytest.mark.parametrize("name", SPOT_GRID)
def test_without_funding_the_fast_engine_makes_the_backtest_trades(name: str) -> None:
    seen: Counter[str] = Counter()

    @settings(
        max_examples=10,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case=scenarios(name))
    def check(case: dict[str, Any]) -> None:
        market = case["market"]
        spot = case | {"market": replace(market, funding=np.full(len(market), np.nan))}
        for _, _, _, made, _ in compared(name, spot):
            seen["trades"] += len(made)
            seen["multi-level"] += sum(t.levels > 1 for t in made)

    check()
    assert seen["trades"] and seen["multi-level"], seen
