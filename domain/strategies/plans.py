"""What a strategy hands to the engines: arrays of resting orders and signals, one row per candle.

A strategy never trades. It turns candles (and funding, open interest ...) into a *plan*: for
every candle ``i``, the orders that rest on the book during ``i`` and the signals decided at the
close of ``i``. Both engines (the event-driven one here, the numba fast engine in
``optimization``) execute the same plan with the same rules, which is what makes their trade
lists identical.

No look-ahead, by construction:

* resting orders for candle ``i`` (grid levels, take-profit, trailing distance) are computed from
  candles ``<= i-1`` (``previous()`` shifts an indicator by one candle);
* signals at index ``i`` are decided at the close of ``i`` and executed at the open of ``i+1``.

Resting prices are on the market's tick grid: ``StrategySpec.build`` hands every grid plan
through ``on_ticks``, which rounds its levels and take-profit to ``market.contract.tick``
(``domain.ticks``); the prices the runners derive themselves (stop-loss, trailing stop, a mono
position's take-profit and stop) are rounded where they are computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from domain.contracts import Contract
from domain.ticks import has_tick, round_prices


@dataclass(frozen=True, slots=True)
class MarketArrays:
    """Input of a strategy: one market's candles plus series aligned to them."""

    ts: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    tf_ms: int
    # funding rate settled at the open of candle i (NaN when no settlement then)
    funding: np.ndarray
    # further inputs some strategies need, aligned to candles (e.g. "open_interest")
    extras: Mapping[str, np.ndarray] = field(default_factory=dict)
    # the venue's rules for the traded contract (``domain.contracts``): every order price is
    # rounded to its tick (``domain.ticks``) before it meets a candle, quantities to its step,
    # and positions are liquidated at its tiers' rates; ``Contract()`` knows no rule
    contract: Contract = field(default_factory=Contract)

    def __len__(self) -> int:
        return len(self.ts)

    def head(self, n: int) -> MarketArrays:
        """The first ``n`` candles: what the strategy would have seen at the close of n-1."""
        return self.between(0, n)

    def tail(self, n: int) -> MarketArrays:
        """The last ``n`` candles (all of them when there are fewer)."""
        return self.between(max(len(self) - n, 0), len(self))

    def between(self, lo: int, hi: int) -> MarketArrays:
        """Candles ``lo`` to ``hi - 1`` with their aligned series."""
        cut = slice(lo, hi)
        return MarketArrays(
            self.ts[cut],
            self.open[cut],
            self.high[cut],
            self.low[cut],
            self.close[cut],
            self.volume[cut],
            self.tf_ms,
            self.funding[cut],
            {k: v[cut] for k, v in self.extras.items()},
            self.contract,
        )

    def appended(self, row: tuple[int, float, float, float, float, float]) -> MarketArrays:
        """These candles plus ``row`` (ts, o, h, l, c, v), the next one; aligned series get NaN
        for it (a streamed candle comes without funding or open interest)."""
        ts, o, h, l, c, v = row
        return MarketArrays(
            np.append(self.ts, np.int64(ts)),
            np.append(self.open, o),
            np.append(self.high, h),
            np.append(self.low, l),
            np.append(self.close, c),
            np.append(self.volume, v),
            self.tf_ms,
            np.append(self.funding, np.nan),
            {k: np.append(values, np.nan) for k, values in self.extras.items()},
            self.contract,
        )


@dataclass(frozen=True, slots=True)
class GridPlan:
    """Resting grid orders per candle.

    long_entries / short_entries : (n, levels) prices of the buy / sell limit levels resting during
        candle i (NaN = no order); None when the side is never traded.
    take_profit : (n,) exit price resting during candle i (the SMA of i-1).
    trend : (n,) +1/-1/0 direction known before candle i; a position against it is closed at the
        open of i ("flip"). None when the strategy has no trend filter.
    trail_at_close : (n,) trailing-stop distance known at the close of i (None: no trailing stop).
    exit_at_open : (n,) True when an open grid must close at the open of i (None: never).
    market_entries : levels fill as market orders at the open (signal-driven DCA) instead of
        resting limit orders.
    min_hold : candles after the grid's first fill during which neither the take-profit nor
        ``exit_at_open`` may close it (the stop, the trailing stop and a flip still do).
    """

    long_entries: np.ndarray | None
    short_entries: np.ndarray | None
    take_profit: np.ndarray
    sl_fraction: float
    leverage: float
    num_levels: int
    trend: np.ndarray | None = None
    trail_at_close: np.ndarray | None = None
    exit_at_open: np.ndarray | None = None
    market_entries: bool = False
    min_hold: int = 0


