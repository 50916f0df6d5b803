"""Research results as events: what each walk-forward found, and which parameters were applied.

A run's summary is recorded once, complete (grade, criteria points, windows, every combination's
aggregate metrics), so the dashboard and the CLI read research from projections like everything
else. Applying parameters to paper trading is an event too, with the run that justified it.

The event holds the summary as builtins, like every fact (a ``WalkForwardSummary``'s fields,
``domain.walk_forward_summary``): the research log writes it with ``msgspec.to_builtins`` and the
projection reads it back with ``msgspec.convert``. The stored JSON is the summary's JSON, so the
summaries earlier versions stored (fewer keys) decode through the vocabulary's defaults, with no
upcaster and no type the event library must know.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.facts import Fact

RESEARCH_LOG_ID: UUID = uuid5(NAMESPACE_URL, "/research")
# a run's ``selection_rule`` since each window selects on in-sample data (issue 11); runs
# recorded before have none: the seed's rule chose one best combination on its OOS results
IN_SAMPLE_RULE = "in_sample"


def earlier_rule(summary: Mapping[str, Any]) -> bool:
    """Whether a run's summary was computed with the seed's rule, so every OOS figure of it was
    measured on the data its parameters were chosen on."""
    return summary.get("selection_rule") != IN_SAMPLE_RULE


class OptimizationCompleted(Fact):
    TOPIC = "scalp_radar:OptimizationCompleted"
    run_id: str
    strategy: str
    symbol: str
    summary: dict[str, Any]  # a WalkForwardSummary as builtins


class ParamsApplied(Fact):
    """Per-asset parameters now used by paper trading for (strategy, symbol)."""

    TOPIC = "scalp_radar:ParamsApplied"
    strategy: str
    symbol: str
    params: dict[str, Any]
    grade: str
    run_id: str
