"""Selection score of a combo and the ratios the grading reads (roadmap "MÉTRIQUES CLÉ")."""

from __future__ import annotations

from collections.abc import Sequence


def combo_score(sharpe: float, consistency: float, trades: int) -> float:
    """``sharpe * (0.4 + 0.6 * consistency) * min(1, trades / 100)``.

    Picks the best combo of a walk-forward: the OOS Sharpe, discounted when the combo is
    profitable in few windows (``consistency`` in [0, 1]) and when it trades fewer than 100
    times (seed Sprint 15c: a 39-trade combo must not beat a 111-trade one on luck)."""
    return sharpe * (0.4 + 0.6 * consistency) * min(1.0, max(trades, 0) / 100)


def consistency(oos_returns_per_window: Sequence[float]) -> float:
    """Share of OOS windows with a strictly positive return (a flat window is not a win);
    0 when there is no window."""
    if len(oos_returns_per_window) == 0:
        return 0.0
    return sum(1 for r in oos_returns_per_window if r > 0) / len(oos_returns_per_window)


def sharpe_ratio_of(sharpe: float, reference: float) -> float:
    """``sharpe / reference``, and 0 when the reference Sharpe is <= 0.

    A non-positive reference has no edge to keep, so nothing is kept: dividing by it would
    turn a loss into a reward (-1 / -2 = 0.5) or explode near zero."""
    return sharpe / reference if reference > 0 else 0.0


def oos_is_ratio(oos_sharpe: float, is_sharpe: float) -> float:
    """OOS Sharpe / IS Sharpe (share of the in-sample edge that survives out of sample);
    0 when the IS Sharpe is <= 0 (see ``sharpe_ratio_of``)."""
    return sharpe_ratio_of(oos_sharpe, is_sharpe)


def transfer_ratio(validation_sharpe: float, oos_sharpe: float) -> float:
    """Sharpe on the validation market (the perpetual of the same asset) / OOS Sharpe on the
    main market; 0 when the OOS Sharpe is <= 0."""
    return sharpe_ratio_of(validation_sharpe, oos_sharpe)
