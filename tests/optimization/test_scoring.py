"""combo_score, consistency and the Sharpe ratios by hand."""

from __future__ import annotations

import pytest

from optimization.scoring import combo_score, consistency, oos_is_ratio, transfer_ratio


def test_combo_score_by_hand() -> None:
    # 2.0 * (0.4 + 0.6 * 0.5) * 50/100 = 2.0 * 0.7 * 0.5 = 0.7
    assert combo_score(2.0, 0.5, 50) == pytest.approx(0.7)
    # full consistency, volume capped at 1: 3.0 * 1.0 * 1 = 3.0
    assert combo_score(3.0, 1.0, 250) == pytest.approx(3.0)
    # no consistency keeps 40 %: 1.5 * 0.4 * 1 = 0.6
    assert combo_score(1.5, 0.0, 100) == pytest.approx(0.6)
    assert combo_score(2.0, 1.0, 0) == 0.0


def test_the_seed_volume_example() -> None:
    # Sprint 15c: 111 trades must beat 39 trades at a somewhat lower Sharpe
    assert combo_score(4.0, 0.7, 111) > combo_score(6.0, 0.7, 39)


def test_consistency_counts_strictly_positive_windows() -> None:
    assert consistency([0.05, -0.01, 0.0, 0.2]) == 0.5
    assert consistency([]) == 0.0
    assert consistency([0.1] * 3) == 1.0


def test_ratios_and_their_non_positive_reference_rule() -> None:
    assert oos_is_ratio(1.5, 3.0) == 0.5
    assert oos_is_ratio(-1.0, 2.0) == -0.5
    assert oos_is_ratio(1.0, 0.0) == 0.0
    assert oos_is_ratio(-1.0, -2.0) == 0.0  # not +0.5
    assert transfer_ratio(1.6, 2.0) == pytest.approx(0.8)
    assert transfer_ratio(1.6, -2.0) == 0.0
