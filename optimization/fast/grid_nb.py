"""Numba kernels of the fast grid engine: ``domain.grid_runner`` on arrays, many combos at once.

Contract (vectorbt style): every function here is ``@njit(cache=True)``, takes NumPy arrays,
scalars and NamedTuples of arrays only (no Python callbacks), allocates its outputs inside and
never writes its inputs. ``error_model="numpy"``: a division by zero gives inf / NaN as the
NumPy code of ``domain.metrics`` does (an account ruined at exactly zero equity), it does not
raise. The plain-Python modules build the inputs (``grid_prep``) and wrap the results
(``grid``); the array layouts are below.

Inputs shared by the simulation kernels:

* the case ``kind, trend_on, trail_on``: the level formula (``LevelKind``), whether a trend row
  gates the levels and flips the grid, whether a trailing stop follows the close. The entry
  kernels make them literals (``numba.literally``), so each case compiles into its own loop
  without runtime flag tests (which cost about as much as a quiet candle itself);
* ``data`` (``GridData``): candles, funding, UTC day ends, the distinct derived series
  (``rows``: previous SMA/EMA, previous positive ATR, trends, raw ATR, known funding rate ...,
  each computed once by the wrapper), the flat-skip table ``reach_next``, strategy scalars;
* per combination: ``ci`` (int64, ``IntCol``), ``cf`` (float64, ``FloatCol``) and ``coef``
  (2, levels): the per-level coefficients of the long (row 0) and short (row 1) levels, see
  ``level_price_nb``.

Reference: for one combination and one window ``[start, end)``, ``window_nb`` reproduces
``domain.backtest.run_backtest(market.head(end), ..., start=start)`` operation for operation
(the same IEEE operations in the same order, so the trades agree bit for bit; the metrics follow
``domain.metrics`` including NumPy's pairwise summation). No ``fastmath``: the round-off is part
of the contract. The speed comes from skipping work, never from reordering arithmetic: a flat
stretch is skipped in one step (``reach_next``), and an open grid's quiet candles (nothing at the
open, no exit touched, the next level out of reach) run in a tight loop that only moves the
equity, the drawdown and the trailing stop. The literal ``screen`` picks how that loop finds its
end: ``screen_nb`` flags the first candle of a block of ``SCREEN_BLOCK`` candles where something
can happen, branch-free so the compiler vectorises it (the default, ``grid.batch_metrics``),
or ``quiet_nb`` tests one candle at a time (the oracle of the tests and the benchmark). Both
make the same comparisons on the same state, so the results are identical; on five years of
BTC 1h, 77 % of grid_atr's steps are flat skips, 16 % quiet candles, 7 % full steps. A row the
call knows to be all NaN (``StratCol.funding_on`` / ``signal_on``: a spot market, no exit
signal) is not loaded in those loops, and ordered atr levels end the fill loop at the first one
not reached.

Order prices are on the market's tick grid: the levels, the stop and the trailing stop are
rounded by ``domain.ticks.round_scaled`` (the function the event-driven engine calls) with the
tick's ``(inv, step)`` from the cost row (both 0: no rounding); the take-profit row arrives
rounded from ``grid_prep``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import literally, njit, prange

from domain.contracts import adverse_exit, adverse_fill, liquidation_trigger, sized_qty
from domain.ticks import price_scale, round_scaled
from domain.trades import ExitReason
from optimization.fast.metrics_nb import sharpe_1d_nb

_NONE = -1  # exit_touched_nb codes
_STOP = 1
_TP = 2


# --- array layouts ------------------------------------------------------------------------------
# Int enums as NamedTuple instances (numba freezes them as compile-time constants). They live in
# this module on purpose: numba's cache is invalidated by changes to this file only, so a layout
# kept elsewhere could silently disagree with cached kernels.


class LevelKindT(NamedTuple):
    """How level k's price comes from the anchor row, the vol row and the level coefficient."""

    atr: int  # anchor -/+ vol x coef (grid_atr, grid_multi_tf, grid_trend); a long level > 0
    envelope: int  # anchor x coef (envelope_dca, envelope_dca_short)
    funding: int  # +inf when the anchor (the known funding rate) <= coef, else NaN (grid_funding)


LevelKind = LevelKindT(0, 1, 2)


class ReasonT(NamedTuple):
    tp: int
    sl: int
    trail: int
    flip: int
    signal: int
    end: int
    liquidation: int
    ruin: int


Reason = ReasonT(0, 1, 2, 3, 4, 5, 6, 7)
REASON_NAMES = tuple(ExitReason(name) for name in ReasonT._fields)  # Trade.reason by code


class PriceT(NamedTuple):
    """Rows of ``GridData.prices``."""

    open: int
    high: int
    low: int
    close: int
    funding: int  # rate settled at the open of candle i (NaN: none)
    size: int


