"""The live account's balance alert: a refresh that finds the balance moved more than a threshold
(``risk.yaml``'s ``live_balance_alert_percent``) from the previous refresh, when no trade of the
executor explains it: a deposit, a withdrawal, a trade by hand the fills have not shown yet, or
a venue error. It changes nothing in trading (the account kill switch does that); it is told.

"A trade" is what the Executor records that moves money: a fill (which opens, grows, reduces or
closes a position) or a position adopted or dropped at reconciliation. The executor records no
funding of its own (the venue's funding reaches it only through the balance), so funding never
explains a move; a payment is a small fraction of a position's value, far below any
sensible threshold.
"""

from __future__ import annotations

import msgspec


class BalanceMove(msgspec.Struct, frozen=True):
    """The balance went from ``before`` (refreshed at ``since_ts``) to ``after``:
    ``change_pct`` of ``before``, signed."""

    before: float
    after: float
    change_pct: float
    since_ts: int


def unexplained_move(
    before: float, since_ts: int, after: float, traded: bool, threshold_pct: float
) -> BalanceMove | None:
    """The move from the previous refresh (``before`` at ``since_ts``) to this one (``after``),
    when it exceeds ``threshold_pct`` of ``before`` and no trade was booked between the two.

    The comparison is refresh to refresh, not since the last alert nor the last trade: two
    refreshes of +6 % each are two ordinary moves, never one alert, and a trade explains only
    the refresh that follows it. No previous refresh (``since_ts`` 0) or a balance of 0 before
    gives no reference: no alert."""
    if traded or since_ts <= 0 or before <= 0:
        return None
    # products, not a ratio: 1,000 -> 1,100 is exactly 10 % (not 10.000000000000009)
    if abs(after - before) * 100.0 <= threshold_pct * before:
        return None
    change_pct = (after - before) / before * 100.0
    return BalanceMove(before=before, after=after, change_pct=change_pct, since_ts=since_ts)
