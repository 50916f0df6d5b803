"""Numba kernels of the fast mono-position engine.

Contract of every kernel here (vectorbt style):

- inputs are numpy arrays and scalars only (no Python objects, no callbacks); market series are
  1-D and aligned to candles, plans are 2-D tables of distinct rows (one row per distinct
  parameter subset) that combos point into through index arrays;
- outputs are allocated inside; nothing is written to the inputs;
- floats follow numpy's error model (``error_model="numpy"``): a division by zero gives inf or
  NaN as it does in ``domain.metrics`` (an equity of exactly 0 makes the Sharpe NaN there too);
- the arithmetic follows ``domain.mono_runner`` / ``domain.simulator`` / ``domain.trades``
  operation by operation (same operands, same order), so trades and equity agree with the
  event-driven engine to the last bit, and the statistics replicate numpy's own summation
  (pairwise, ``numpy.add.reduce``) so the metrics match ``domain.metrics``;
- order prices are rounded to the market's tick by ``domain.ticks.round_scaled``, the function
  the runner calls, with the tick's ``(tick_inv, tick_step)`` (both 0: no rounding).

Slow references: ``simulate_window_nb`` is ``domain.backtest.run_backtest(market.head(end), ...,
start=start)`` for a ``MonoPlan``; ``daily_sharpe_1d_nb`` is
``domain.metrics.sharpe_ratio(domain.metrics.daily_returns(ts, equity))`` given the equity at the
last candle of each UTC day; ``pairwise_sum_1d_nb`` is ``numpy.sum`` of a float64 vector.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from domain.contracts import adverse_exit, adverse_fill, liquidation_trigger, sized_qty
from domain.ticks import price_scale, round_scaled
from domain.trades import ExitReason
from optimization.fast.metrics_nb import sharpe_1d_nb


class ExitCodeT(NamedTuple):
    """Why a position closed, as a code (``Trade.reason``); the wrapper maps codes back."""

    tp: int
    sl: int
    signal: int
    time: int
    reverse: int
    end: int
    liquidation: int
    ruin: int


EXIT_REASON = ExitCodeT(0, 1, 2, 3, 4, 5, 6, 7)
REASON_NAMES = tuple(ExitReason(name) for name in ExitCodeT._fields)  # Trade.reason by code

# One closed trade, the numeric fields of ``domain.trades.Trade`` (a mono trade has one level).
trade_dt = np.dtype(
    [
        ("side", np.int64),
        ("entry_ts", np.int64),
        ("exit_ts", np.int64),
        ("entry_price", np.float64),
        ("exit_price", np.float64),
        ("qty", np.float64),
        ("gross", np.float64),
        ("entry_fees", np.float64),
        ("exit_fee", np.float64),
        ("funding", np.float64),
        ("pnl", np.float64),
        ("reason", np.int64),
    ],
    align=True,
)


# --- statistics --------------------------------------------------------------------------------


# --- one combination over one window -----------------------------------------------------------


@njit(cache=True, error_model="numpy")
def close_position_nb(
    records: np.ndarray, record: bool, n_trades: int, wins: int, cash: float, side: int,
    opened: int, entry: float, qty: float, entry_fee: float, funding_paid: float, exit_ts: int,
    price: float, fee_rate: float, reason: int, margin: float,
) -> tuple[float, int, int]:  # fmt: skip
    """Close the position at ``price``: returns the new (cash, trades, wins) and, with
    ``record``, writes the trade as record ``n_trades`` of ``records`` (``trade_dt``).

    Equivalent to ``domain.trades.build_trade`` for one level followed by
    ``Simulator.close_position`` (the cash moves by gross - exit fee; entry fees and funding left
    it when paid). The entry price is the runner's quantity-weighted average of its single
    level, ``(entry x qty) / qty``. A liquidation's exit fee is what the margin leaves."""
    gross = side * (price * qty - entry * qty)
    exit_fee = margin + gross if reason == EXIT_REASON.liquidation else fee_rate * price * qty
    pnl = gross - entry_fee - exit_fee - funding_paid
    if record:
        records[n_trades]["side"] = side
        records[n_trades]["entry_ts"] = opened
        records[n_trades]["exit_ts"] = exit_ts
        records[n_trades]["entry_price"] = entry * qty / qty
        records[n_trades]["exit_price"] = price
        records[n_trades]["qty"] = qty
        records[n_trades]["gross"] = gross
        records[n_trades]["entry_fees"] = entry_fee
        records[n_trades]["exit_fee"] = exit_fee
        records[n_trades]["funding"] = funding_paid
        records[n_trades]["pnl"] = pnl
        records[n_trades]["reason"] = reason
    return cash + (gross - exit_fee), n_trades + 1, wins + (pnl > 0.0)