Price = PriceT(0, 1, 2, 3, 4, 5)


class StratColT(NamedTuple):
    market_entries: int  # 1: levels fill as market orders at the open (taker fee)
    tf_ms: int  # candle length, for the minimum hold
    # 0: the funding row / every combination's exit-signal row is all NaN. Set once per call so
    # the loops skip the loads (8-10 % of grid_atr's time on spot, where neither exists)
    funding_on: int
    signal_on: int
    size: int


StratCol = StratColT(0, 1, 2, 3, 4)


class CostColT(NamedTuple):
    maker: int
    taker: int
    slippage: int
    capital: int
    margin_limit: int  # max_margin_ratio x capital + 1e-9: the Simulator's margin guard
    tick_inv: int  # the market's tick as ``domain.ticks.price_scale`` gives it: (inv, step),
    tick_step: int  # (0, 0) when prices are not rounded
    qty_step: int  # the contract's quantity rules (``domain.contracts``): 0 = none
    min_qty: int
    min_notional: int
    size: int


CostCol = CostColT(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)


class IntColT(NamedTuple):
    anchor: int  # row of the level anchor (SMA / EMA of i-1; the known rate for grid_funding)
    vol: int  # row of the positive ATR of i-1 (atr levels only)
    take_profit: int  # row of the resting take-profit (an all-NaN row: none)
    trend: int  # row of the trend known before i (cases with trend_on)
    trail: int  # row of the ATR whose trail_mult multiple is the trailing distance (trail_on)
    signal: int  # row whose value > 0 closes the grid at the open (an all-NaN row: none)
    num_levels: int
    min_hold: int  # candles after the first fill without take-profit or exit signal
    long_on: int  # the combination may open long grids
    short_on: int  # ... short grids
    near_long: int  # the long level with the highest price (the first a fall reaches)
    near_short: int  # the short level with the lowest price
    ordered: int  # 1: level k+1 is never reached before level k (the filled levels: a prefix)
    flat: int  # row of ``GridData.reach_next`` for this combination's nearest levels
    size: int


IntCol = IntColT(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14)


class FloatColT(NamedTuple):
    sl_fraction: int
    margin_per_level: int
    notional: int  # margin per level x leverage
    trail_mult: int
    size: int


FloatCol = FloatColT(0, 1, 2, 3, 4)


class RecIntT(NamedTuple):
    entry_ts: int
    exit_ts: int
    side: int
    levels: int
    reason: int  # Reason
    size: int


RecInt = RecIntT(0, 1, 2, 3, 4, 5)


class RecFloatT(NamedTuple):
    entry_price: int
    exit_price: int
    qty: int
    gross: int
    entry_fees: int
    exit_fee: int
    funding: int
    pnl: int
    size: int


RecFloat = RecFloatT(0, 1, 2, 3, 4, 5, 6, 7, 8)


class MetricT(NamedTuple):
    sharpe: int
    return_pct: int
    max_drawdown_pct: int
    trades: int
    wins: int
    size: int


Metric = MetricT(0, 1, 2, 3, 4, 5)


class GridData(NamedTuple):
    """The market-wide arrays of one strategy on one market (all C-contiguous).

    ts : (n,) int64 candle open times
    prices : (Price.size, n) float64 open, high, low, close, funding rate
    day_end : (n,) uint8, 1 where the next candle opens on another UTC day (and at the last)
    day_count : (n + 1,) int64, day ends before candle i
    rows : (series, n) float64, every distinct derived series the combinations use
    reach_next : (keys, n + 1) int32, per nearest-level setup the first candle >= i reaching it
    strat : (StratCol.size,) int64
    costs : (CostCol.size,) float64
    tiers : (2, k) float64, the contract's margin tiers (``Contract.tier_table``; k = 0: none)
    """

    ts: np.ndarray
    prices: np.ndarray
    day_end: np.ndarray
    day_count: np.ndarray
    rows: np.ndarray
    reach_next: np.ndarray
    strat: np.ndarray
    costs: np.ndarray
    tiers: np.ndarray


# --- metrics ------------------------------------------------------------------------------------


# --- execution rules (domain.execution) ---------------------------------------------------------


@njit(cache=True, error_model="numpy")
def level_price_nb(kind, side, coef, anchor, vol, inv, step):
    """Price of one grid level during a candle, as the strategy modules compute it in NumPy
    and ``StrategySpec.build`` rounds it to the tick (``inv``, ``step``: ``domain.ticks``).

    atr: long ``anchor - vol * coef`` (NaN unless > 0), short ``anchor + vol * coef``;
    envelope: ``anchor * coef``; funding: ``+inf`` when ``anchor`` (the known rate) ``<= coef``
    (coef = -threshold), else NaN. NaN means no order rests.
    """
    if kind == LevelKind.atr:
        if side > 0:
            price = anchor - vol * coef
            return round_scaled(price, inv, step) if price > 0.0 else np.nan
        return round_scaled(anchor + vol * coef, inv, step)
    if kind == LevelKind.envelope:
        return round_scaled(anchor * coef, inv, step)
    return np.inf if anchor <= coef else np.nan


