"""A-F grade of a walk-forward result and its plain-language verdicts.

Six weighted criteria, 100 points (roadmap "MÉTRIQUES CLÉ"), each a clamped linear ramp:

====================  ===  ======================================================================
criterion             max  points
====================  ===  ======================================================================
oos_is_ratio           20  < 0.5 -> 0; 0.5..1.0 -> 0..20 linear; > 1 -> 20
monte_carlo            20  underpowered (< 30 trades) -> 12 whatever p; else p < 0.05 -> 20,
                           0.05 <= p <= 0.10 -> 10, p > 0.10 -> 0
consistency            20  share of positive OOS windows < 0.5 -> 0; 0.5..1.0 -> 0..20 linear
dsr                    15  < 0.5 -> 0; 0.5..1.0 -> 0..15 linear
stability              10  variance < 0.1 -> 10; 0.1..1.0 -> 10..3 linear; > 1 -> 0;
                           not measured -> 0
transfer               15  validation / OOS Sharpe ratio (validation market: the perpetual of the
                           same asset) < 0.3 -> 0; 0.3..1.0 -> 0..15 linear; > 1 -> 15;
                           not measured -> 0
====================  ===  ======================================================================

Grade from the unrounded score: A >= 90, B >= 80, C >= 70, D >= 60, F below. Guards on the
number of OOS trades: < 30 -> at most C, < 50 -> at most B (seed Sprint 15c).

Underpowered Monte Carlo earns 12 even when p is small: on fewer than 30 trades the bootstrap
p-value is not trustworthy either way, and it also breaks the time structure that is the DCA
edge (roadmap, points of attention 4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.walk_forward_summary import Criterion, Level, Verdict
from optimization.scoring import oos_is_ratio

GRADES = "ABCDF"
LOWER_BOUNDS = ((90.0, "A"), (80.0, "B"), (70.0, "C"), (60.0, "D"))
TRADE_CAPS = ((30, "C"), (50, "B"))  # fewer OOS trades than this -> grade at most that
SUSPICIOUS_RATIO = 1.5  # OOS/IS above this is flagged, not celebrated


@dataclass(frozen=True, slots=True)
class GradeInputs:
    oos_is_ratio: float  # see scoring.oos_is_ratio
    mc_p_value: float
    mc_underpowered: bool
    consistency: float  # share of OOS windows with a positive return, in [0, 1]
    dsr: float
    stability_variance: float | None  # stability.stability(...).variance; None: not measured
    transfer_ratio: float | None  # scoring.transfer_ratio; None: no validation market
    oos_trades: int


@dataclass(frozen=True, slots=True)
class GradeResult:
    grade: str
    score: float  # 0..100, sum of the criteria points
    points: dict[str, Criterion]
    capped_by: str | None  # the trade-count guard that lowered the grade, if any


def ramp(x: float, x0: float, x1: float, y0: float, y1: float) -> float:
    """Linear from (x0, y0) to (x1, y1), flat outside."""
    t = min(1.0, max(0.0, (x - x0) / (x1 - x0)))
    return y0 + t * (y1 - y0)


def letter(score: float) -> str:
    return next((g for bound, g in LOWER_BOUNDS if score >= bound), "F")


def grade(inputs: GradeInputs) -> GradeResult:
    points = {
        "oos_is_ratio": _oos_is(inputs.oos_is_ratio),
        "monte_carlo": _monte_carlo(inputs.mc_p_value, inputs.mc_underpowered),
        "consistency": _consistency(inputs.consistency),
        "dsr": _dsr(inputs.dsr),
        "stability": _stability(inputs.stability_variance),
        "transfer": _transfer(inputs.transfer_ratio),
    }
    score = sum(c.points for c in points.values())
    uncapped = letter(score)
    result, capped_by = uncapped, None
    for limit, cap in TRADE_CAPS:
        if inputs.oos_trades < limit and GRADES.index(result) < GRADES.index(cap):
            result = cap
            capped_by = f"{inputs.oos_trades} OOS trades (< {limit}): {uncapped} capped at {cap}"
    return GradeResult(result, score, points, capped_by)


def _oos_is(ratio: float) -> Criterion:
    pts = ramp(ratio, 0.5, 1.0, 0.0, 20.0)
    return Criterion(pts, 20, ratio, f"OOS keeps {ratio:.0%} of the in-sample Sharpe")


def _monte_carlo(p: float, underpowered: bool) -> Criterion:
    if underpowered:
        return Criterion(12, 20, p, f"p = {p:.3f} on fewer than 30 trades: underpowered")
    pts = 20.0 if p < 0.05 else 10.0 if p <= 0.10 else 0.0
    return Criterion(pts, 20, p, f"p = {p:.3f} that the OOS trades' Sharpe is luck")


def _consistency(share: float) -> Criterion:
    pts = ramp(share, 0.5, 1.0, 0.0, 20.0)
    return Criterion(pts, 20, share, f"{share:.0%} of OOS windows are profitable")


def _dsr(dsr: float) -> Criterion:
    pts = ramp(dsr, 0.5, 1.0, 0.0, 15.0)
    return Criterion(pts, 15, dsr, f"{dsr:.0%} probability the edge survives the number of trials")


def _stability(variance: float | None) -> Criterion:
    if variance is None:
        return Criterion(0, 10, None, "parameter stability not measured")
    pts = 10.0 if variance < 0.1 else 0.0 if variance > 1.0 else ramp(variance, 0.1, 1.0, 10, 3)
    return Criterion(pts, 10, variance, f"variance {variance:.3f} of the Sharpe under ±10/20 %")


def _transfer(ratio: float | None) -> Criterion:
    if ratio is None:
        return Criterion(0, 15, None, "no validation market (perpetual) result")
    pts = ramp(ratio, 0.3, 1.0, 0.0, 15.0)
    return Criterion(pts, 15, ratio, f"the perpetual keeps {ratio:.0%} of the OOS Sharpe")


# What each grade may trade (the grading rules, stated once for the CLI, the demo, the dashboard
# and live): applying a run writes its parameters for paper trading, which A to C may do ("C:
# paper trading only"); live trading needs A or B (``adapters.services.live_runners``).
PAPER_GRADES = ("A", "B", "C")
LIVE_GRADES = ("A", "B")
LIVE_NEEDS = "live trading needs grade A or B"

_GRADE_TEXT: dict[str, tuple[Level, str]] = {
    "A": ("ok", "excellent, ready for live"),
    "B": ("ok", "good, paper trade then live"),
    "C": ("warn", "fair, paper trading only"),
    "D": ("bad", "weak, needs work"),
    "F": ("bad", "reject (overfitting or no edge)"),
}


def verdicts(
    result: GradeResult,
    *,
    positive_windows: int,
    n_windows: int,
    is_sharpe: float,
    oos_sharpe: float,
    combo_oos_sharpes: Sequence[float],
    oos_trades: int,
    combo_windows: Sequence[int] = (),
) -> list[Verdict]:
    """Plain-language verdicts (seed DiagnosticPanel, Sprint 14c), in this order: grade,
    consistency of the best combo, IS -> OOS transfer, edge structure over all combos, trade
    volume, partial windows (only when some combo saw fewer than ``n_windows`` windows).

    Levels: grade A/B ok, C warn, D/F bad; consistency >= 70 % ok, >= 50 % warn, else bad;
    overfitting (IS > 5 and OOS < 1) or OOS/IS < 0.5 bad, OOS/IS > 1.5 warn (suspicious), else
    ok; edge structure: share of
    combos with OOS Sharpe > 0 >= 50 % ok, >= 20 % warn, else bad; trades < 30 bad, < 50 warn."""
    out = [_grade_verdict(result)]
    out.append(_consistency_verdict(positive_windows, n_windows))
    out.append(_transfer_verdict(is_sharpe, oos_sharpe))
    if len(combo_oos_sharpes):
        out.append(_edge_verdict(combo_oos_sharpes))
    out.append(_volume_verdict(oos_trades))
    partial = sum(1 for w in combo_windows if w < n_windows)
    if partial:
        out.append(
            Verdict(
                "warn",
                f"{partial} of {len(combo_windows)} combos were evaluated on fewer than "
                f"{n_windows} windows: their figures are less reliable.",
            )
        )
    return out


def _grade_verdict(result: GradeResult) -> Verdict:
    level, meaning = _GRADE_TEXT[result.grade]
    text = f"Grade {result.grade} ({result.score:.0f}/100): {meaning}."
    if result.capped_by:
        text += f" {result.capped_by}."
    return Verdict(level, text)


def _consistency_verdict(positive: int, n: int) -> Verdict:
    share = positive / n if n else 0.0
    level: Level = "ok" if share >= 0.7 else "warn" if share >= 0.5 else "bad"
    return Verdict(level, f"Profitable in {positive}/{n} OOS windows ({share:.0%}).")


def _transfer_verdict(is_sharpe: float, oos_sharpe: float) -> Verdict:
    if is_sharpe > 5 and oos_sharpe < 1:
        return Verdict(
            "bad",
            f"Overfitting: in-sample Sharpe {is_sharpe:.2f} but out-of-sample {oos_sharpe:.2f}.",
        )
    if is_sharpe <= 0:
        return Verdict("bad", f"No in-sample edge (IS Sharpe {is_sharpe:.2f}).")
    ratio = oos_is_ratio(oos_sharpe, is_sharpe)
    if ratio > SUSPICIOUS_RATIO:
        return Verdict(
            "warn",
            f"Suspicious: out of sample beats in-sample {ratio:.1f}x ({oos_sharpe:.2f} vs "
            f"{is_sharpe:.2f}); a selection rarely does better on data it never saw, so suspect "
            "luck or one regime carrying the result, and read the windows.",
        )
    level: Level = "ok" if ratio >= 0.5 else "bad"
    return Verdict(
        level,
        f"Out of sample keeps {ratio:.0%} of the in-sample Sharpe "
        f"({oos_sharpe:.2f} vs {is_sharpe:.2f}).",
    )


def _edge_verdict(sharpes: Sequence[float]) -> Verdict:
    n = len(sharpes)
    above = [sum(1 for s in sharpes if s > x) / n for x in (1.0, 0.5, 0.0)]
    level: Level = "ok" if above[2] >= 0.5 else "warn" if above[2] >= 0.2 else "bad"
    meaning = {
        "ok": "a structural edge, most parameter sets work",
        "warn": "the edge depends on the parameters",
        "bad": "few parameter sets work, the best one may be luck",
    }[level]
    return Verdict(
        level,
        f"OOS Sharpe of the {n} combos: {above[0]:.0%} > 1, {above[1]:.0%} > 0.5, "
        f"{above[2]:.0%} > 0: {meaning}.",
    )


def _volume_verdict(trades: int) -> Verdict:
    if trades < 30:
        return Verdict("bad", f"Only {trades} OOS trades: fewer than 30 is not significant.")
    if trades < 50:
        return Verdict("warn", f"{trades} OOS trades: fewer than 50, grade at most B.")
    return Verdict("ok", f"{trades} OOS trades.")
