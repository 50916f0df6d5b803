"""The dashboard's verdict rules, one test per rule and level, on hand-made figures."""

from __future__ import annotations

import pytest

from tests.web.kit import regime_window
from web.verdicts import (
    RegimeRow,
    dsr_verdict,
    extra_verdicts,
    monte_carlo_verdict,
    regime_table,
    regime_verdict,
    transfer_verdict,
    worst_level,
)


def row(regime: str, sharpe: float) -> RegimeRow:
    return RegimeRow(regime, 2, sharpe, 0.5, 1.0)


def test_regime_table_groups_windows_by_regime_in_a_fixed_order() -> None:
    windows = [
        regime_window(0, "range", 1.0, 2.0),
        regime_window(1, "bull", 3.0, 6.0),
        regime_window(2, "range", -0.5, -1.0),
    ]
    assert regime_table(windows) == [
        RegimeRow("bull", 1, 3.0, 1.0, 6.0),
        RegimeRow("range", 2, 0.25, 0.5, 0.5),  # (1 - 0.5) / 2; one of two windows positive
    ]


def test_no_windows_no_regime_verdict() -> None:
    assert regime_verdict([]) is None


def test_a_single_regime_is_untested_elsewhere() -> None:
    v = regime_verdict([row("range", 1.0)])
    assert v is not None and v.level == "warn" and "range" in v.text and "untested" in v.text


def test_positive_in_every_regime_is_all_weather() -> None:
    v = regime_verdict([row("bull", 0.5), row("range", 1.0), row("crash", 0.1)])
    assert v is not None and (v.level, v.text.split(":")[0]) == ("ok", "All-weather")


def test_best_in_range_losing_in_trends_is_mean_reversion() -> None:
    v = regime_verdict([row("bull", -0.2), row("bear", -1.0), row("range", 1.5)])
    assert v is not None and v.level == "warn"
    assert v.text.startswith("Mean-reversion profile") and "bull and bear" in v.text


def test_best_in_a_trend_losing_in_range_is_momentum() -> None:
    v = regime_verdict([row("bull", 2.0), row("range", -0.3)])
    assert (
        v is not None and v.level == "warn" and v.text.startswith("Momentum profile: works in bull")
    )


def test_otherwise_names_the_best_and_the_losing_regimes() -> None:
    v = regime_verdict([row("crash", -2.0), row("range", 0.8)])
    assert v is not None and v.level == "warn"
    assert v.text == "Best in range markets (Sharpe 0.80); no positive Sharpe in crash markets."


def test_losing_everywhere_is_bad() -> None:
    v = regime_verdict([row("crash", -2.0), row("bull", -0.1)])
    assert v is not None and v.level == "bad"


@pytest.mark.parametrize(
    ("p", "underpowered", "level"),
    [
        (0.01, False, "ok"),
        (0.05, False, "warn"),
        (0.10, False, "warn"),
        (0.11, False, "bad"),
        (0.01, True, "warn"),
        (None, False, "warn"),
    ],
)
def test_monte_carlo_levels_at_their_thresholds(p, underpowered, level) -> None:
    assert monte_carlo_verdict(p, underpowered).level == level


@pytest.mark.parametrize(
    ("dsr", "level"), [(0.95, "ok"), (0.949, "warn"), (0.5, "warn"), (0.49, "bad"), (None, "warn")]
)
def test_dsr_levels_at_their_thresholds(dsr, level) -> None:
    assert dsr_verdict(dsr, 324).level == level


def test_dsr_verdict_names_the_number_of_trials() -> None:
    assert dsr_verdict(0.97, 324).text == (
        "After trying 324 combinations, the probability that the true Sharpe is positive is 97%."
    )


@pytest.mark.parametrize(
    ("ratio", "level"), [(0.5, "ok"), (0.49, "warn"), (0.3, "warn"), (0.29, "bad"), (None, "warn")]
)
def test_transfer_levels_at_their_thresholds(ratio, level) -> None:
    assert transfer_verdict(ratio).level == level


def test_extra_verdicts_of_a_run_row_in_order() -> None:
    run = {"mc_pvalue": 0.2, "mc_underpowered": 0, "dsr": 0.99, "n_combos": 8, "transfer_ratio": 1}
    levels = [v.level for v in extra_verdicts(run, [row("bull", 1.0), row("range", 2.0)])]
    assert levels == ["bad", "ok", "ok", "ok"]  # MC, DSR, transfer, regimes (all-weather)


def test_worst_level() -> None:
    assert worst_level([]) == "ok"
    assert worst_level(["ok", "warn", "ok"]) == "warn"
    assert worst_level(["warn", "bad", "ok"]) == "bad"
