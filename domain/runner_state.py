"""What the Simulator holds per runner, and why it refuses a runner's entries.

``RunnerState`` is built and changed only by the Simulator's ``@event`` mutators; the runners
(``domain.grid_runner``, ``domain.mono_runner``) read it. Its fields are the keys the state had
when it was a dict, in the same order, so a snapshot stores the same JSON (``Simulator.Snapshot``
writes it with ``msgspec.to_builtins`` and reads it back with ``msgspec.convert``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import msgspec

from domain.kill_switch import Trip
from domain.ledger import Level


class EntryRefusal(StrEnum):
    """Why a runner may not open now. The value is the ``reason`` an ``EntryBlocked`` /
    ``EntryUnblocked`` event stores (only ``margin``, ``min_order`` and ``regime`` are recorded:
    a tripped switch has its own event, a disabled runner opens nothing)."""

    KILL_SWITCH = "kill_switch"  # the global switch or the runner's own is tripped
    DISABLED = "disabled"  # the config no longer enables the runner
    REGIME = "regime"  # the regime filter blocks new grids / positions
    MARGIN = "margin"  # the global margin guard refused a fill
    MIN_ORDER = "min_order"  # the order's size is below the venue's minimum quantity or notional
    HALTED = "halted"  # new entries stopped by the operator (the portfolio's, not recorded)


# refusals an entry that opens lifts: the next order that fits is proof they are over
LIFTED_BY_AN_ENTRY = (EntryRefusal.MARGIN, EntryRefusal.MIN_ORDER)


def lift_entry_blocks(blocked: dict) -> None:
    """An entry opened: the margin and minimum-order refusals are over."""
    for refusal in LIFTED_BY_AN_ENTRY:
        blocked.pop(refusal, None)


class RunnerState(msgspec.Struct, kw_only=True):
    """One runner (strategy x symbol) of a Simulator: its open grid cycle or position, its
    configuration, its kill switch and the P&L the switch reads.

    Parameters
    ----------
    strategy, symbol : str
    kind : "grid" | "mono"
    side : int, default 0 (+1 long / -1 short while a grid or position is open)
    levels : dict[str, (price, qty, ts)], default {} (level index -> fill; "0" for mono)
    entry_fees : float, default 0.0 (fees of the open cycle)
    funding : float, default 0.0 (funding paid by the open cycle)
    margin : float, default 0.0 (margin of the open cycle)
    trail : float, default 0.0 (trailing stop price; 0: none yet)
    opened_ts : int, default 0 (first fill of the open cycle)
    tp, sl : float, default 0.0 (a mono position's take-profit and stop; 0: none)
    enabled : bool, default True
    params : dict, default {} (the parameters it trades with)
    regimes : dict[str, float], default {} (regime -> walk-forward OOS Sharpe)
    grace_until : int, default 0 (its kill switch is inactive before this candle ts)
    blocked : dict[EntryRefusal, int], default {} (recorded refusals -> since when)
    trip : Trip or None, default None (its kill switch, when tripped)
    session_pnl : float, default 0.0 (realised since configured or reset)
    day : int, default -1 (UTC day number of ``day_pnl``)
    day_pnl : float, default 0.0 (realised during that day)
    start_ts : int or None, default None (fixed by its first configuration: the warm-up
        window starts there)
    """

    strategy: str
    symbol: str
    kind: str
    side: int = 0
    levels: dict[str, Level] = {}
    entry_fees: float = 0.0
    funding: float = 0.0
    margin: float = 0.0
    trail: float = 0.0
    opened_ts: int = 0
    tp: float = 0.0
    sl: float = 0.0
    enabled: bool = True
    params: dict[str, Any] = {}
    regimes: dict[str, float] = {}
    grace_until: int = 0
    blocked: dict[EntryRefusal, int] = {}
    trip: Trip | None = None
    session_pnl: float = 0.0
    day: int = -1
    day_pnl: float = 0.0
    start_ts: int | None = None

    def clear_position(self) -> None:
        """Nothing held any more (the cycle or position closed)."""
        self.side, self.levels, self.trail, self.opened_ts = 0, {}, 0.0, 0
        self.entry_fees = self.funding = self.margin = self.tp = self.sl = 0.0
