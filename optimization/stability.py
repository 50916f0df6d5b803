"""Parameter stability: does the Sharpe survive small moves of the chosen parameters?

Each numeric tunable parameter is moved by -20 %, -10 %, +10 %, +20 %, one at a time, and the
strategy is re-run. With base Sharpe ``b`` and perturbed Sharpe ratios ``s_i``::

    d_i       = (s_i - b) / max(|b|, 1)
    variance  = mean(d_i^2)          (second moment of d about 0, i.e. about the base)
    score     = 1 / (1 + variance)   in (0, 1]

The spread is measured about the base, not about the mean of the ``s_i``: neighbours that all
lose half the Sharpe are a cliff, not stability, and a variance about their own mean would call
them perfectly stable. Dividing by ``|b|`` makes it a relative change (a Sharpe of 6 losing 1 is
as stable as 3 losing 0.5); the floor of 1 keeps a base Sharpe near zero from blowing it up.
The grading reads ``variance`` (< 0.1 full marks, i.e. neighbours within about 30 %).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

STEPS = (-0.20, -0.10, 0.10, 0.20)


@dataclass(frozen=True, slots=True)
class StabilityResult:
    variance: float
    score: float


def perturbations(
    params: Mapping[str, Any],
    grid_keys: Collection[str],
    int_keys: Collection[str] = (),
    bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
) -> list[dict[str, Any]]:
    """Copies of ``params`` with one key of ``grid_keys`` moved by each of ``STEPS``.

    Integer keys are rounded half up and never go below 1; values are clipped to
    ``bounds[key] = (low, high)`` (either may be None). A move that rounding or clipping brings
    back to the base value, or to a value already produced for that key, is dropped: it measures
    nothing. Non-numeric values (and booleans) are not perturbed."""
    out = []
    for key in grid_keys:
        base = params.get(key)
        if isinstance(base, bool) or not isinstance(base, int | float):
            continue
        seen = {base}
        for step in STEPS:
            value = _moved(base * (1 + step), key in int_keys, (bounds or {}).get(key))
            if value not in seen:
                seen.add(value)
                out.append({**params, key: value})
    return out


def _moved(value: float, integer: bool, bound: tuple[float | None, float | None] | None) -> Any:
    if integer:
        value = max(1, math.floor(value + 0.5))
    low, high = bound or (None, None)
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return int(value) if integer else float(value)


def stability(base_sharpe: float, perturbed_sharpes: Collection[float]) -> StabilityResult:
    if len(perturbed_sharpes) == 0:
        raise ValueError("no perturbation to measure (grade stability as not measured)")
    scale = max(abs(base_sharpe), 1.0)
    variance = sum(((s - base_sharpe) / scale) ** 2 for s in perturbed_sharpes)
    variance /= len(perturbed_sharpes)
    return StabilityResult(variance, 1.0 / (1.0 + variance))
