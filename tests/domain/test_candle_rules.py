"""The market-data rules at and beyond each limit: what a candle, a funding rate, an
open-interest sample or a contract spec may hold before it becomes an event (issue 12)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.candles import (
    MAX_AMOUNT,
    MAX_PRICE,
    MAX_TS,
    MIN_PRICE,
    MIN_TS,
    candle_problem,
    contract_spec_problem,
    funding_problem,
    open_interest_problem,
    ts_problem,
)

H = 3_600_000
T = 1_672_531_200_000  # 2023-01-01


@pytest.mark.parametrize(
    ("ts", "why"),
    [
        (MIN_TS, None),
        (MAX_TS - H, None),
        (MIN_TS - H, "outside 2009-01-01 .. 2100-01-01 UTC"),
        (MAX_TS, "outside 2009-01-01 .. 2100-01-01 UTC"),
        (36_000_000_000_000_000, "outside"),  # year 1,142,764: fits int64, breaks dates
        (360_000_000_000_000_000_000_000_000, "outside"),  # beyond 64 bits
        (-H, "negative timestamp"),
        (T + 1, "not aligned to the 3600000 ms timeframe"),
        (float(T), None),
        (T + 0.5, "not a whole number of milliseconds"),
        (math.inf, "not a whole number"),
        (math.nan, "not a whole number"),
        (True, "not a whole number"),
        ("1672531200000", "not a whole number"),
        (None, "not a whole number"),
    ],
)
def test_a_candle_time_is_a_whole_millisecond_in_range_and_on_the_grid(ts, why) -> None:
    problem = candle_problem(ts, 1.0, 2.0, 0.5, 1.5, 1.0, H)
    assert problem is None if why is None else why in problem


@pytest.mark.parametrize(
    ("ohlcv", "why"),
    [
        ((MIN_PRICE, MIN_PRICE, MIN_PRICE, MIN_PRICE, 0.0), None),
        ((MAX_PRICE, MAX_PRICE, MAX_PRICE, MAX_PRICE, MAX_AMOUNT), None),
        ((1.0, 1e308, 0.5, 1.0, 1.0), "high 1e+308 is above 1e+12"),
        ((1.0, 2.0, 9e-13, 1.0, 1.0), "low 9e-13 is below 1e-12"),
        ((1.0, 2.0, 5e-324, 1.0, 1.0), "below"),
        ((1.0, 2.0, 0.0, 1.0, 1.0), "prices must be > 0"),
        ((1.0, 2.0, -1.0, 1.0, 1.0), "prices must be > 0"),
        ((math.nan, 2.0, 0.5, 1.0, 1.0), "open is nan"),
        ((1.0, 2.0, 0.5, math.nan, 1.0), "close is nan"),  # min(1.0, nan) is 1.0
        ((1.0, 2.0, math.nan, 1.0, 1.0), "low is nan"),
        ((1.0, 2.0, 0.5, 1.0, math.nan), "volume is nan"),
        ((1.0, math.inf, 0.5, 1.0, 1.0), "high is inf"),
        ((1.0, 2.0, 0.5, 1.0, -math.inf), "volume is -inf"),
        ((1.0, 2.0, 0.5, 1.0, -1.0), "volume -1.0 is negative"),
        ((1.0, 2.0, 0.5, 1.0, 1.1e18), "volume 1.1e+18 is above 1e+18"),
        ((1.0, 2.0, 0.5, 1.0, 10**400), "is above 1e+18"),  # no OverflowError
        ((1.0, 2.0, 0.5, 3.0, 1.0), "open/close outside the high-low range"),
        ((1.0, 0.4, 0.5, 1.0, 1.0), "high 0.4 < low 0.5"),
        (("1", 2.0, 0.5, 1.0, 1.0), "open '1' is not a number"),
        ((None, 2.0, 0.5, 1.0, 1.0), "open None is not a number"),
        ((np.float64(1.0), 2.0, 0.5, np.float32(1.0), np.int64(3)), None),
    ],
)
def test_candle_prices_and_volume(ohlcv, why) -> None:
    problem = candle_problem(T, *ohlcv, H)
    assert problem is None if why is None else why in problem


def test_a_refusal_of_a_huge_number_stays_short() -> None:
    problem = ts_problem(10**400)
    assert problem is not None and len(problem) < 100


@pytest.mark.parametrize(
    ("ts", "rate", "why"),
    [
        (T + 1, 0.0001, None),  # settlements need not sit on a grid
        (T, -0.999, None),
        (T, 1.0, "not a fraction"),
        (T, -5.0, "not a fraction"),
        (T, math.nan, "funding rate is nan"),
        (T, 1e308, "not a fraction"),
        (T, "0.01", "not a number"),
        (MAX_TS, 0.0, "outside"),
        (10**30, 0.0, "outside"),
    ],
)
def test_funding_rates(ts, rate, why) -> None:
    problem = funding_problem(ts, rate)
    assert problem is None if why is None else why in problem


@pytest.mark.parametrize(
    ("amount", "why"),
    [
        (MAX_AMOUNT, None),
        (1.5e18, "above 1e+18"),
        (math.inf, "open interest is inf"),
        (0.0, "must be > 0"),
    ],
)
def test_open_interest(amount, why) -> None:
    problem = open_interest_problem(T, amount)
    assert problem is None if why is None else why in problem


@pytest.mark.parametrize(
    ("figures", "why"),
    [
        ((MIN_PRICE, None, None, None, None), None),
        ((1e-13, None, None, None, None), ("price_tick", "outside 1e-12 .. 1e+12")),
        ((1e13, None, None, None, None), ("price_tick", "outside")),
        ((0.01, 1e19, None, None, None), ("amount_step", "above 1e+18")),
        ((0.01, None, None, None, math.inf), ("max_leverage", "is inf")),
        ((0.01, None, "1", None, None), ("min_amount", "not a number")),
    ],
)
def test_contract_spec_figures(figures, why) -> None:
    problem = contract_spec_problem(*figures)
    if why is None:
        assert problem is None
    else:
        assert problem is not None and problem[0] == why[0] and why[1] in problem[1]


anything = st.one_of(
    st.floats(), st.integers(min_value=-(10**30), max_value=10**30), st.none(), st.text()
)
in_range = st.floats(-12.5, 12.5).map(lambda e: 10.0**e)  # log-uniform around the bounds
on_grid = st.integers(MIN_TS // H - 5, MAX_TS // H + 5).map(lambda k: k * H)
volume = st.one_of(st.just(0.0), st.floats(-3, 18.5).map(lambda e: 10.0**e))


@st.composite
def candles(draw) -> tuple:
    """(ts, o, h, l, c, v): well-formed numbers near the limits (in order, on the grid), the
    same with one field spoiled (NaN, inf, zero, negative), or anything at all."""
    kind = draw(st.sampled_from(["sound", "spoiled", "anything"]))
    if kind != "anything":
        low, a, b, high = sorted(draw(st.lists(in_range, min_size=4, max_size=4)))
        candle = [draw(on_grid), a, high, low, b, draw(volume)]
        if kind == "spoiled":
            bad = [math.nan, math.inf, -math.inf, 0.0, -1.0, 5e-324, 1e308]
            candle[draw(st.integers(1, 5))] = draw(st.sampled_from(bad))
        return tuple(candle)
    ts = draw(st.one_of(on_grid, st.integers(), st.floats(), st.none()))
    return (ts, *draw(st.lists(st.one_of(in_range, anything), min_size=5, max_size=5)))


@given(candle=candles())
def test_an_accepted_candle_fits_int64_float64_and_the_date_range(candle) -> None:
    """Whatever the rule accepts, a read model and a report can hold: an int64 time within the
    range and on the grid, positive finite float64 prices in order, a finite volume."""
    ts, *values = candle
    if candle_problem(ts, *values, H) is not None:
        return
    o, h, l, c, v = (float(x) for x in values)
    assert MIN_TS <= int(ts) < MAX_TS and int(ts) % H == 0
    assert np.array([int(ts)], dtype=np.int64)[0] == int(ts)
    assert all(math.isfinite(x) for x in (o, h, l, c, v))
    assert MIN_PRICE <= l <= min(o, c) <= max(o, c) <= h <= MAX_PRICE and 0 <= v <= MAX_AMOUNT


@given(candle=candles())
def test_the_fast_path_and_the_full_checks_agree(candle) -> None:
    """The one-expression acceptance of plain floats says None exactly when the step-by-step
    checks would (a float subclass is not a plain float: it takes the long way)."""
    ts, *values = candle
    slow = [_Float(v) if type(v) is float else v for v in values]
    assert (candle_problem(ts, *values, H) is None) == (candle_problem(ts, *slow, H) is None)


class _Float(float):
    pass
