"""A minimal reference kernel for ONE grid strategy, grid_atr: the oracle and the speed yardstick
of the production grid kernel (``optimization.fast.grid_nb``).

Written from the strategy's rules (``domain.strategies.grid_atr``, ``domain.grid_runner``,
``domain.execution``, ``domain.backtest``), not from ``grid_nb``:

* level k of a combination rests at ``SMA - ATR x (start + k x step)`` for a long (no order
  unless > 0), ``SMA + ATR x (...)`` for a short, from the previous candle's SMA and positive ATR;
  ``start`` and ``step`` are > 0, so level k+1 is always farther than level k and the filled
  levels are a prefix: the state needs only their count;
* an open grid exits at the SMA (take-profit, limit, maker fee) or at ``sl_percent`` from its
  average entry (stop, taker fee, slippage); a candle touching both follows the intra-candle
  path rule (green: low first); a candle that closes a grid opens nothing;
* a flat runner offered both sides takes the one its path reaches first; levels fill nearest
  first at ``min(level, open)`` (a long's), each committing ``capital / assets / levels`` of
  margin at the leverage, under the Simulator's margin guard (the limit and the cash); the
  enlarged grid's stop is checked in the same candle;
* the last candle of a window closes what is open at its close (market order); an equity at or
  below zero closes everything (ruin) and leaves the window flat.

Scope: no contract rules (tick 0, no quantity step, no minimums, no margin tiers: no
liquidation) and no funding; ``reference_inputs`` refuses anything else. Metrics as
``domain.metrics``: Sharpe of the daily closes (``metrics_nb.sharpe_1d_nb``, NumPy's pairwise
summation), return %, max drawdown %, trades, wins.

Variants behind one switch (``mode``), sharing the exact step: ``PLAIN`` runs the exact logic
on every candle; ``SCREENED`` first flags, in a branch-free pass over a block of ``BLOCK``
candles (a flat runner goes on block after block), the first candle where something can happen
(a level reached, the exit or the stop touched; the window's last candle always), runs the
bookkeeping alone (equity, drawdown, daily closes) on the candles before it, and the exact logic
only there; ``SKIPPED`` screens an open grid so too, but a flat runner jumps to the first candle
reaching its nearest level through a table built with the inputs (``flat_next``: production's
``reach_next`` idea), so that its flat stretches cost nothing in the kernel. Figures:
BENCHMARKS.md, "The screened reference kernel".
"""

from __future__ import annotations

import msgspec
import numpy as np
from numba import njit, prange

from domain.backtest import Account
from domain.contracts import Contract
from domain.execution import Costs
from domain.indicators import atr, sma
from domain.metrics import DAY_MS
from domain.strategies.grid_atr import GridAtrParams
from domain.strategies.plans import MarketArrays, previous
from domain.strategies.spec import sides
from optimization.fast.metrics_nb import sharpe_1d_nb

BLOCK = 16  # candles screened at once
FLAT_BLOCK = 64  # ... further on by a flat runner, once the first block found nothing

PLAIN, SCREENED, SKIPPED = range(3)  # the kernel's modes

# columns of ReferenceInputs.ints / .floats / .costs
MID, VOL, LEVELS, LONG_ON, SHORT_ON, FLAT = range(6)
START, STEP, SL, MARGIN, NOTIONAL = range(5)
MAKER, TAKER, SLIPPAGE, CAPITAL, MARGIN_LIMIT = range(5)


class ReferenceInputs(msgspec.Struct, frozen=True):
    """Everything the reference kernel reads: candles, one row per distinct indicator, one table
    row per combination."""

    ts: np.ndarray  # (n,) int64
    ohlc: np.ndarray  # (4, n) float64: open, high, low, close
    day_end: np.ndarray  # (n,) bool: the next candle opens on another UTC day
    day_count: np.ndarray  # (n + 1,) int64: the day ends before candle i
    mids: np.ndarray  # (distinct ma periods, n): the previous candle's SMA
    vols: np.ndarray  # (distinct atr periods, n): the previous candle's ATR, NaN unless > 0
    ints: np.ndarray  # (combos, 6) int64: MID row, VOL row, LEVELS, LONG_ON, SHORT_ON, FLAT row
    floats: np.ndarray  # (combos, 5) float64: START, STEP, SL fraction, MARGIN, NOTIONAL
    costs: np.ndarray  # (5,) float64: MAKER, TAKER, SLIPPAGE, CAPITAL, MARGIN_LIMIT
    # (distinct nearest-level setups, n + 1) int64: the first candle >= i where a flat runner's
    # nearest level is reached, n if none
    flat_next: np.ndarray


