"""Which combination each walk-forward window trades, and which periods may judge a choice.

The one rule that keeps the research honest: **a choice only sees in-sample data.** Each window
selects the combination with the highest in-sample score

    is_score = IS Sharpe x min(1, IS trades / full_score_trades)

(ties: the lowest combination index), and its out-of-sample result in that window is the
window's result. The inputs of ``select`` are in-sample metrics only, so nothing out of sample
can move a selection (a test perturbs the out-of-sample candles and checks that none moves).

The parameters to trade are the selection of the most recent window: the combination fitted on
the latest in-sample period, which is what a trader starting now would deploy. Judging them
(stability, transfer) may only use periods they were not chosen on: ``unseen_windows`` keeps the
windows whose out-of-sample span stays an embargo away from that in-sample span, on both sides.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from optimization.windows import Window

PARAMS_RULE = "the selection of the most recent window"


def is_score(sharpe: np.ndarray, trades: np.ndarray, full_score_trades: int) -> np.ndarray:
    """``sharpe x min(1, trades / full_score_trades)``, element-wise."""
    factor = np.minimum(1.0, np.maximum(trades, 0) / full_score_trades)
    return np.asarray(sharpe, dtype=float) * factor


def select(is_scores: np.ndarray) -> np.ndarray:
    """The selected combination of each window: argmax over combinations of a (combos, windows)
    array of in-sample scores (the first on ties; NaN scores never win)."""
    filled = np.where(np.isnan(is_scores), -np.inf, is_scores)
    return np.argmax(filled, axis=0)


def unseen_windows(
    windows: Sequence[Window], ts: np.ndarray, chosen_in: Window, embargo_ms: int
) -> list[int]:
    """Indexes of the windows whose out-of-sample candles are at least ``embargo_ms`` away from
    the in-sample span of ``chosen_in`` (the window the parameters were selected in)."""
    lo = int(ts[chosen_in.is_start]) - embargo_ms
    hi = int(ts[chosen_in.is_end - 1]) + embargo_ms
    return [
        w.index
        for w in windows
        if w.oos_end > w.oos_start and (int(ts[w.oos_end - 1]) < lo or int(ts[w.oos_start]) > hi)
    ]