@njit(cache=True, error_model="numpy")
def exit_touched_nb(side, o, h, l, c, take_profit, stop):
    """``domain.execution.exit_touched`` with int codes: 1 stop, 2 take-profit, -1 neither."""
    if side > 0:
        tp_hit = h >= take_profit
        stop_hit = l <= stop
    else:
        tp_hit = l <= take_profit
        stop_hit = h >= stop
    if tp_hit and stop_hit:
        low_first = c >= o
        return _STOP if low_first == (side > 0) else _TP
    if stop_hit:
        return _STOP
    if tp_hit:
        return _TP
    return _NONE


@njit(cache=True, error_model="numpy")
def limit_fill_nb(price, open_, buying):
    """``domain.execution.limit_fill``."""
    if buying:
        return open_ if open_ < price else price
    return open_ if open_ > price else price


@njit(cache=True, error_model="numpy")
def stop_fill_nb(price, open_, buying, slippage):
    """``domain.execution.stop_fill``."""
    if buying:
        raw = open_ if open_ > price else price
        return raw * (1.0 + slippage)
    raw = open_ if open_ < price else price
    return raw * (1.0 - slippage)


@njit(cache=True, error_model="numpy")
def market_fill_nb(open_, buying, slippage):
    """``domain.execution.market_fill``."""
    return open_ * (1.0 + slippage) if buying else open_ * (1.0 - slippage)


# --- reaching the levels ------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def reach_at_nb(
    kind, trend_on, long_on, short_on, low, high, anchor, vol, trend, c_long, c_short, inv, step
):
    """Whether a candle (its ``low``, ``high`` and the row values ``anchor``, ``vol``, ``trend``)
    reaches the long level of coefficient ``c_long`` (where the trend lets longs rest) or the
    short level of ``c_short``, levels on the tick grid ``inv``, ``step``:
    ``domain.grid_runner``'s reach test for one level per side."""
    hit = False
    if long_on:
        ok = low <= level_price_nb(kind, 1, c_long, anchor, vol, inv, step)
        if trend_on:
            ok = ok & (trend > 0.0)
        hit = hit | ok
    if short_on:
        ok = high >= level_price_nb(kind, -1, c_short, anchor, vol, inv, step)
        if trend_on:
            ok = ok & (trend < 0.0)
        hit = hit | ok
    return hit


@njit(cache=True, parallel=True, error_model="numpy")
def next_reach_nb(kind, trend_on, low, high, rows, keys, coefs, inv, step):
    """The flat-skip table: for each key (``keys`` row: anchor row, vol row, trend row, long_on,
    short_on; ``coefs`` row: the nearest long and short coefficients; levels on the tick grid
    ``inv``, ``step``), ``out[key, i]`` is the
    first candle ``j >= i`` where ``reach_at_nb`` holds, ``n`` if none (``out[key, n] = n``).
    A flat runner can fill nothing before that candle, so it jumps there in one step.
    Reference: ``np.flatnonzero(reached[i:])[0] + i``."""
    n = low.shape[0]
    out = np.empty((keys.shape[0], n + 1), np.int32)
    for k in prange(keys.shape[0]):
        anchor = rows[keys[k, 0]]
        vol = rows[keys[k, 1]]
        trend = rows[keys[k, 2]]
        long_on = keys[k, 3] != 0
        short_on = keys[k, 4] != 0
        c_long = coefs[k, 0]
        c_short = coefs[k, 1]
        nxt = n
        out[k, n] = n
        for i in range(n - 1, -1, -1):
            if reach_at_nb(
                kind,
                trend_on,
                long_on,
                short_on,
                low[i],
                high[i],
                anchor[i],
                vol[i],
                trend[i],
                c_long,
                c_short,
                inv,
                step,
            ):
                nxt = i
            out[k, i] = nxt
    return out


# --- the open grid's quiet candles --------------------------------------------------------------

SCREEN_BLOCK = 16  # candles screened at once: an open grid's quiet run is ~4-5 candles long


