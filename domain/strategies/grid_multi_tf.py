"""grid_multi_tf: grid_atr levels whose side is set by a SuperTrend on a higher timeframe.

The strategy candles are resampled to ``trend_timeframe`` (UTC-aligned buckets, 4h by default)
and a SuperTrend (``st_atr_period``, ``st_atr_multiplier``) runs on those buckets. The trend of
candle i is the direction of the last bucket that was *complete* at the close of candle i-1; the
bucket still in progress is never used. Where the trend is +1 the grid_atr long levels
(``SMA - ATR x (start + k x step)``) rest, where it is -1 the short levels (``SMA + ...``) rest,
each only if ``sides`` allows it; before the SuperTrend is known nothing rests. Take-profit at
the SMA and stop ``sl_percent`` from the average entry, as in grid_atr. The trend goes in the
plan, so an open grid against a new direction is closed at the open of the first candle that
knows the flip.
"""

from __future__ import annotations

import numpy as np

from domain.indicators import align_closed, resample, supertrend
from domain.market import timeframe_ms
from domain.strategies import grid_atr
from domain.strategies.params import Period, PosFloat, Sides, Timeframe
from domain.strategies.plans import GridPlan, MarketArrays, previous
from domain.strategies.spec import StrategySpec, sides


class GridMultiTfParams(grid_atr.GridAtrParams):
    """Grid ATR on ``timeframe`` with its direction set by a SuperTrend on ``trend_timeframe``.

    The trend candles are resampled from closed ``timeframe`` candles. A direction flip closes
    the open cycle.

    Parameters
    ----------
    (all of ``GridAtrParams``) and
    st_atr_period : int, default 10
    st_atr_multiplier : float, default 3.0
    trend_timeframe : str, default "4h"
    sides : default ("long", "short")
    """

    sides: Sides = ("long", "short")
    st_atr_period: Period = 10
    st_atr_multiplier: PosFloat = 3.0
    trend_timeframe: Timeframe = "4h"


def trend(market: MarketArrays, params: GridMultiTfParams) -> np.ndarray:
    """+1 / -1 per candle: the higher-timeframe SuperTrend direction known before candle i
    (0 while it is not known yet)."""
    m, target_ms = market, timeframe_ms(params.trend_timeframe)
    buckets = resample(m.ts, m.open, m.high, m.low, m.close, m.volume, m.tf_ms, target_ms)
    period, multiplier = params.st_atr_period, params.st_atr_multiplier
    direction = supertrend(buckets.high, buckets.low, buckets.close, period, multiplier).direction
    # direction of the last complete bucket at the close of i, then shifted to "before candle i"
    known = previous(align_closed(direction, buckets.closed_index))
    return np.nan_to_num(known, nan=0.0)


def build(market: MarketArrays, params: GridMultiTfParams) -> GridPlan:
    mid, long_entries, short_entries = grid_atr.levels(market, params)
    direction = trend(market, params)
    allowed = sides(params)
    longs = np.where(direction[:, None] > 0, long_entries, np.nan)
    shorts = np.where(direction[:, None] < 0, short_entries, np.nan)
    return GridPlan(
        long_entries=longs if 1 in allowed else None,
        short_entries=shorts if -1 in allowed else None,
        take_profit=mid,
        sl_fraction=params.sl_percent / 100.0,
        leverage=float(params.leverage),
        num_levels=int(params.num_levels),
        trend=direction,
    )


def warmup(params: GridMultiTfParams) -> int:
    """grid_atr's warm-up, or ``st_atr_period`` complete trend buckets (plus a possibly partial
    first one), whichever is longer."""
    ratio = timeframe_ms(params.trend_timeframe) // timeframe_ms(params.timeframe)
    return max(grid_atr.warmup(params), (int(params.st_atr_period) + 1) * max(ratio, 1) + 1)


SPEC = StrategySpec("grid_multi_tf", GridMultiTfParams, build, warmup)
