"""The tick rounding rule: nearest multiple, exactly the float of the decimal price."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.ticks import has_tick, price_scale, round_prices, round_scaled, round_to_tick


def test_the_reported_take_profit_lands_exactly_on_the_candle_high() -> None:
    # a running-sum SMA two ulp above 81.24 (LTC/USDT:USDT, 2024-05-05 05:00)
    sma = math.nextafter(math.nextafter(81.24, math.inf), math.inf)
    assert sma == 81.24000000000002 and sma > 81.24
    assert round_to_tick(sma, 0.01) == float("81.24")
    assert round_to_tick(81.24000000000002, 0.01) == 81.24


@pytest.mark.parametrize(
    ("price", "tick", "expected"),
    [
        (81.24000000000002, 0.01, "81.24"),
        (81.23999999999998, 0.01, "81.24"),
        (81.2449, 0.01, "81.24"),
        (81.2451, 0.01, "81.25"),
        (100.26, 0.5, "100.5"),
        (100.24, 0.5, "100.0"),
        (100.76, 0.5, "101.0"),
        (0.1 + 0.2, 0.1, "0.3"),  # 0.30000000000000004
        (27_431.0499999, 0.1, "27431.0"),
        (27_431.05000001, 0.1, "27431.1"),
        (0.123456789, 1e-5, "0.12346"),
        (0.000012344, 1e-5, "0.00001"),
        (1234.5678, 1e-5, "1234.5678"),
        (12.4, 5.0, "10"),
        (12.6, 5.0, "15"),
        (2.0, 5.0, "0"),
        (101.3, 1.0, "101"),
        (95.8, 0.25, "95.75"),
    ],
)
def test_hand_computed_cases(price: float, tick: float, expected: str) -> None:
    assert round_to_tick(price, tick) == float(expected)


@pytest.mark.parametrize(
    ("price", "tick", "expected"),
    [
        # exact binary halves go to the even multiple (numpy's rint)
        (0.125, 0.01, "0.12"),  # 12.5 ticks
        (0.375, 0.01, "0.38"),  # 37.5 ticks
        (0.25, 0.5, "0.0"),  # half of a 0.5 tick
        (0.75, 0.5, "1.0"),  # 1.5 ticks
        (2.5, 5.0, "0"),
        (7.5, 5.0, "10"),
        (100.5, 1.0, "100"),
        (101.5, 1.0, "102"),
    ],
)
def test_an_exact_half_tick_rounds_to_the_even_multiple(
    price: float, tick: float, expected: str
) -> None:
    assert round_to_tick(price, tick) == float(expected)


@pytest.mark.parametrize("tick", [0.0, -0.01, math.nan, math.inf, None])
def test_no_tick_means_no_rounding(tick: float | None) -> None:
    assert round_to_tick(81.24000000000002, tick) == 81.24000000000002
    assert not has_tick(tick)
    values = np.array([1.23456789, math.nan])
    np.testing.assert_array_equal(round_prices(values, tick), values)


def test_nan_and_infinities_pass_through() -> None:
    assert math.isnan(round_to_tick(math.nan, 0.01))
    assert round_to_tick(math.inf, 0.01) == math.inf
    assert round_to_tick(-math.inf, 5.0) == -math.inf


def test_the_scale_of_decimal_and_other_ticks() -> None:
    assert price_scale(0.01) == (100.0, 0.0)
    assert price_scale(1e-5) == (100_000.0, 0.0)
    assert price_scale(0.5) == (2.0, 0.0)
    assert price_scale(1e-8) == (100_000_000.0, 0.0)
    assert price_scale(5.0) == (0.0, 5.0)
    assert price_scale(1.0) == (0.0, 1.0)
    assert price_scale(0.3) == (0.0, 0.3)  # 1 / 0.3 is no integer
    assert price_scale(0.0) == (0.0, 0.0)
    assert round_scaled(1.23456, 0.0, 0.0) == 1.23456


def test_arrays_keep_their_shape_and_nan() -> None:
    values = np.array([[81.24000000000002, math.nan], [math.inf, 3.14159]])
    got = round_prices(values, 0.01)
    assert got.shape == (2, 2)
    assert got[0, 0] == 81.24 and math.isnan(got[0, 1])
    assert got[1, 0] == math.inf and got[1, 1] == 3.14
    assert values[0, 0] == 81.24000000000002  # the input is left alone


TICKS = ("0.01", "0.1", "0.5", "0.25", "0.001", "0.00001", "0.0001", "1", "5", "2.5", "10")


@settings(max_examples=500, deadline=None)
@given(
    tick=st.sampled_from(TICKS),
    k=st.integers(0, 10**9),
    ulps=st.integers(-4, 4),
    fraction=st.floats(-0.45, 0.45),
    far=st.booleans(),
)
def test_k_ticks_plus_noise_round_to_the_float_of_the_decimal(
    tick: str, k: int, ulps: int, fraction: float, far: bool
) -> None:
    exact = Decimal(k) * Decimal(tick)
    expected = float(exact)  # what the decimal price string parses to
    price = float(exact + Decimal(fraction) * Decimal(tick)) if far else expected
    for _ in range(abs(ulps)):  # a few ulp of round-off on top
        price = math.nextafter(price, math.copysign(math.inf, ulps))
    assert round_to_tick(price, float(tick)) == expected
    assert round_prices(np.array([price]), float(tick))[0] == expected