def reference_inputs(
    market: MarketArrays, combos: list[GridAtrParams], costs: Costs, account: Account
) -> ReferenceInputs:
    """The kernel's inputs for grid_atr ``combos`` on ``market`` (no contract rules, no
    funding: a ValueError says which is there)."""
    if market.contract != Contract():
        raise ValueError(f"grid reference: no contract rules allowed, got {market.contract}")
    if not np.isnan(market.funding).all():
        raise ValueError("grid reference: no funding allowed (market.funding must be all NaN)")
    ma_periods = sorted({int(p.ma_period) for p in combos})
    atr_periods = sorted({int(p.atr_period) for p in combos})
    mids = [previous(sma(market.close, p)) for p in ma_periods]
    raw = [previous(atr(market.high, market.low, market.close, p)) for p in atr_periods]
    vols = [np.where(v > 0, v, np.nan) for v in raw]
    ints = np.zeros((len(combos), 6), dtype=np.int64)
    floats = np.zeros((len(combos), 5))
    for k, p in enumerate(combos):
        allowed = sides(p)
        margin = account.margin_per_asset() / int(p.num_levels)  # as domain.backtest.make_runner
        ints[k] = (
            ma_periods.index(int(p.ma_period)),
            atr_periods.index(int(p.atr_period)),
            int(p.num_levels),
            int(1 in allowed),
            int(-1 in allowed),
            0,  # set by flat_table
        )
        floats[k] = (
            p.atr_multiplier_start,
            p.atr_multiplier_step,
            p.sl_percent / 100.0,
            margin,
            margin * float(p.leverage),
        )
    day = market.ts // DAY_MS
    n = len(market)
    day_end = np.append(day[1:] != day[:-1], True) if n else np.zeros(0, dtype=bool)
    mids_rows = np.ascontiguousarray(np.vstack(mids)) if mids else np.full((1, n), np.nan)
    vols_rows = np.ascontiguousarray(np.vstack(vols)) if vols else np.full((1, n), np.nan)
    return ReferenceInputs(
        ts=np.ascontiguousarray(market.ts, dtype=np.int64),
        ohlc=np.ascontiguousarray(np.vstack([market.open, market.high, market.low, market.close])),
        day_end=day_end,
        day_count=np.concatenate([[0], np.cumsum(day_end, dtype=np.int64)]),
        mids=mids_rows,
        vols=vols_rows,
        ints=ints,
        floats=floats,
        costs=np.array(
            [
                costs.maker,
                costs.taker,
                costs.slippage,
                account.capital,
                account.max_margin_ratio * account.capital + 1e-9,  # Simulator.margin_allows
            ]
        ),
        flat_next=flat_table(market, mids_rows, vols_rows, ints, floats),
    )