@njit(cache=True, error_model="numpy")
def quiet_nb(
    kind, trend_on, side, more, low, high, anchor, vol, trend, signal, tp_row, stop, c_next, inv,
    step, u,
):  # fmt: skip
    """Whether candle ``u`` is quiet for an open grid of ``side``: no exit signal, no flip, no
    exit touched (``stop``: the nearer of the stop and the liquidation; the take-profit row
    ignoring ``min_hold``, conservatively), and, while ``more`` levels rest, the next level
    (coefficient ``c_next``) out of reach. Short-circuit order: the cheap tests first."""
    if signal[u] > 0.0 or (trend_on and trend[u] == -side):
        return False
    lo = low[u]
    hi = high[u]
    t = trend[u] if trend_on else 0.0
    if side > 0:
        if lo <= stop or hi >= tp_row[u]:
            return False
        return not (
            more
            and reach_at_nb(
                kind, trend_on, 1, 0, lo, hi, anchor[u], vol[u], t, c_next, 0.0, inv, step
            )
        )
    if hi >= stop or lo <= tp_row[u]:
        return False
    return not (
        more
        and reach_at_nb(kind, trend_on, 0, 1, lo, hi, anchor[u], vol[u], t, 0.0, c_next, inv, step)
    )


@njit(cache=True, error_model="numpy")
def screen_nb(
    kind, trend_on, side, more, low, high, anchor, vol, trend, signal, tp_row, stop, c_next, inv,
    step, u, top,
):  # fmt: skip
    """The first candle of ``[u, top)`` that is not ``quiet_nb``, ``top`` if none: the same
    comparisons without a branch per candle (bitwise ``|`` / ``&``, a min reduction), so the
    compiler can run several candles per instruction. Reference:
    ``next(v for v in range(u, top) if not quiet_nb(..., v), top)``. ``signal`` None: an
    all-NaN signal row (no candle flagged by it), a version compiled without its loads."""
    hit = top
    if side > 0:
        for v in range(u, top):
            lo = low[v]
            level = level_price_nb(kind, 1, c_next, anchor[v], vol[v], inv, step)
            reach = more & (lo <= level)
            if trend_on:
                reach = reach & (trend[v] > 0.0)
            flag = (lo <= stop) | (high[v] >= tp_row[v]) | reach
            if signal is not None:
                flag = flag | (signal[v] > 0.0)
            if trend_on:
                flag = flag | (trend[v] == -side)
            hit = min(hit, v if flag else top)
    else:
        for v in range(u, top):
            hi = high[v]
            level = level_price_nb(kind, -1, c_next, anchor[v], vol[v], inv, step)
            reach = more & (hi >= level)
            if trend_on:
                reach = reach & (trend[v] < 0.0)
            flag = (hi >= stop) | (low[v] <= tp_row[v]) | reach
            if signal is not None:
                flag = flag | (signal[v] > 0.0)
            if trend_on:
                flag = flag | (trend[v] == -side)
            hit = min(hit, v if flag else top)
    return hit


@njit(cache=True, error_model="numpy")
def stop_touch_nb(side, low, high, stop, u, top):
    """The first candle of ``[u, top)`` that touches ``stop`` (a long's stop below, a short's
    above), ``top`` if none; branch-free like ``screen_nb``."""
    hit = top
    if side > 0:
        for v in range(u, top):
            hit = min(hit, v if low[v] <= stop else top)
    else:
        for v in range(u, top):
            hit = min(hit, v if high[v] >= stop else top)
    return hit


# --- the simulation -----------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def _settle_nb(
    rec_i, rec_f, nrec, side, qty, cost, entry_fees, funding, opened_ts, levels, ts, price, fee,
    why, margin,
):  # fmt: skip
    """Close every level at ``price`` (``domain.trades.build_trade`` + ``Simulator._settle``):
    returns (cash change, pnl) and writes the trade at row ``nrec`` when the record has room.
    A liquidation's exit fee is what the ``margin`` leaves."""
    gross = side * (price * qty - cost)
    exit_fee = margin + gross if why == Reason.liquidation else fee * price * qty
    pnl = gross - entry_fees - exit_fee - funding
    if nrec < rec_i.shape[0]:
        rec_i[nrec, RecInt.entry_ts] = opened_ts
        rec_i[nrec, RecInt.exit_ts] = ts
        rec_i[nrec, RecInt.side] = side
        rec_i[nrec, RecInt.levels] = levels
        rec_i[nrec, RecInt.reason] = why
        rec_f[nrec, RecFloat.entry_price] = cost / qty
        rec_f[nrec, RecFloat.exit_price] = price
        rec_f[nrec, RecFloat.qty] = qty
        rec_f[nrec, RecFloat.gross] = gross
        rec_f[nrec, RecFloat.entry_fees] = entry_fees
        rec_f[nrec, RecFloat.exit_fee] = exit_fee
        rec_f[nrec, RecFloat.funding] = funding
        rec_f[nrec, RecFloat.pnl] = pnl
    return gross - exit_fee, pnl


