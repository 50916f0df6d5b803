"""The live account's kill switch: the exchange balance's drawdown from its highest refresh
within a sliding window (24 h by default), against a threshold in ``risk.yaml``. Paper's switches
watch the shadow's equity; this one watches the money itself, which also moves by what paper
cannot see (slippage, fees, funding, a hand on the account).

A trip stops new entries and, if the config says so, flattens the live portfolio (through the
operator's own requests, so the shadow and the venue follow one path)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import msgspec

HOUR_MS = 3_600_000
KEPT_MS = 7 * 24 * HOUR_MS  # the longest window the config allows: history older is dropped


class AccountLimits(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """``risk.yaml``'s ``live_kill_switch``.

    Parameters
    ----------
    drawdown_percent : float, default 10.0 (of the window's highest balance)
    window_hours : int, default 24
    flatten : bool, default False (True: close every live position too, not only entries)
    """

    drawdown_percent: Annotated[float, msgspec.Meta(gt=0, le=100)] = 10.0
    window_hours: Annotated[int, msgspec.Meta(ge=1, le=7 * 24)] = 24
    flatten: bool = False


class AccountTrip(msgspec.Struct, frozen=True):
    peak: float
    total: float
    drawdown_pct: float


def account_trip(
    history: Sequence[Sequence[float]], limits: AccountLimits, now: int
) -> AccountTrip | None:
    """The trip, when the newest balance is ``drawdown_percent`` or more below the highest one
    refreshed within the window before ``now``; ``history`` is (ts, total), oldest first."""
    recent = [total for ts, total in history if ts > now - limits.window_hours * HOUR_MS]
    if not recent or max(recent) <= 0:
        return None
    peak, total = max(recent), history[-1][1]
    drawdown = (peak - total) / peak * 100.0
    return AccountTrip(peak, total, drawdown) if drawdown >= limits.drawdown_percent else None
