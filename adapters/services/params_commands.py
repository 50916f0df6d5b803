"""Applying a walk-forward run's parameters to paper trading: the one code path of the command.

``scalp-radar optimize --apply``, the demo and the dashboard's "Apply these parameters" all call
``apply_run`` with the id of a stored run (as the research read model knows it). It checks the
run exists and its grade may be applied, writes the run's best parameters as the pair's
``per_asset`` entry of strategies.yaml (the whole config validated first, the file replaced
atomically), then records ``ParamsApplied`` and projects it. Nothing is half-done: a refused
grade or an invalid config writes nothing, and if the event cannot be stored the file is put
back as it was.

Grades (``optimization.grading.PAPER_GRADES``, the one rule): applying writes parameters for
paper trading, which grades A to C may do (C is "paper trading only": live trading, which needs
A or B, skips it); D and F are never applied. A run computed with the earlier rule (recorded
before the walk-forward selected on in-sample scores: no ``selection_rule``) is never applied
either, whatever its grade: its figures were measured on the data its parameters were chosen
on, so the grade is optimistic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.files.config_writer import STRATEGIES_FILE, ConfigWriteError, apply_per_asset, restore
from adapters.services.engine import Engine
from domain.research import earlier_rule
from optimization.grading import PAPER_GRADES

_WHY_NOT = {
    "D": "weak, needs work",
    "F": "rejected: overfitting or no edge",
}


class UnknownRunError(LookupError):
    """No walk-forward run has this id."""


class ApplyRefusedError(ValueError):
    """The run exists but its parameters cannot be applied (grade, or an invalid config)."""


class GradeNotApplicableError(ApplyRefusedError):
    """The run's grade is not one the caller may apply."""


class EarlierRuleError(GradeNotApplicableError):
    """The run was graded with the earlier rule: its grade does not count (re-run optimize)."""


EARLIER_RULE = (
    "graded with the earlier rule (the best combination was chosen on its out-of-sample "
    "results, so its figures are optimistic): re-run optimize"
)


@dataclass(frozen=True, slots=True)
class AppliedParams:
    run_id: str
    strategy: str
    symbol: str
    grade: str
    params: dict[str, Any]
    config_file: Path


def refusal(grade: str | None) -> str | None:
    """Why a run of ``grade`` cannot be applied (None: it can)."""
    if grade in PAPER_GRADES:
        return None
    allowed = sorted(PAPER_GRADES)
    allowed = ", ".join(allowed[:-1]) + " or " + allowed[-1] if len(allowed) > 1 else allowed[0]
    why = _WHY_NOT.get(grade or "", "not graded")
    return f"grade {grade or '?'} ({why}) is not applied: only grade {allowed} parameters are"


def run_refusal(run: dict[str, Any]) -> str | None:
    """Why ``run`` cannot be applied (None: it can): its grade first, then its rule."""
    return refusal(run.get("grade")) or (EARLIER_RULE if earlier_rule(run) else None)


def run_params(run: dict[str, Any]) -> dict[str, Any]:
    """The parameters applying ``run`` writes: its parameters to trade (``best_params``: the
    most recent window's in-sample selection) over the searched grid."""
    best = run.get("best_params") or {}
    return {k: best[k] for k in run.get("grid") or best}


def apply_run(
    engine: Engine,
    config_dir: Path,
    run_id: str,
) -> AppliedParams:
    engine.project()  # the run may have been recorded a moment ago (optimize --apply)
    run = engine.research_reader().run(run_id)
    if run is None:
        raise UnknownRunError(f"no walk-forward result {run_id!r}")
    strategy, symbol, grade = run["strategy"], run["symbol"], run["grade"]
    reason = refusal(grade)
    if reason:
        raise GradeNotApplicableError(f"cannot apply {strategy} {symbol}: {reason}")
    if earlier_rule(run):
        raise EarlierRuleError(f"cannot apply {strategy} {symbol}: {EARLIER_RULE}")
    params = run_params(run)
    try:
        previous = apply_per_asset(config_dir, strategy, symbol, params)
    except ConfigWriteError as exc:
        raise ApplyRefusedError(f"cannot apply {strategy} {symbol}: {exc}") from exc
    try:
        engine.research.record_applied(strategy, symbol, params, grade, run_id)
    except BaseException:
        restore(config_dir, previous)  # no config line without its event
        raise
    engine.project()
    return AppliedParams(run_id, strategy, symbol, grade, params, config_dir / STRATEGIES_FILE)