def flat_table(
    market: MarketArrays, mids: np.ndarray, vols: np.ndarray, ints: np.ndarray, floats: np.ndarray
) -> np.ndarray:
    """One ``flat_next`` row per distinct nearest-level setup (SMA row, ATR row, first
    multiplier, sides); sets ``ints[:, FLAT]``. The reach test is the kernel's (``screen_nb``
    when flat), in NumPy."""
    n = len(market)
    rows: dict[tuple[int, int, float, int, int], int] = {}
    table: list[np.ndarray] = []
    for k in range(len(ints)):
        key = (int(ints[k, MID]), int(ints[k, VOL]), float(floats[k, START]),
               int(ints[k, LONG_ON]), int(ints[k, SHORT_ON]))  # fmt: skip
        if key not in rows:
            mid, vol, coef = mids[key[0]], vols[key[1]], key[2]
            with np.errstate(invalid="ignore"):
                buy = mid - vol * coef
                reached = (bool(key[3]) & (buy > 0.0) & (market.low <= buy)) | (
                    bool(key[4]) & (market.high >= mid + vol * coef)
                )
            first = np.where(reached, np.arange(n), n)
            rows[key] = len(table)
            table.append(np.append(np.minimum.accumulate(first[::-1])[::-1], n))
        ints[k, FLAT] = rows[key]
    return np.vstack(table) if table else np.zeros((1, n + 1), dtype=np.int64)