@njit(cache=True, error_model="numpy")
def simulate_window_nb(
    ts: np.ndarray, open_: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray,
    funding: np.ndarray, day_end: np.ndarray, tf_ms: int, tick_inv: float, tick_step: float,
    qty_step: float, min_qty: float, min_notional: float, tiers: np.ndarray,
    signal: np.ndarray, tp_offset: np.ndarray, sl_offset: np.ndarray, exit_signal: np.ndarray,
    max_hold: int, notional: float, allow_long: bool, allow_short: bool, can_enter: bool,
    margin: float, capital: float, maker: float, taker: float, slippage: float,
    start: int, end: int, daily: np.ndarray, records: np.ndarray, record: bool,
) -> tuple[float, float, float, int, int]:  # fmt: skip
    """Run one plan over the window ``[start, end)``; returns (sharpe, return %, max drawdown %,
    trades, wins) and, with ``record``, writes the closed trades into ``records``.

    Equivalent to ``run_backtest(market.head(end), ..., start=start)`` with a ``MonoRunner``:
    at the open of candle i, funding on an open position, then a time exit (``max_hold``
    candles by timestamps), an exit signal or an opposite signal of i-1 closes it (market,
    taker); a flat runner enters on the signal of i-1 if its side is allowed and the margin
    guard passes (``can_enter``) and its quantity (``domain.contracts.sized_qty``) meets the
    contract's minimums; take-profit (maker) and the adverse exit (the stop-loss, taker, or the
    liquidation price when it comes first: ``domain.contracts``) of the fill rest from the entry
    candle on, a candle touching both follows the path rule of ``domain.execution
    .exit_touched``; a stop filled at or beyond the liquidation price is a liquidation. The
    equity is cash + unrealised at every close; the last candle closes everything at its close
    (``end``); equity <= 0 ruins the account (closed with reason ``ruin``, flat for the rest of
    the window). ``exit_signal`` all False means no exit signal; NaN offsets mean
    no such order. ``daily`` is scratch space of at least ``end - start`` floats.
    """
    buy_slip, sell_slip = 1.0 + slippage, 1.0 - slippage
    qty_inv, qty_unit = price_scale(qty_step)
    hold_ms = max_hold * tf_ms
    cash = capital
    side = 0
    entry = qty = tp = sl = entry_fee = paid = liq = 0.0
    opened = 0
    n_trades = wins = n_days = 0
    peak = worst = previous = 0.0
    equity = capital
    for i in range(start, end):
        if i > 0:
            o = open_[i]
            if side != 0:
                # 1. at the open: funding, then time exit / exit signal / reverse
                rate = funding[i]
                if rate == rate:
                    amount = side * rate * qty * o
                    paid += amount
                    cash -= amount
                reason = -1
                if max_hold != 0 and ts[i] - opened >= hold_ms:
                    reason = EXIT_REASON.time
                elif exit_signal[i - 1]:
                    reason = EXIT_REASON.signal
                elif signal[i - 1] == -side:
                    reason = EXIT_REASON.reverse
                if reason >= 0:
                    price = o * buy_slip if side < 0 else o * sell_slip
                    cash, n_trades, wins = close_position_nb(
                        records, record, n_trades, wins, cash, side, opened, entry, qty, entry_fee,
                        paid, ts[i], price, taker, reason, margin,
                    )  # fmt: skip
                    side = 0
            if side == 0:
                # 2. entry at the open on the signal of i-1
                wanted = signal[i - 1]
                fill = o * buy_slip if wanted > 0 else o * sell_slip
                q = 0.0
                allowed = (wanted == 1 and allow_long) or (wanted == -1 and allow_short)
                # the margin guard: ``can_enter`` (the limit, the same at every entry), the cash
                if can_enter and allowed and 0.0 + margin <= cash:
                    q = sized_qty(notional, fill, qty_inv, qty_unit, min_qty, min_notional)
                if q > 0.0:
                    side = wanted
                    entry = fill
                    qty = q
                    tp = round_scaled(entry * (1.0 + side * tp_offset[i - 1]), tick_inv, tick_step)
                    sl = round_scaled(entry * (1.0 - side * sl_offset[i - 1]), tick_inv, tick_step)
                    entry_fee = taker * entry * qty
                    cash -= entry_fee
                    paid = 0.0
                    opened = ts[i]
                    liq = liquidation_trigger(
                        side, qty, entry * qty, margin, tiers, tick_inv, tick_step
                    )
            if side != 0:
                # 3. resting take-profit and stop-loss, intra-candle path rule
                c = close[i]
                stop, liquidated = adverse_exit(side, sl, liq)
                if side > 0:
                    tp_hit, stop_hit = high[i] >= tp, low[i] <= stop
                else:
                    tp_hit, stop_hit = low[i] <= tp, high[i] >= stop
                if tp_hit and stop_hit:
                    if (c >= o) == (side > 0):
                        tp_hit = False
                    else:
                        stop_hit = False
                if stop_hit or tp_hit:
                    if stop_hit:
                        fill = max(stop, o) * buy_slip if side < 0 else min(stop, o) * sell_slip
                        price, liquidated = adverse_fill(side, fill, liquidated, liq)
                        fee_rate = taker
                        reason = EXIT_REASON.liquidation if liquidated else EXIT_REASON.sl
                    else:
                        price = min(tp, o) if side < 0 else max(tp, o)
                        fee_rate, reason = maker, EXIT_REASON.tp
                    cash, n_trades, wins = close_position_nb(
                        records, record, n_trades, wins, cash, side, opened, entry, qty, entry_fee,
                        paid, ts[i], price, fee_rate, reason, margin,
                    )  # fmt: skip
                    side = 0
        c = close[i]
        last = i == end - 1
        if last and side != 0:
            price = c * buy_slip if side < 0 else c * sell_slip
            cash, n_trades, wins = close_position_nb(
                records, record, n_trades, wins, cash, side, opened, entry, qty, entry_fee,
                paid, ts[i], price, taker, EXIT_REASON.end, margin,
            )  # fmt: skip
            side = 0
        equity = cash + side * (c - entry) * qty if side != 0 else cash
        ruined = equity <= 0.0
        if ruined:
            # the ruin guard: close at this close, then a flat line at the cash to the end
            if side != 0:
                price = c * buy_slip if side < 0 else c * sell_slip
                cash, n_trades, wins = close_position_nb(
                    records, record, n_trades, wins, cash, side, opened, entry, qty, entry_fee,
                    paid, ts[i], price, taker, EXIT_REASON.ruin, margin,
                )  # fmt: skip
                side = 0
            equity = cash
        # drawdown on every close: running peak, largest (peak - equity) / peak; a close at the
        # previous equity (a flat candle) changes neither
        if i == start or equity != previous:
            if i == start or equity > peak:
                peak = equity
            fall = (peak - equity) / peak
            if i == start or fall > worst or fall != fall:  # NaN sticks, as in np.max
                worst = fall
            previous = equity
        if ruined:
            for k in range(i, end):
                if k == end - 1 or day_end[k]:
                    daily[n_days] = equity
                    n_days += 1
            break
        if last or day_end[i]:
            daily[n_days] = equity
            n_days += 1
    sharpe = sharpe_1d_nb(daily, n_days, np.empty(max(n_days, 1)))
    return sharpe, (equity / capital - 1.0) * 100.0, worst * 100.0, n_trades, wins


