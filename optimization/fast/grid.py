"""The fast engine for the grid strategies: wrappers around the ``grid_nb`` kernels.

``batch_metrics`` and ``trades`` are the grid halves of ``optimization.fast.api`` (same
signatures and meaning). They check the windows, build the kernel inputs once
(``grid_prep.prepare``: every distinct indicator once, one table row per combination), call
the compiled kernel and turn its arrays into ``WindowMetrics`` / ``domain.trades.Trade``.

Supported: envelope_dca, envelope_dca_short, grid_atr, grid_multi_tf, grid_trend, grid_funding.

The kernels are compiled per *case* (level kind, trend, trailing stop: see ``grid_nb``), which
they receive as literals through ``numba.literally``. Resolving a literal call
re-runs numba's type inference (milliseconds), so after the first call of a case its compiled
entry point is kept and called directly (microseconds); the wrappers always pass arrays of the
same types, which is what makes that safe.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numba.core import types

from domain.backtest import Account
from domain.execution import Costs
from domain.strategies.plans import MarketArrays
from domain.trades import Trade
from optimization.fast.grid_nb import REASON_NAMES, Metric, RecFloat, RecInt, batch_nb, trades_nb
from optimization.fast.grid_prep import GridInputs, GridStrategyParams, max_days, parts, prepare
from optimization.fast.prepared import Preparations
from optimization.fast.results import DEFAULT_ACCOUNT, SYMBOL, WindowMetrics

_entry_points: dict[tuple[Any, ...], Callable[..., Any]] = {}


def batch_metrics(
    strategy: str,
    market: MarketArrays,
    combos: Sequence[GridStrategyParams],
    windows: np.ndarray,
    costs: Costs,
    account: Account = DEFAULT_ACCOUNT,
    preparations: Preparations | None = None,
    *,
    screened: bool = True,
) -> WindowMetrics:
    """Metrics of every combination on every ``[start, end)`` window: arrays (combos, windows).
    With ``preparations``, the kernel inputs are built once per market and combinations.
    ``screened``: the open grid's quiet candles screened in blocks (``grid_nb.screen_nb``), else
    tested one by one; the results are identical, only the speed differs."""
    spans = check_windows(windows, len(market))

    def build() -> list[tuple[np.ndarray, GridInputs]]:
        return list(parts(prepare(strategy, market, combos, costs, account)))

    pieces = (
        build()
        if preparations is None
        else preparations.get(strategy, market, combos, costs, account, build)
    )
    days = max_days(market.ts, spans)
    out = np.empty((len(combos), len(spans), Metric.size))
    for group, part in pieces:
        args = (part.data, part.ci, part.cf, part.coef, spans, days)
        out[group] = _call(batch_nb, (*part.case, int(screened)), *args)
    return WindowMetrics(
        sharpe=out[:, :, Metric.sharpe].copy(),
        return_pct=out[:, :, Metric.return_pct].copy(),
        max_drawdown_pct=out[:, :, Metric.max_drawdown_pct].copy(),
        trades=out[:, :, Metric.trades].astype(np.int64),
        wins=out[:, :, Metric.wins].astype(np.int64),
    )


def trades(
    strategy: str,
    market: MarketArrays,
    params: GridStrategyParams,
    costs: Costs,
    account: Account = DEFAULT_ACCOUNT,
    start: int = 0,
    end: int | None = None,
    *,
    screened: bool = True,
) -> list[Trade]:
    """Closed trades of one combination on ``[start, end)``, in closing order (``screened``:
    see ``batch_metrics``)."""
    end = len(market) if end is None else end
    spans = check_windows(np.array([[start, end]], dtype=np.int64), len(market))
    ((_, inputs),) = parts(prepare(strategy, market, [params], costs, account))
    first, stop = int(spans[0, 0]), int(spans[0, 1])
    days = max_days(inputs.data.ts, spans)
    args = (inputs.data, inputs.ci[0], inputs.cf[0], inputs.coef[0], first, stop, days)
    rec_i, rec_f = _call(trades_nb, (*inputs.case, int(screened)), *args)
    return [
        Trade(
            strategy=strategy,
            symbol=SYMBOL,
            side=int(ri[RecInt.side]),
            entry_ts=int(ri[RecInt.entry_ts]),
            exit_ts=int(ri[RecInt.exit_ts]),
            entry_price=float(rf[RecFloat.entry_price]),
            exit_price=float(rf[RecFloat.exit_price]),
            qty=float(rf[RecFloat.qty]),
            levels=int(ri[RecInt.levels]),
            gross=float(rf[RecFloat.gross]),
            entry_fees=float(rf[RecFloat.entry_fees]),
            exit_fee=float(rf[RecFloat.exit_fee]),
            funding=float(rf[RecFloat.funding]),
            pnl=float(rf[RecFloat.pnl]),
            reason=REASON_NAMES[int(ri[RecInt.reason])],
        )
        for ri, rf in zip(rec_i, rec_f, strict=True)
    ]


def check_windows(windows: np.ndarray | Sequence[Sequence[int]], n: int) -> np.ndarray:
    """``windows`` as a contiguous (W, 2) int64 array of ``0 <= start <= end <= n``."""
    spans = np.asarray(windows)
    if spans.ndim != 2 or spans.shape[1] != 2:
        raise ValueError(f"windows must have shape (W, 2) of (start, end), got {spans.shape}")
    if spans.size and not np.issubdtype(spans.dtype, np.integer):
        raise ValueError(f"windows must hold integer candle indices, got dtype {spans.dtype}")
    spans = np.ascontiguousarray(spans, dtype=np.int64)
    bad = (spans[:, 0] < 0) | (spans[:, 0] > spans[:, 1]) | (spans[:, 1] > n)
    if bad.any():
        w = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"windows[{w}] = {tuple(spans[w].tolist())} must satisfy 0 <= start <= end <= {n}"
        )
    return spans


def _call(kernel: Any, case: tuple[int, ...], *args: Any) -> Any:
    """``kernel(*case, *args)``, through the dispatcher once per case, then directly."""
    key = (kernel, case)
    entry = _entry_points.get(key)
    if entry is not None:
        return entry(*case, *args)
    result = kernel(*case, *args)  # compiles the case, or loads it from numba's cache
    for signature, compiled in kernel.overloads.items():
        head = signature[: len(case)]
        if all(
            isinstance(t, types.IntegerLiteral) and t.literal_value == v
            for t, v in zip(head, case, strict=True)
        ):
            _entry_points[key] = compiled.entry_point
            break
    return result
