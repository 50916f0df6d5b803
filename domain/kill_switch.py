"""Kill-switch rules: when a runner or the whole paper portfolio must stop opening positions.

Losses are percentages of the portfolio's initial capital (the seed's convention, where every
runner saw the whole capital): a grid runner that lost 25 % of the capital has lost its whole
allocation (``max_asset_allocation``), which is why grids get their own, wider thresholds.

* **Runner, session**: realised P&L since the runner was configured (or since its last reset)
  plus the unrealised P&L of its open position at the close, compared with
  ``[grid_]max_session_loss_percent``. Realised, not ``cash - capital``: margin locked in an
  open grid is not a loss (the seed's bug).
* **Runner, daily**: realised P&L of trades closed during the current UTC day plus the current
  unrealised P&L, against ``[grid_]max_daily_loss_percent``. The unrealised part may include
  losses from before midnight, which makes the daily switch slightly stricter than a
  mark-to-market one; it needs no price history to rebuild.
* **Global**: drawdown of the portfolio equity (cash + unrealised) from its highest close
  within the sliding window (24 h), against ``global_max_drawdown_percent``.

A tripped switch blocks new entries (new grids, new levels, new positions); open positions keep
their take-profit and stop-loss, which rest on the exchange in live trading. Runner switches
cannot trip during the grace period after a runner starts trading.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import msgspec

Percent = Annotated[float, msgspec.Meta(gt=0, le=100)]


class Limits(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Kill-switch thresholds (losses as % of the portfolio's initial capital).

    One struct for the domain and the config: ``risk.yaml``'s ``kill_switch`` section decodes
    into it (``config.risk.KillSwitch`` is this class), so the bounds below are the config's
    validation, and a portfolio records it with ``Simulator.set_limits``.

    Parameters
    ----------
    max_session_loss_percent : float, default 5.0 (mono runner, since start)
    max_daily_loss_percent : float, default 10.0 (mono runner, per UTC day)
    grid_max_session_loss_percent : float, default 25.0 (grid runner, since start)
    grid_max_daily_loss_percent : float, default 25.0 (grid runner, per UTC day)
    global_max_drawdown_percent : float, default 30.0 (whole portfolio, sliding window)
    global_window_hours : int, default 24
    global_cooldown_hours : int, default 24 (before the global switch may be reset)
    grace_period_candles : int, default 10 (no runner trip right after warm-up)
    """

    max_session_loss_percent: Percent = 5.0
    max_daily_loss_percent: Percent = 10.0
    grid_max_session_loss_percent: Percent = 25.0
    grid_max_daily_loss_percent: Percent = 25.0
    global_max_drawdown_percent: Percent = 30.0
    global_window_hours: Annotated[int, msgspec.Meta(ge=1, le=720)] = 24
    global_cooldown_hours: Annotated[int, msgspec.Meta(ge=0, le=720)] = 24
    grace_period_candles: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 10

    def record(self) -> dict[str, Any]:
        """The ``RiskLimitsSet`` payload: the fields by name (the stored JSON keys)."""
        return msgspec.structs.asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Limits:
        return cls(**record)

    @property
    def window_ms(self) -> int:
        return self.global_window_hours * 3_600_000

    @property
    def cooldown_ms(self) -> int:
        return self.global_cooldown_hours * 3_600_000


class TripReason(StrEnum):
    """Why a kill switch tripped: the ``reason`` a ``KillSwitchTripped`` event stores."""

    SESSION_LOSS = "session_loss"  # a runner's loss since its last reset
    DAILY_LOSS = "daily_loss"  # a runner's loss since the UTC day began
    DRAWDOWN = "drawdown"  # the portfolio's equity fell from the window's peak


class Trip(msgspec.Struct, frozen=True):
    """A tripped switch: why, the figures that tripped it (``runner_trip`` / ``global_trip``)
    and the candle it tripped at."""

    reason: TripReason
    figures: dict[str, Any]
    ts: int


class ResetRefusal(StrEnum):
    """Why an operator's reset request was refused."""

    COOLDOWN = "cooldown"  # the global switch is inside its cooldown (market time)
    UNKNOWN_RUNNER = "unknown_runner"  # the request names no runner of the portfolio


class ResetDecision(msgspec.Struct, frozen=True):
    """What a reset request did: the scopes it reset ("global" and runner keys, maybe none),
    or why it was refused (``refused``, and ``why`` in words: the ``KillSwitchResetRefused``
    event's reason)."""

    scopes: tuple[str, ...] = ()
    refused: ResetRefusal | None = None
    why: str = ""

    @property
    def text(self) -> str:
        """The decision for the operator."""
        if self.refused is not None:
            return f"refused: {self.why}"
        return f"reset {', '.join(self.scopes)}" if self.scopes else "nothing was tripped"


def runner_trip(
    kind: str,
    session_pnl: float,
    day_pnl: float,
    unrealized: float,
    capital: float,
    limits: Limits,
) -> tuple[TripReason, dict[str, float]] | None:
    """(reason, figures) when a runner's losses reach its thresholds, else None."""
    grid = kind == "grid"
    checks = (
        (
            TripReason.SESSION_LOSS,
            session_pnl + unrealized,
            limits.grid_max_session_loss_percent if grid else limits.max_session_loss_percent,
        ),
        (
            TripReason.DAILY_LOSS,
            day_pnl + unrealized,
            limits.grid_max_daily_loss_percent if grid else limits.max_daily_loss_percent,
        ),
    )
    for reason, pnl, threshold in checks:
        loss_pct = -pnl / capital * 100.0
        if loss_pct >= threshold:
            figures = {
                "loss_percent": loss_pct,
                "threshold_percent": threshold,
                "realized": session_pnl if reason == TripReason.SESSION_LOSS else day_pnl,
                "unrealized": unrealized,
                "capital": capital,
            }
            return reason, figures
    return None


def global_trip(
    window: list[list[float]], equity: float, limits: Limits
) -> tuple[TripReason, dict[str, float]] | None:
    """(reason, figures) when the equity fell from the window's peak by the threshold or more.

    ``window`` holds ``[ts, equity]`` closes of the sliding window, the current one included."""
    peak_ts, peak = max(window, key=lambda row: row[1])
    if peak <= 0:
        return None
    drawdown = (peak - equity) / peak * 100.0
    if drawdown < limits.global_max_drawdown_percent:
        return None
    figures = {
        "drawdown_percent": drawdown,
        "threshold_percent": limits.global_max_drawdown_percent,
        "peak_equity": peak,
        "peak_ts": int(peak_ts),
        "equity": equity,
        "window_hours": limits.global_window_hours,
    }
    return TripReason.DRAWDOWN, figures
