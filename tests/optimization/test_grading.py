"""Grading: every ramp at its edges and midpoints by hand, the guards, the scale, verdicts."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.walk_forward_summary import Criterion
from optimization.grading import GradeInputs, grade, letter, ramp, verdicts

# A strong result, summed by hand:
#   OOS/IS 1.2 (> 1)                      -> 20
#   p = 0.01 (< 0.05)                     -> 20
#   consistency 0.9: 20 * (0.9-0.5)/0.5   -> 16
#   DSR 0.96: 15 * (0.96-0.5)/0.5         -> 13.8
#   stability variance 0.05 (< 0.1)       -> 10
#   transfer 0.86: 15 * (0.86-0.3)/0.7    -> 12
#   total 91.8 -> A
STRONG = GradeInputs(
    oos_is_ratio=1.2,
    mc_p_value=0.01,
    mc_underpowered=False,
    consistency=0.9,
    dsr=0.96,
    stability_variance=0.05,
    transfer_ratio=0.86,
    oos_trades=120,
)


def points(name: str, **changes: object) -> float:
    return grade(replace(STRONG, **changes)).points[name].points


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [(-1.0, 0), (0.49, 0), (0.5, 0), (0.6, 4), (0.75, 10), (1.0, 20), (1.5, 20)],
)
def test_oos_is_ramp(ratio: float, expected: float) -> None:
    assert points("oos_is_ratio", oos_is_ratio=ratio) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("p", "underpowered", "expected"),
    [
        (0.001, False, 20),
        (0.0499, False, 20),
        (0.05, False, 10),
        (0.075, False, 10),
        (0.10, False, 10),
        (0.1001, False, 0),
        (0.9, False, 0),
        (0.01, True, 12),
        (0.9, True, 12),
    ],
)
def test_monte_carlo_steps(p: float, underpowered: bool, expected: float) -> None:
    assert points("monte_carlo", mc_p_value=p, mc_underpowered=underpowered) == expected


@pytest.mark.parametrize(
    ("share", "expected"),
    [(0.0, 0), (0.49, 0), (0.5, 0), (0.68, 7.2), (0.75, 10), (1.0, 20)],
)
def test_consistency_ramp(share: float, expected: float) -> None:
    assert points("consistency", consistency=share) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("dsr", "expected"), [(0.0, 0), (0.4, 0), (0.5, 0), (0.75, 7.5), (0.9, 12), (1.0, 15)]
)
def test_dsr_ramp(dsr: float, expected: float) -> None:
    assert points("dsr", dsr=dsr) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("variance", "expected"),
    # 0.55 is halfway from 0.1 to 1.0: 10 - 7/2 = 6.5 ; 0.4: 10 - 7 * 0.3/0.9 = 7.6667
    [(0.0, 10), (0.0999, 10), (0.1, 10), (0.4, 10 - 7 / 3), (0.55, 6.5), (1.0, 3), (1.01, 0)],
)
def test_stability_ramp(variance: float, expected: float) -> None:
    assert points("stability", stability_variance=variance) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("ratio", "expected"), [(0.0, 0), (0.29, 0), (0.3, 0), (0.65, 7.5), (1.0, 15), (2.0, 15)]
)
def test_transfer_ramp(ratio: float, expected: float) -> None:
    assert points("transfer", transfer_ratio=ratio) == pytest.approx(expected)


def test_unmeasured_criteria_earn_nothing() -> None:
    result = grade(replace(STRONG, stability_variance=None, transfer_ratio=None))
    assert result.points["stability"] == Criterion(0, 10, None, "parameter stability not measured")
    assert result.points["transfer"].points == 0
    assert result.score == pytest.approx(20 + 20 + 16 + 13.8)


def test_full_example_summed_by_hand() -> None:
    result = grade(STRONG)
    assert result.score == pytest.approx(91.8)
    assert (result.grade, result.capped_by) == ("A", None)
    assert {name: c.max for name, c in result.points.items()} == {
        "oos_is_ratio": 20,
        "monte_carlo": 20,
        "consistency": 20,
        "dsr": 15,
        "stability": 10,
        "transfer": 15,
    }
    assert result.points["dsr"].value == 0.96


def test_a_middling_example_summed_by_hand() -> None:
    # 0.8 -> 20*0.3/0.5 = 12 ; p 0.03 -> 20 ; 0.9 -> 16 ; DSR 0.8 -> 15*0.3/0.5 = 9 ;
    # variance 0.4 -> 7.6667 ; transfer 0.72 -> 15*0.42/0.7 = 9 ; total 73.6667 -> C
    inputs = GradeInputs(0.8, 0.03, False, 0.9, 0.8, 0.4, 0.72, 100)
    result = grade(inputs)
    assert result.score == pytest.approx(12 + 20 + 16 + 9 + (10 - 7 / 3) + 9)
    assert result.grade == "C"


@pytest.mark.parametrize(
    ("trades", "expected", "capped"),
    [(120, "A", False), (50, "A", False), (49, "B", True), (30, "B", True), (29, "C", True)],
)
def test_trade_guards(trades: int, expected: str, capped: bool) -> None:
    result = grade(replace(STRONG, oos_trades=trades))
    assert result.grade == expected
    assert (result.capped_by is not None) == capped
    assert result.score == pytest.approx(91.8)  # the guard caps the grade, not the score


def test_guards_never_raise_a_grade() -> None:
    weak = GradeInputs(0.5, 0.5, False, 0.5, 0.5, 2.0, 0.3, 10)  # 0 points
    result = grade(weak)
    assert (result.score, result.grade, result.capped_by) == (0, "F", None)
    underpowered = grade(replace(STRONG, oos_trades=20, mc_underpowered=True))
    # 91.8 - 20 + 12 = 83.8 -> B, capped at C by the < 30 guard
    assert underpowered.score == pytest.approx(83.8)
    assert underpowered.grade == "C"
    assert "B capped at C" in (underpowered.capped_by or "")


def test_grade_scale_boundaries() -> None:
    assert [letter(s) for s in (100, 90, 89.99, 80, 79.99, 70, 69.99, 60, 59.99, 0)] == list(
        "AABBCCDDFF"
    )
    # 20 + 20 + 20 + 15 + 0 (stability not measured) + 15 = 90 exactly -> A
    exact = GradeInputs(1.0, 0.01, False, 1.0, 1.0, None, 1.0, 100)
    assert (grade(exact).score, grade(exact).grade) == (90, "A")


def test_ramp_is_clamped() -> None:
    assert ramp(-5, 0, 1, 0, 10) == 0
    assert ramp(0.25, 0, 1, 0, 10) == 2.5
    assert ramp(5, 0, 1, 10, 3) == 3


@given(
    st.builds(
        GradeInputs,
        st.floats(-5, 5),
        st.floats(0, 1),
        st.booleans(),
        st.floats(0, 1),
        st.floats(0, 1),
        st.none() | st.floats(0, 10),
        st.none() | st.floats(-5, 5),
        st.integers(0, 1000),
    )
)
def test_score_is_between_0_and_100(inputs: GradeInputs) -> None:
    result = grade(inputs)
    assert 0 <= result.score <= 100
    assert result.score == pytest.approx(sum(c.points for c in result.points.values()))


def test_verdicts_follow_the_diagnostic_rules() -> None:
    result = grade(STRONG)
    out = verdicts(
        result,
        positive_windows=9,
        n_windows=12,
        is_sharpe=6.0,
        oos_sharpe=0.8,
        combo_oos_sharpes=[1.5, 0.7, 0.2, -0.1, -0.5],
        oos_trades=25,
        combo_windows=[12, 12, 10, 12, 8],
    )
    levels = [v.level for v in out]
    texts = [v.text for v in out]
    # A ok ; 9/12 = 75 % ok ; IS 6 > 5 and OOS 0.8 < 1 bad ; 3/5 combos > 0 ok ; 25 < 30 bad ;
    # two combos on fewer than 12 windows warn
    assert levels == ["ok", "ok", "bad", "ok", "bad", "warn"]
    assert texts[0].startswith("Grade A (92/100)")
    assert "9/12 OOS windows (75%)" in texts[1]
    assert texts[2].startswith("Overfitting")
    assert "20% > 1, 40% > 0.5, 60% > 0" in texts[3]
    assert "25 OOS trades" in texts[4]
    assert texts[5].startswith("2 of 5 combos")


def test_verdict_levels_at_their_thresholds() -> None:
    base = {
        "is_sharpe": 2.0,
        "oos_sharpe": 1.5,
        "combo_oos_sharpes": [1.0, -1.0],
        "oos_trades": 60,
    }
    result = grade(STRONG)
    out = verdicts(result, positive_windows=6, n_windows=12, **base)  # type: ignore[arg-type]
    # 6/12 = 50 % warn ; OOS/IS 0.75 ok ; 50 % of combos > 0 ok ; 60 trades ok ; no partial
    assert [v.level for v in out] == ["ok", "warn", "ok", "ok", "ok"]
    out = verdicts(
        grade(replace(STRONG, dsr=0.0, transfer_ratio=0.0, consistency=0.0)),  # 50 -> F
        positive_windows=5,
        n_windows=12,
        is_sharpe=2.0,
        oos_sharpe=0.9,  # OOS/IS 0.45
        combo_oos_sharpes=[0.1, -1.0, -1.0, -1.0, -1.0, -1.0],  # 17 % > 0
        oos_trades=40,
    )
    assert [v.level for v in out] == ["bad", "bad", "bad", "bad", "warn"]
