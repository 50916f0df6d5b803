"""Plain-language verdicts the dashboard adds to those recorded with a run.

The run's event already carries the seed's six DiagnosticPanel rules (grade, consistency,
IS -> OOS transfer, edge structure, trade volume, partial windows; ``optimization.grading``).
This module adds, from the same recorded figures, what the seed's panel showed beside them:
the performance per market regime and its conclusion (Sprint 15b), and one sentence each for
the Monte Carlo p-value, the Deflated Sharpe Ratio and the transfer to the perpetual. Pure
functions over the recorded figures (window records, a run's row), so each rule is tested on
hand-made numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain.walk_forward_summary import Level, Verdict, WindowRecord

REGIMES = ("crash", "bull", "bear", "range")
_SEVERITY: dict[str, int] = {"ok": 0, "warn": 1, "bad": 2}


@dataclass(frozen=True, slots=True)
class RegimeRow:
    regime: str
    windows: int
    avg_oos_sharpe: float
    consistency: float  # share of this regime's windows with a positive OOS return
    avg_return_pct: float


def regime_table(windows: Sequence[WindowRecord]) -> list[RegimeRow]:
    """The OOS windows grouped by regime (crash, bull, bear, range order): each window's
    selection (in-sample rule), or the one best combination (a run of the earlier rule)."""
    rows = []
    for regime in REGIMES:
        mine = [w for w in windows if w.regime == regime]
        if not mine:
            continue
        sharpes = [float(w.oos_sharpe or 0.0) for w in mine]
        returns = [float(w.oos_return_pct or 0.0) for w in mine]
        rows.append(
            RegimeRow(
                regime=regime,
                windows=len(mine),
                avg_oos_sharpe=sum(sharpes) / len(mine),
                consistency=sum(1 for r in returns if r > 0) / len(mine),
                avg_return_pct=sum(returns) / len(mine),
            )
        )
    return rows


def regime_verdict(rows: Sequence[RegimeRow]) -> Verdict | None:
    """All-weather, mean-reversion or momentum profile, else the best and the losing regimes."""
    if not rows:
        return None
    if len(rows) == 1:
        only = rows[0]
        return Verdict(
            "warn",
            f"All {only.windows} OOS windows were {only.regime} markets: "
            "the other regimes are untested.",
        )
    by_name = {r.regime: r for r in rows}
    losing = [r.regime for r in rows if r.avg_oos_sharpe <= 0]
    if not losing:
        return Verdict("ok", "All-weather: positive OOS Sharpe in every regime seen.")
    best = max(rows, key=lambda r: r.avg_oos_sharpe)
    trends_losing = [r for r in ("bull", "bear") if r in losing]
    if best.regime == "range" and trends_losing:
        return Verdict(
            "warn",
            f"Mean-reversion profile: works in range markets (Sharpe "
            f"{best.avg_oos_sharpe:.2f}), loses in {' and '.join(trends_losing)} markets.",
        )
    if best.regime in ("bull", "bear") and "range" in by_name and "range" in losing:
        return Verdict(
            "warn",
            f"Momentum profile: works in {best.regime} markets (Sharpe "
            f"{best.avg_oos_sharpe:.2f}), loses in range markets.",
        )
    level: Level = "bad" if best.avg_oos_sharpe <= 0 else "warn"
    return Verdict(
        level,
        f"Best in {best.regime} markets (Sharpe {best.avg_oos_sharpe:.2f}); "
        f"no positive Sharpe in {', '.join(losing)} markets.",
    )


def monte_carlo_verdict(p_value: float | None, underpowered: bool) -> Verdict:
    if underpowered:
        return Verdict(
            "warn", "Monte Carlo underpowered (fewer than 30 trades): luck cannot be ruled out."
        )
    if p_value is None:
        return Verdict("warn", "Monte Carlo not measured.")
    if p_value < 0.05:
        return Verdict("ok", f"Unlikely to be chance: Monte Carlo p = {p_value:.3f}.")
    if p_value <= 0.10:
        return Verdict("warn", f"Borderline: Monte Carlo p = {p_value:.3f} (0.05 to 0.10).")
    return Verdict("bad", f"Could well be chance: Monte Carlo p = {p_value:.3f}.")


def dsr_verdict(dsr: float | None, n_combos: int) -> Verdict:
    if dsr is None:
        return Verdict("warn", "Deflated Sharpe not measured.")
    text = (
        f"After trying {n_combos} combinations, the probability that the true Sharpe is "
        f"positive is {dsr:.0%}"
    )
    if dsr >= 0.95:
        return Verdict("ok", text + ".")
    if dsr >= 0.5:
        return Verdict("warn", text + ": not yet convincing.")
    return Verdict("bad", text + ": the best Sharpe may be an artefact of the search.")


def transfer_verdict(ratio: float | None) -> Verdict:
    if ratio is None:
        return Verdict("warn", "Transfer not measured (no perpetual data for this asset).")
    if ratio >= 0.5:
        return Verdict("ok", f"The edge carries over to the perpetual ({ratio:.0%} of the Sharpe).")
    if ratio >= 0.3:
        return Verdict("warn", f"The edge weakens on the perpetual ({ratio:.0%} of the Sharpe).")
    return Verdict("bad", f"The edge does not carry over to the perpetual ({ratio:.0%}).")


def extra_verdicts(run: Mapping[str, Any], rows: Sequence[RegimeRow]) -> list[Verdict]:
    """The dashboard's verdicts for a run row of the research read model."""
    out = [
        monte_carlo_verdict(run.get("mc_pvalue"), bool(run.get("mc_underpowered"))),
        dsr_verdict(run.get("dsr"), int(run.get("n_combos") or 0)),
        transfer_verdict(run.get("transfer_ratio")),
    ]
    regime = regime_verdict(rows)
    return out if regime is None else [*out, regime]


def verdict_panel(run: Mapping[str, Any]) -> dict[str, Any]:
    """What ``partials/verdicts.html`` shows for a run: the recorded verdicts, then the
    dashboard's, and the most severe level (one panel on the Research detail and the Explorer)."""
    shown = [
        *(run.get("verdicts") or []),
        *extra_verdicts(run, regime_table(run.get("windows") or [])),
    ]
    return {"verdicts": shown, "worst": worst_level(v.level for v in shown)}


def worst_level(levels: Iterable[str]) -> Level:
    """The most severe level (colours the panel's border): bad > warn > ok; ok when empty."""
    worst: Level = "ok"
    for level in levels:
        if _SEVERITY.get(level, 1) > _SEVERITY[worst]:
            worst = level if level in _SEVERITY else "warn"  # type: ignore[assignment]
    return worst