@njit(cache=True, error_model="numpy")
def window_nb(
    kind, trend_on, trail_on, screen, data, ci, cf, coef, start, end, closes, returns, rec_i, rec_f
):
    """One combination on one window ``[start, end)``, starting flat with the full capital.

    Equivalent to ``run_backtest(market.head(end), ..., start=start)``: the rules of
    ``domain.grid_runner.GridRunner.step`` in their order (funding at the open; flip or exit
    signal at the open, ``min_hold`` holding back the signal and the take-profit; take-profit,
    stop or trailing stop with the intra-candle path rule; no fills in a closing candle; fills
    nearest first under the margin guard; the enlarged grid's stop checked in the same candle;
    the trailing stop following the close), then ``domain.backtest``'s close: equity = cash +
    unrealised, forced close at the close of ``end - 1``, ruin guard (equity <= 0 closes
    everything and leaves the rest of the window flat).

    ``closes`` / ``returns``: scratch space, one value per UTC day of the window at least.
    Closed trades are written to ``rec_i`` / ``rec_f`` while they have rows (0-row arrays: no
    record). Returns ``(sharpe, return_pct, max_drawdown_pct, trades, wins, records)``.
    """
    ts = data.ts
    open_ = data.prices[Price.open]
    high = data.prices[Price.high]
    low = data.prices[Price.low]
    close = data.prices[Price.close]
    funding = data.prices[Price.funding]
    day_end = data.day_end
    day_count = data.day_count
    rows = data.rows
    market_entries = data.strat[StratCol.market_entries] != 0
    tf_ms = data.strat[StratCol.tf_ms]
    funding_on = data.strat[StratCol.funding_on] != 0
    signal_on = data.strat[StratCol.signal_on] != 0
    maker = data.costs[CostCol.maker]
    taker = data.costs[CostCol.taker]
    slip = data.costs[CostCol.slippage]
    capital = data.costs[CostCol.capital]
    margin_limit = data.costs[CostCol.margin_limit]
    inv = data.costs[CostCol.tick_inv]
    step = data.costs[CostCol.tick_step]
    qty_inv, qty_unit = price_scale(data.costs[CostCol.qty_step])
    min_qty = data.costs[CostCol.min_qty]
    min_notional = data.costs[CostCol.min_notional]
    tiers = data.tiers

    flat_next = data.reach_next[ci[IntCol.flat]]
    anchor = rows[ci[IntCol.anchor]]
    vol = rows[ci[IntCol.vol]]
    tp_row = rows[ci[IntCol.take_profit]]
    trend = rows[ci[IntCol.trend]]
    trail_src = rows[ci[IntCol.trail]]
    signal = rows[ci[IntCol.signal]]
    num_levels = ci[IntCol.num_levels]
    min_hold = ci[IntCol.min_hold]
    long_on = ci[IntCol.long_on] != 0
    short_on = ci[IntCol.short_on] != 0
    ordered = ci[IntCol.ordered] != 0
    near_long = coef[0, ci[IntCol.near_long]]
    near_short = coef[1, ci[IntCol.near_short]]
    sl = cf[FloatCol.sl_fraction]
    mpl = cf[FloatCol.margin_per_level]
    notional = cf[FloatCol.notional]
    trail_mult = cf[FloatCol.trail_mult]

    cash = capital
    margin_used = 0.0
    side = 0  # +1 long grid open, -1 short, 0 flat
    qty = 0.0  # running sums in fill order, as the runner's sum() over its levels
    cost = 0.0
    entry_fees = 0.0
    paid = 0.0  # funding of the open cycle
    trail = 0.0  # trailing stop price (on the tick grid), 0: none yet
    base_stop = 0.0  # average entry x (1 -/+ sl) on the tick grid, set at each fill
    liq = 0.0  # the grid's liquidation price (``domain.contracts``), set at each fill; 0: none
    opened_ts = 0
    filled = 0  # bit k: level k filled in this cycle
    levels = 0
    trades = 0
    wins = 0
    nrec = 0
    days = 0
    peak = -np.inf
    trough = np.inf  # lowest equity since the peak: only a new low can deepen the drawdown
    drawdown = 0.0
    eq = capital
    last = end - 1

    i = start
    while i < end:
        if side == 0:
            # flat: the equity stays at the cash until a candle reaches a nearest level
            first = i
            i = min(flat_next[i], end)
            count = day_count[i] - day_count[first]  # daily closes of the skipped candles
            if i == end and not day_end[last]:
                count += 1
            for _ in range(count):
                closes[days] = cash
                days += 1
            if i > start and peak == -np.inf:
                peak = trough = cash  # the skipped first candles: drawdown 0
            if i == end:
                eq = cash
                break

        elif i < last:
            # an open grid's quiet candles: nothing at the open but funding, no exit touched,
            # the next level out of reach. The test ignores min_hold (conservative): anything
            # else goes to the full step below, which decides exactly
            stop = base_stop
            if trail_on and trail != 0.0 and (trail > stop if side > 0 else trail < stop):
                stop = trail
            # one comparison per side in the loop: the nearer of the stop and the liquidation
            stop = adverse_exit(side, stop, liq)[0]
            more = not ordered or levels < num_levels
            k_long = levels if ordered else ci[IntCol.near_long]
            k_short = levels if ordered else ci[IntCol.near_short]
            c_next = coef[0, k_long] if side > 0 else coef[1, k_short]
            # an unsigned index spares numba's negative-index wraparound on every load
            u = np.uint64(i)
            u_last = np.uint64(last)
            one = np.uint64(1)
            quiet_end = u  # screened: the candles before it are known quiet
            flagged = False  # ... and the candle at quiet_end is not
            while u < u_last:
                if screen:
                    if u == quiet_end:
                        if flagged:
                            break
                        top = min(u + np.uint64(SCREEN_BLOCK), u_last)
                        # the same screen; without a signal row, the version that never loads it
                        # (a flag tested per candle would stop the compiler vectorising it)
                        if signal_on:
                            quiet_end = screen_nb(
                                kind, trend_on, side, more, low, high, anchor, vol, trend, signal,
                                tp_row, stop, c_next, inv, step, u, top,
                            )  # fmt: skip
                        else:
                            quiet_end = screen_nb(
                                kind, trend_on, side, more, low, high, anchor, vol, trend, None,
                                tp_row, stop, c_next, inv, step, u, top,
                            )  # fmt: skip
                        flagged = quiet_end < top
                        if quiet_end == u:
                            break
                elif not quiet_nb(
                    kind, trend_on, side, more, low, high, anchor, vol, trend, signal, tp_row,
                    stop, c_next, inv, step, u,
                ):  # fmt: skip
                    break
                lo = low[u]
                hi = high[u]
                # funding only moves the cash; it is charged here unless the ruin guard sends
                # the candle to the full step (which then charges it)
                rate = funding[u] if funding_on else np.nan
                charged = rate == rate
                amount = side * rate * qty * open_[u] if charged else 0.0
                after = cash - amount if charged else cash
                eq = after + side * (close[u] * qty - cost)
                if eq <= 0.0:
                    break
                if charged:
                    paid += amount
                    cash = after
                if trail_on:
                    distance = trail_mult * trail_src[u]
                    if distance == distance:
                        if side > 0:
                            candidate = round_scaled(hi - distance, inv, step)
                            better = trail == 0.0 or candidate > trail
                        else:
                            candidate = round_scaled(lo + distance, inv, step)
                            better = trail == 0.0 or candidate < trail
                        if better and math.isfinite(candidate) and candidate > 0.0:
                            trail = candidate
                            if trail > stop if side > 0 else trail < stop:
                                stop = trail
                                if screen and u + one < quiet_end:
                                    # a nearer stop only adds touches: recheck the screened
                                    # candles ahead against it alone
                                    touch = stop_touch_nb(side, low, high, stop, u + one, quiet_end)
                                    flagged = flagged or touch < quiet_end
                                    quiet_end = touch
                if eq > peak:
                    peak = trough = eq
                elif eq < trough:
                    trough = eq
                    dd = (peak - eq) / peak
                    if dd > drawdown:
                        drawdown = dd
                if day_end[u]:
                    closes[days] = eq
                    days += 1
                u += one
            i = np.int64(u)

        # the full step of candle i
        o = open_[i]
        h = high[i]
        l = low[i]
        why = -1  # reason of a close decided in this candle
        price = 0.0
        fee = 0.0

        if side != 0:
            # 1. at the open: funding, then a flip or an exit signal (market order)
            rate = funding[i]
            if rate == rate:
                amount = side * rate * qty * o
                paid += amount
                cash -= amount
            holding = min_hold > 0 and (ts[i] - opened_ts) // tf_ms < min_hold
            if trend_on and trend[i] == -side:
                why = Reason.flip
            elif signal[i] > 0.0 and not holding:
                why = Reason.signal
            if why >= 0:
                price = market_fill_nb(o, side < 0, slip)
                fee = taker
            else:
                # 2. the resting exits of the grid open at the candle's start
                stop = base_stop
                stop_why = Reason.sl
                if trail_on and trail != 0.0 and (trail > stop if side > 0 else trail < stop):
                    stop = trail
                    stop_why = Reason.trail
                stop, liquidated = adverse_exit(side, stop, liq)
                tp = np.nan if holding else tp_row[i]
                touched = exit_touched_nb(side, o, h, l, close[i], tp, stop)
                if touched == _STOP:
                    fill = stop_fill_nb(stop, o, side < 0, slip)
                    price, liquidated = adverse_fill(side, fill, liquidated, liq)
                    why = Reason.liquidation if liquidated else stop_why
                    fee = taker
                elif touched == _TP:
                    why = Reason.tp
                    price = limit_fill_nb(tp, o, side < 0)
                    fee = maker

        if why < 0:
            # 3. fills, nearest first; one level per side tells whether any can fill
            a = anchor[i]
            v = vol[i]
            t = trend[i] if trend_on else 0.0
            long_hit = False
            short_hit = False
            if side == 0:
                long_hit = long_on and reach_at_nb(
                    kind, trend_on, 1, 0, l, h, a, v, t, near_long, 0.0, inv, step
                )
                short_hit = short_on and reach_at_nb(
                    kind, trend_on, 0, 1, l, h, a, v, t, 0.0, near_short, inv, step
                )
            elif not ordered or levels < num_levels:
                # ordered levels fill as a prefix: the next one is the nearest still resting
                if side > 0:
                    c_next = coef[0, levels] if ordered else near_long
                    long_hit = reach_at_nb(
                        kind, trend_on, 1, 0, l, h, a, v, t, c_next, 0.0, inv, step
                    )
                else:
                    c_next = coef[1, levels] if ordered else near_short
                    short_hit = reach_at_nb(
                        kind, trend_on, 0, 1, l, h, a, v, t, 0.0, c_next, inv, step
                    )
            if long_hit or short_hit:
                go = side
                if side == 0:  # both reached: the side the candle's path reaches first
                    if long_hit and short_hit:
                        go = 1 if close[i] >= o else -1
                    else:
                        go = 1 if long_hit else -1
                row = 0 if go > 0 else 1
                opened = False
                for k in range(num_levels):
                    if filled & (1 << k):
                        continue
                    level = level_price_nb(kind, go, coef[row, k], a, v, inv, step)
                    if level != level:
                        continue
                    if (l > level) if go > 0 else (h < level):
                        if kind == LevelKind.atr and ordered:
                            # atr levels are anchor -/+ vol x coef with vol > 0 (the positive
                            # ATR row) and, ordered, a rising coef: each next level is further
                            # from the price (rounding to the tick keeps the order), so none
                            # after an unreached one is reached
                            break
                        continue
                    # the Simulator's margin guard: the limit, and the cash
                    if not (margin_used + mpl <= margin_limit and margin_used + mpl <= cash):
                        break
                    if market_entries:
                        fill = market_fill_nb(o, go > 0, slip)
                        fee_rate = taker
                    else:
                        fill = limit_fill_nb(level, o, go > 0)
                        fee_rate = maker
                    q = sized_qty(notional, fill, qty_inv, qty_unit, min_qty, min_notional)
                    if q == 0.0:
                        continue  # below the venue's minimums: this level is not placed
                    fill_fee = fee_rate * fill * q
                    if levels == 0:
                        side = go
                        opened_ts = ts[i]
                        trail = 0.0
                    filled |= 1 << k
                    levels += 1
                    qty += q
                    cost += fill * q
                    entry_fees += fill_fee
                    margin_used += mpl
                    cash -= fill_fee
                    opened = True
                if opened:
                    # 4. the enlarged grid's stop rests from the fill on
                    base_stop = round_scaled(cost / qty * (1.0 - side * sl), inv, step)
                    liq = liquidation_trigger(side, qty, cost, margin_used, tiers, inv, step)
                    stop = base_stop
                    stop_why = Reason.sl
                    if trail_on and trail != 0.0 and (trail > stop if side > 0 else trail < stop):
                        stop = trail
                        stop_why = Reason.trail
                    stop, liquidated = adverse_exit(side, stop, liq)
                    if (l <= stop) if side > 0 else (h >= stop):
                        fill = stop_fill_nb(stop, o, side < 0, slip)
                        price, liquidated = adverse_fill(side, fill, liquidated, liq)
                        why = Reason.liquidation if liquidated else stop_why
                        fee = taker
            # 5. at the close the trailing stop follows the candle's extreme
            if trail_on and side != 0 and why < 0:
                distance = trail_mult * trail_src[i]
                if distance == distance:
                    if side > 0:
                        candidate = round_scaled(h - distance, inv, step)
                        better = trail == 0.0 or candidate > trail
                    else:
                        candidate = round_scaled(l + distance, inv, step)
                        better = trail == 0.0 or candidate < trail
                    if better and math.isfinite(candidate) and candidate > 0.0:
                        trail = candidate

        if why < 0 and side != 0 and i == last:
            why = Reason.end  # forced close at the last close (market order)
            price = close[i] * (1.0 - side * slip)
            fee = taker
        if why >= 0:
            change, pnl = _settle_nb(
                rec_i,
                rec_f,
                nrec,
                side,
                qty,
                cost,
                entry_fees,
                paid,
                opened_ts,
                levels,
                ts[i],
                price,
                fee,
                why,
                margin_used,
            )
            cash += change
            trades += 1
            if pnl > 0.0:
                wins += 1
            nrec += 1
            side = 0
            qty = cost = entry_fees = paid = trail = margin_used = liq = 0.0
            filled = levels = 0

        # 6. at the close: equity, the ruin guard, drawdown, the daily close
        eq = cash if side == 0 else cash + side * (close[i] * qty - cost)
        ruined = eq <= 0.0
        if ruined:
            if side != 0:
                change, pnl = _settle_nb(
                    rec_i,
                    rec_f,
                    nrec,
                    side,
                    qty,
                    cost,
                    entry_fees,
                    paid,
                    opened_ts,
                    levels,
                    ts[i],
                    close[i] * (1.0 - side * slip),
                    taker,
                    Reason.ruin,
                    margin_used,
                )
                cash += change
                trades += 1
                if pnl > 0.0:
                    wins += 1
                nrec += 1
                side = 0
            eq = cash
        if eq > peak:
            peak = trough = eq
        elif eq < trough:
            trough = eq
            dd = (peak - eq) / peak
            if dd > drawdown:
                drawdown = dd
        if day_end[i] or i == last:
            closes[days] = eq
            days += 1
        if ruined:
            for j in range(i + 1, end):  # the rest of the window is flat at the remaining cash
                if day_end[j] or j == last:
                    closes[days] = eq
                    days += 1
            break
        i += 1

    sharpe = sharpe_1d_nb(closes, days, returns)
    return_pct = (eq / capital - 1.0) * 100.0
    return sharpe, return_pct, drawdown * 100.0, trades, wins, min(nrec, rec_i.shape[0])