def reference_metrics(inputs: ReferenceInputs, windows: np.ndarray, mode: int) -> np.ndarray:
    """(combos, windows, 5) float64: Sharpe, return %, max drawdown %, trades, wins of every
    combination on every ``[start, end)`` window, the kernel run in ``mode`` (``PLAIN``,
    ``SCREENED``, ``SKIPPED``)."""
    spans = np.ascontiguousarray(windows, dtype=np.int64).reshape(-1, 2)
    days = max(
        [int(inputs.ts[e - 1] // DAY_MS - inputs.ts[s] // DAY_MS) + 1 for s, e in spans if e > s],
        default=0,
    )
    d = inputs
    return batch_reference_nb(
        mode,
        d.ohlc,
        d.day_end,
        d.day_count,
        d.mids,
        d.vols,
        d.ints,
        d.floats,
        d.costs,
        d.flat_next,
        spans,
        days,
    )


@njit(cache=True, parallel=True, error_model="numpy")
def batch_reference_nb(
    mode, ohlc, day_end, day_count, mids, vols, ints, floats, costs, flat_next, spans, days
):
    """Every combination on every window, combinations spread over the cores."""
    out = np.empty((ints.shape[0], spans.shape[0], 5))
    for k in prange(ints.shape[0]):
        closes = np.empty(days + 1)
        returns = np.empty(days + 1)
        mid = mids[ints[k, MID]]
        vol = vols[ints[k, VOL]]
        reach = flat_next[ints[k, FLAT]]
        for w in range(spans.shape[0]):
            out[k, w] = window_reference_nb(
                mode, ohlc, day_end, day_count, mid, vol, reach, ints[k], floats[k], costs,
                spans[w, 0], spans[w, 1], closes, returns,
            )  # fmt: skip
    return out


@njit(cache=True, error_model="numpy")
def level_nb(side, mid, vol, coef):
    """The price of a grid_atr level of multiplier ``coef`` (NaN: no order rests)."""
    if side > 0:
        price = mid - vol * coef
        return price if price > 0.0 else np.nan
    return mid + vol * coef


@njit(cache=True, error_model="numpy")
def screen_nb(side, more, coef, stop, low, high, mid, vol, u, top):
    """The first candle of ``[u, top)`` where something can happen, ``top`` if none: flat, a
    level of multiplier ``coef`` reached (``side`` 0; ``more`` = (long on, short on) as bits 1
    and 2); open, the stop or the take-profit touched or, while ``more``, the next level
    (``coef``) reached. Bitwise tests and a min reduction: no branch per candle. The indices are
    unsigned: a signed one makes numba guard every load against negative indices, which keeps
    LLVM from vectorising the loop (6x slower)."""
    first = np.uint64(u)
    end = np.uint64(top)
    hit = end
    if side == 0:
        long_on = (more & 1) != 0
        short_on = (more & 2) != 0
        for v in range(first, end):
            buy = mid[v] - vol[v] * coef
            sell = mid[v] + vol[v] * coef
            flag = (long_on & (buy > 0.0) & (low[v] <= buy)) | (short_on & (high[v] >= sell))
            hit = min(hit, v if flag else end)
    elif side > 0:
        for v in range(first, end):
            buy = mid[v] - vol[v] * coef
            reach = (more != 0) & (buy > 0.0) & (low[v] <= buy)
            flag = (low[v] <= stop) | (high[v] >= mid[v]) | reach
            hit = min(hit, v if flag else end)
    else:
        for v in range(first, end):
            reach = (more != 0) & (high[v] >= mid[v] + vol[v] * coef)
            flag = (high[v] >= stop) | (low[v] <= mid[v]) | reach
            hit = min(hit, v if flag else end)
    return np.int64(hit)


@njit(cache=True, error_model="numpy")
def flat_end_nb(sides_on, coef, low, high, mid, vol, i, last):
    """The first candle of ``[i, last)`` where a flat runner's nearest level (multiplier
    ``coef``) is reached, ``last`` if none: ``screen_nb`` over a first block of ``BLOCK``
    candles, then blocks of ``FLAT_BLOCK``."""
    top = min(i + BLOCK, last)
    j = screen_nb(0, sides_on, coef, 0.0, low, high, mid, vol, i, top)
    while j == top < last:
        top = min(top + FLAT_BLOCK, last)
        j = screen_nb(0, sides_on, coef, 0.0, low, high, mid, vol, j, top)
    return j


@njit(cache=True, error_model="numpy")
def window_reference_nb(
    mode, ohlc, day_end, day_count, mid, vol, reach, ci, cf, costs, start, end, closes, returns
):
    """One combination on ``[start, end)`` from a flat account: (Sharpe, return %, max drawdown
    %, trades, wins) as ``domain.backtest.run_backtest(market.head(end), start=start)``."""
    o, h, l, c = ohlc[0], ohlc[1], ohlc[2], ohlc[3]
    num_levels, long_on, short_on = ci[LEVELS], ci[LONG_ON] != 0, ci[SHORT_ON] != 0
    c_start, c_step, sl, mpl, notional = cf[START], cf[STEP], cf[SL], cf[MARGIN], cf[NOTIONAL]
    maker, taker, slip = costs[MAKER], costs[TAKER], costs[SLIPPAGE]
    capital, margin_limit = costs[CAPITAL], costs[MARGIN_LIMIT]
    sides_on = int(long_on) | (int(short_on) << 1)

    cash, margin_used, eq = capital, 0.0, capital
    side, levels = 0, 0  # the open grid: its direction, its filled levels (a prefix)
    qty = cost = entry_fees = stop = 0.0  # sums in fill order, as domain.ledger.totals
    trades = wins = days = 0
    # the drawdown deepens only at a new low since the peak: one division per new low
    peak, trough, drawdown = -np.inf, np.inf, 0.0
    last = end - 1
    i = start
    while i < end:
        if mode != PLAIN and side == 0:
            # flat: nothing happens before the first candle reaching the nearest level, and the
            # equity is the cash all along: the candles before it cost their daily closes
            if mode == SKIPPED:
                j = min(reach[i], last)
            else:
                j = flat_end_nb(sides_on, c_start, l, h, mid, vol, i, last)
            if i < j:
                eq = cash
                if eq > peak:
                    peak = trough = eq
                elif eq < trough:
                    trough = eq
                    drawdown = max(drawdown, (peak - eq) / peak)
                for _ in range(day_count[j] - day_count[i]):
                    closes[days] = eq
                    days += 1
                i = j
        elif mode != PLAIN:
            # open: the quiet candles before the first flagged one only move the equity; the
            # last candle always takes the exact step (it closes what is open)
            top = min(i + BLOCK, last)
            more = int(levels < num_levels)
            j = screen_nb(side, more, c_start + levels * c_step, stop, l, h, mid, vol, i, top)
            while i < j:
                eq = cash + side * (c[i] * qty - cost)
                if eq <= 0.0:
                    break  # the ruin guard: the exact step decides
                if eq > peak:
                    peak = trough = eq
                elif eq < trough:
                    trough = eq
                    drawdown = max(drawdown, (peak - eq) / peak)
                if day_end[i]:
                    closes[days] = eq
                    days += 1
                i += 1
            if i == top and i < last:
                continue

        # the exact step of candle i: exits of the open grid, else fills, then the forced close
        why, price, fee = -1, 0.0, 0.0  # why: 0 take-profit, 1 stop, 2 end
        if side != 0:
            tp_hit = h[i] >= mid[i] if side > 0 else l[i] <= mid[i]
            stop_hit = l[i] <= stop if side > 0 else h[i] >= stop
            if stop_hit and (not tp_hit or (c[i] >= o[i]) == (side > 0)):
                why, price, fee = 1, stop_exit_nb(side, stop, o[i], slip), taker
            elif tp_hit:
                limit = max(mid[i], o[i]) if side > 0 else min(mid[i], o[i])
                why, price, fee = 0, limit, maker
        if why < 0:
            go = side
            if side == 0:
                buys = long_on and l[i] <= level_nb(1, mid[i], vol[i], c_start)
                sells = short_on and h[i] >= level_nb(-1, mid[i], vol[i], c_start)
                if buys and sells:
                    go = 1 if c[i] >= o[i] else -1  # the path's first extreme
                else:
                    go = 1 if buys else -1 if sells else 0
            opened = False
            while go != 0 and levels < num_levels:
                level = level_nb(go, mid[i], vol[i], c_start + levels * c_step)
                if not (l[i] <= level if go > 0 else h[i] >= level):
                    break  # a farther level is not reached either
                if not (margin_used + mpl <= margin_limit and margin_used + mpl <= cash):
                    break  # the Simulator's margin guard
                fill = min(level, o[i]) if go > 0 else max(level, o[i])
                q = notional / fill
                f = maker * fill * q
                side = go
                levels += 1
                qty += q
                cost += fill * q
                entry_fees += f
                margin_used += mpl
                cash -= f
                opened = True
            if opened:
                stop = cost / qty * (1.0 - side * sl)
                if l[i] <= stop if side > 0 else h[i] >= stop:
                    why, price, fee = 1, stop_exit_nb(side, stop, o[i], slip), taker
        if why < 0 and side != 0 and i == last:
            why, price, fee = 2, c[i] * (1.0 - side * slip), taker
        if why >= 0:
            cash, won = settle_nb(side, qty, cost, entry_fees, price, fee, cash)
            trades += 1
            wins += won
            side = levels = 0
            qty = cost = entry_fees = margin_used = 0.0

        eq = cash if side == 0 else cash + side * (c[i] * qty - cost)
        ruined = eq <= 0.0
        if ruined:
            if side != 0:
                cash, won = settle_nb(
                    side, qty, cost, entry_fees, c[i] * (1.0 - side * slip), taker, cash
                )
                trades += 1
                wins += won
                side = 0
            eq = cash
        if eq > peak:
            peak = trough = eq
        elif eq < trough:
            trough = eq
            drawdown = max(drawdown, (peak - eq) / peak)
        if day_end[i] or i == last:
            closes[days] = eq
            days += 1
        if ruined:
            for j in range(i + 1, end):  # flat at the remaining cash to the window's end
                if day_end[j] or j == last:
                    closes[days] = eq
                    days += 1
            break
        i += 1

    out = np.empty(5)
    out[0] = sharpe_1d_nb(closes, days, returns)
    out[1] = (eq / capital - 1.0) * 100.0
    out[2] = drawdown * 100.0
    out[3] = trades
    out[4] = wins
    return out


@njit(cache=True, error_model="numpy")
def stop_exit_nb(side, stop, open_, slip):
    """A stop closing a grid of ``side``: the worse of the stop and the open, less slippage."""
    if side > 0:
        return min(stop, open_) * (1.0 - slip)
    return max(stop, open_) * (1.0 + slip)


@njit(cache=True, error_model="numpy")
def settle_nb(side, qty, cost, entry_fees, price, fee, cash):
    """Close every level at ``price``: (the new cash, 1 if the trade's P&L is positive)."""
    gross = side * (price * qty - cost)
    exit_fee = fee * price * qty
    pnl = gross - entry_fees - exit_fee
    return cash + (gross - exit_fee), int(pnl > 0.0)