@dataclass(frozen=True, slots=True)
class MonoPlan:
    """Signals of a mono-position strategy.

    signal : (n,) int +1 long / -1 short / 0, decided at the close of i, entered at the open of i+1.
    tp_offset / sl_offset : (n,) distance of take-profit / stop-loss from the entry price, as a
        fraction of it, fixed at the signal candle (NaN: no such order).
    exit_signal : (n,) True when an open position must close at the open of i+1.
    max_hold : close at the open after this many candles in the position (0: no limit).
    """

    signal: np.ndarray
    tp_offset: np.ndarray
    sl_offset: np.ndarray
    leverage: float
    exit_signal: np.ndarray | None = None
    max_hold: int = 0


def on_ticks(plan: GridPlan | MonoPlan, tick: float) -> GridPlan | MonoPlan:
    """``plan`` with its resting prices (grid levels, take-profit) rounded to ``tick``; a mono
    plan (offsets, not prices) and a market without a tick come back unchanged. A level that
    is a signal rather than a price (``+inf`` of a market-order grid) stays what it is."""
    if not isinstance(plan, GridPlan) or not has_tick(tick):
        return plan

    def rounded(prices: np.ndarray | None) -> np.ndarray | None:
        return None if prices is None else round_prices(prices, tick)

    return replace(
        plan,
        long_entries=rounded(plan.long_entries),
        short_entries=rounded(plan.short_entries),
        take_profit=round_prices(plan.take_profit, tick),
    )


def previous(values: np.ndarray) -> np.ndarray:
    """``values`` shifted one candle later: row i holds the value known at the close of i-1."""
    shifted = np.empty_like(values, dtype=np.float64)
    if len(values):
        shifted[0] = np.nan
        shifted[1:] = values[:-1]
    return shifted


def funding_at_candles(
    candle_ts: np.ndarray, funding_ts: np.ndarray, rates: np.ndarray, tf_ms: int
) -> np.ndarray:
    """Funding rates aligned to the candle whose open is the settlement time (NaN elsewhere).

    Settlement stamps are floored to the timeframe (venues add a few ms of jitter). A settlement
    that falls in a hole of the candle series is dropped: no candle, no position change to price.
    """
    aligned = np.full(len(candle_ts), np.nan)
    if len(funding_ts) == 0 or len(candle_ts) == 0:
        return aligned
    floored = funding_ts // tf_ms * tf_ms
    index = np.searchsorted(candle_ts, floored)
    inside = index < len(candle_ts)
    hit = inside.copy()
    hit[inside] = candle_ts[index[inside]] == floored[inside]
    aligned[index[hit]] = rates[hit]
    return aligned


def series_at_close(
    candle_ts: np.ndarray, sample_ts: np.ndarray, values: np.ndarray, tf_ms: int
) -> np.ndarray:
    """For each candle, the last sample known at its close (NaN before the first sample).

    Candle i opens at ``candle_ts[i]`` and closes at ``candle_ts[i] + tf_ms``; a sample stamped
    ``t`` is known from ``t`` on, so row i holds the newest sample with ``t <= close of i``, never
    one taken after the close (that would be look-ahead). ``sample_ts`` must be sorted.
    """
    aligned = np.full(len(candle_ts), np.nan)
    if len(sample_ts) == 0 or len(candle_ts) == 0:
        return aligned
    # number of samples stamped at or before each close; minus one is the last of them
    index = np.searchsorted(sample_ts, candle_ts + tf_ms, side="right") - 1
    known = index >= 0
    aligned[known] = values[index[known]]
    return aligned