@njit(cache=True, error_model="numpy")
def combo_nb(kind, trend_on, trail_on, screen, data, ci, cf, coef, windows, max_days):
    """One combination on every ``windows[w] = (start, end)``: a (windows, ``Metric.size``)
    float64 array of Sharpe, return %, max drawdown %, trades, wins (``window_nb`` each)."""
    out = np.empty((windows.shape[0], Metric.size))
    closes = np.empty(max_days + 1)
    returns = np.empty(max_days + 1)
    rec_i = np.empty((0, RecInt.size), np.int64)
    rec_f = np.empty((0, RecFloat.size))
    for w in range(windows.shape[0]):
        sharpe, ret, dd, trades, wins, _ = window_nb(
            kind,
            trend_on,
            trail_on,
            screen,
            data,
            ci,
            cf,
            coef,
            windows[w, 0],
            windows[w, 1],
            closes,
            returns,
            rec_i,
            rec_f,
        )
        out[w, Metric.sharpe] = sharpe
        out[w, Metric.return_pct] = ret
        out[w, Metric.max_drawdown_pct] = dd
        out[w, Metric.trades] = trades
        out[w, Metric.wins] = wins
    return out


@njit(cache=True, parallel=True, error_model="numpy")
def batch_nb(kind, trend_on, trail_on, screen, data, ci, cf, coef, windows, max_days):
    """Every combination (rows of ``ci`` / ``cf`` / ``coef``) on every window, the combinations
    spread over the cores: a (combos, windows, ``Metric.size``) float64 array, ``combo_nb`` per
    combination. The case arguments are compiled as literals."""
    literally(kind)
    literally(trend_on)
    literally(trail_on)
    literally(screen)
    out = np.empty((ci.shape[0], windows.shape[0], Metric.size))
    for k in prange(ci.shape[0]):
        out[k] = combo_nb(
            kind, trend_on, trail_on, screen, data, ci[k], cf[k], coef[k], windows, max_days
        )
    return out


@njit(cache=True, error_model="numpy")
def trades_nb(kind, trend_on, trail_on, screen, data, ci, cf, coef, start, end, max_days):
    """The closed trades of one combination on ``[start, end)``: ``(rec_i, rec_f)``, one row per
    trade (columns ``RecInt`` / ``RecFloat``) in closing order. The case arguments are compiled
    as literals."""
    literally(kind)
    literally(trend_on)
    literally(trail_on)
    literally(screen)
    closes = np.empty(max_days + 1)
    returns = np.empty(max_days + 1)
    cap = max(end - start, 0)
    rec_i = np.empty((cap, RecInt.size), np.int64)
    rec_f = np.empty((cap, RecFloat.size))
    count = window_nb(
        kind,
        trend_on,
        trail_on,
        screen,
        data,
        ci,
        cf,
        coef,
        start,
        end,
        closes,
        returns,
        rec_i,
        rec_f,
    )[5]
    return rec_i[:count].copy(), rec_f[:count].copy()