# --- batches -----------------------------------------------------------------------------------


@njit(cache=True, parallel=True, error_model="numpy")
def batch_nb(
    ts: np.ndarray, open_: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray,
    funding: np.ndarray, day_end: np.ndarray, tf_ms: int, tick_inv: float, tick_step: float,
    qty_step: float, min_qty: float, min_notional: float, tiers: np.ndarray,
    signals: np.ndarray, signal_row: np.ndarray, tp_offsets: np.ndarray, tp_row: np.ndarray,
    sl_offsets: np.ndarray, sl_row: np.ndarray, exit_signals: np.ndarray, exit_row: np.ndarray,
    max_hold: np.ndarray, notional: np.ndarray, allow_long: np.ndarray, allow_short: np.ndarray,
    can_enter: bool, margin: float, capital: float, maker: float, taker: float, slippage: float,
    starts: np.ndarray, ends: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Metrics of every combination (axis 0) on every window (axis 1), in parallel over combos.

    Combination k runs the plan made of ``signals[signal_row[k]]``, ``tp_offsets[tp_row[k]]``,
    ``sl_offsets[sl_row[k]]``, ``exit_signals[exit_row[k]]`` with its ``max_hold``,
    ``notional`` and side filter; each window is ``simulate_window_nb`` from ``starts[w]`` to
    ``ends[w]``. Returns (sharpe, return %, max drawdown %, trades, wins), each of shape
    (combos, windows).
    """
    n_combos, n_windows = len(signal_row), len(starts)
    sharpe = np.empty((n_combos, n_windows))
    return_pct = np.empty((n_combos, n_windows))
    drawdown_pct = np.empty((n_combos, n_windows))
    trades = np.empty((n_combos, n_windows), dtype=np.int64)
    wins = np.empty((n_combos, n_windows), dtype=np.int64)
    longest = 1
    for w in range(n_windows):
        longest = max(longest, ends[w] - starts[w])
    for k in prange(n_combos):
        daily = np.empty(longest)
        no_records = np.empty(0, dtype=trade_dt)
        for w in range(n_windows):
            s, r, d, t, v = simulate_window_nb(
                ts, open_, high, low, close, funding, day_end, tf_ms, tick_inv, tick_step,
                qty_step, min_qty, min_notional, tiers,
                signals[signal_row[k]], tp_offsets[tp_row[k]], sl_offsets[sl_row[k]],
                exit_signals[exit_row[k]], max_hold[k], notional[k], allow_long[k],
                allow_short[k], can_enter, margin, capital, maker, taker, slippage,
                starts[w], ends[w], daily, no_records, False,
            )  # fmt: skip
            sharpe[k, w], return_pct[k, w], drawdown_pct[k, w] = s, r, d
            trades[k, w], wins[k, w] = t, v
    return sharpe, return_pct, drawdown_pct, trades, wins


@njit(cache=True, error_model="numpy")
def trades_nb(
    ts: np.ndarray, open_: np.ndarray, high: np.ndarray, low: np.ndarray, close: np.ndarray,
    funding: np.ndarray, day_end: np.ndarray, tf_ms: int, tick_inv: float, tick_step: float,
    qty_step: float, min_qty: float, min_notional: float, tiers: np.ndarray,
    signal: np.ndarray, tp_offset: np.ndarray, sl_offset: np.ndarray, exit_signal: np.ndarray,
    max_hold: int, notional: float, allow_long: bool, allow_short: bool, can_enter: bool,
    margin: float, capital: float, maker: float, taker: float, slippage: float, start: int,
    end: int,
) -> np.ndarray:  # fmt: skip
    """Closed trades (``trade_dt`` records, in closing order) of one plan on ``[start, end)``:
    ``simulate_window_nb`` with recording. A candle closes at most two positions (one at the
    open, one resting exit) and the last one a third, so ``2 x length + 1`` records suffice."""
    length = max(0, end - start)
    records = np.empty(2 * length + 1, dtype=trade_dt)
    daily = np.empty(max(1, length))
    n = simulate_window_nb(
        ts, open_, high, low, close, funding, day_end, tf_ms, tick_inv, tick_step, qty_step,
        min_qty, min_notional, tiers, signal, tp_offset, sl_offset,
        exit_signal, max_hold, notional, allow_long, allow_short, can_enter, margin, capital,
        maker, taker, slippage, start, end, daily, records, True,
    )[3]  # fmt: skip
    return records[:n].copy()
