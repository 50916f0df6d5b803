"""Perturbations and the stability measure by hand."""

from __future__ import annotations

import pytest

from optimization.stability import perturbations, stability


def test_each_numeric_key_moves_by_20_and_10_percent_one_at_a_time() -> None:
    params = {"ma_period": 10, "atr_mult": 2.0, "side": "long", "timeframe": "1h"}
    result = perturbations(params, ["ma_period", "atr_mult", "side"], int_keys={"ma_period"})
    # ma_period: 8, 9, 11, 12 ; atr_mult: 1.6, 1.8, 2.2, 2.4 ; side is not numeric
    assert [p["ma_period"] for p in result[:4]] == [8, 9, 11, 12]
    assert [p["atr_mult"] for p in result[:4]] == [2.0] * 4
    assert [p["atr_mult"] for p in result[4:]] == pytest.approx([1.6, 1.8, 2.2, 2.4])
    assert all(p["ma_period"] == 10 for p in result[4:])
    assert len(result) == 8
    assert all(p["timeframe"] == "1h" and p["side"] == "long" for p in result)
    assert params["ma_period"] == 10  # the input is not modified


def test_integers_round_half_up_never_below_one_and_drop_repeats() -> None:
    # 3: 2.4 -> 2, 2.7 -> 3 (= base, dropped), 3.3 -> 3 (dropped), 3.6 -> 4
    assert [p["n"] for p in perturbations({"n": 3}, ["n"], int_keys=["n"])] == [2, 4]
    # 5: 4.0, 4.5 -> 5 (half up = base, dropped), 5.5 -> 6, 6.0 -> 6 (repeat, dropped)
    assert [p["n"] for p in perturbations({"n": 5}, ["n"], int_keys=["n"])] == [4, 6]
    # 1: 0.8 -> 1, 0.9 -> 1 (never below 1 = base), 1.1 -> 1, 1.2 -> 1: nothing to try
    assert perturbations({"n": 1}, ["n"], int_keys=["n"]) == []


def test_bounds_clip_and_booleans_are_not_numbers() -> None:
    result = perturbations({"pct": 0.9, "flag": True}, ["pct", "flag"], bounds={"pct": (0, 1)})
    # 0.72, 0.81, 0.99, 1.08 -> 1.0
    assert [p["pct"] for p in result] == pytest.approx([0.72, 0.81, 0.99, 1.0])
    low = perturbations({"k": 10.0}, ["k"], bounds={"k": (9.5, None)})
    # 8 -> 9.5, 9 -> 9.5 (repeat), 11, 12
    assert [p["k"] for p in low] == pytest.approx([9.5, 11.0, 12.0])


def test_stability_by_hand() -> None:
    # base 4: d = (3-4)/4, (5-4)/4, (4-4)/4, (2-4)/4 = -.25, .25, 0, -.5
    # variance = (.0625 + .0625 + 0 + .25) / 4 = 0.09375 ; score = 1 / 1.09375
    result = stability(4.0, [3.0, 5.0, 4.0, 2.0])
    assert result.variance == pytest.approx(0.09375)
    assert result.score == pytest.approx(1 / 1.09375)


def test_stability_is_about_the_base_and_floors_the_scale_at_one() -> None:
    # every neighbour loses half of a Sharpe of 2: d = -0.5 each, variance 0.25 (not 0)
    assert stability(2.0, [1.0, 1.0, 1.0, 1.0]).variance == pytest.approx(0.25)
    # base 0.2: scale 1, d = 0.3, -0.2 -> (0.09 + 0.04) / 2 = 0.065
    assert stability(0.2, [0.5, 0.0]).variance == pytest.approx(0.065)
    assert stability(3.0, [3.0, 3.0]) == stability(-1.0, [-1.0])  # identical: variance 0, score 1
    assert stability(3.0, [3.0]).score == 1.0
    with pytest.raises(ValueError):
        stability(1.0, [])
