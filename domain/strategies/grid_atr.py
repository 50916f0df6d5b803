"""grid_atr: DCA levels at ATR multiples around the SMA (volatility-scaled envelopes).

Level k rests at ``SMA -/+ ATR x (start + k x step)`` (below for longs, above for shorts); the
take-profit is the SMA, the stop ``sl_percent`` from the average entry. SMA and ATR are those of
the previous candle. Rows where the ATR is not positive have no levels.
"""

from __future__ import annotations

import numpy as np

from domain.indicators import atr, sma
from domain.strategies.params import GridParams, Levels, Period, PosFloat, StopPercent
from domain.strategies.plans import GridPlan, MarketArrays, previous
from domain.strategies.spec import StrategySpec, sides


class GridAtrParams(GridParams):
    """Grid ATR: levels at SMA -/+ ATR x (start + i x step); TP at the SMA, SL on avg price.

    Parameters
    ----------
    ma_period : int, default 14
    atr_period : int, default 14
    atr_multiplier_start : float, default 2.0
    atr_multiplier_step : float, default 1.0
    num_levels : int, default 3
    sl_percent : float, default 20.0
    sides : default ("long",); leverage : default 3; timeframe : default "1h"
    """

    ma_period: Period = 14
    atr_period: Period = 14
    atr_multiplier_start: PosFloat = 2.0
    atr_multiplier_step: PosFloat = 1.0
    num_levels: Levels = 3
    sl_percent: StopPercent = 20.0


def multipliers(params: GridAtrParams) -> np.ndarray:
    levels = np.arange(params.num_levels)
    return params.atr_multiplier_start + levels * params.atr_multiplier_step


def levels(
    market: MarketArrays, params: GridAtrParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(previous SMA, long entries, short entries) shared with grid_multi_tf."""
    mid = previous(sma(market.close, params.ma_period))
    vol = previous(atr(market.high, market.low, market.close, params.atr_period))
    vol = np.where(vol > 0, vol, np.nan)
    distance = vol[:, None] * multipliers(params)[None, :]
    long_entries = mid[:, None] - distance
    long_entries = np.where(long_entries > 0, long_entries, np.nan)
    return mid, long_entries, mid[:, None] + distance


def build(market: MarketArrays, params: GridAtrParams) -> GridPlan:
    mid, long_entries, short_entries = levels(market, params)
    allowed = sides(params)
    return GridPlan(
        long_entries=long_entries if 1 in allowed else None,
        short_entries=short_entries if -1 in allowed else None,
        take_profit=mid,
        sl_fraction=params.sl_percent / 100.0,
        leverage=float(params.leverage),
        num_levels=int(params.num_levels),
    )


def warmup(params: GridAtrParams) -> int:
    return max(int(params.ma_period), int(params.atr_period)) + 1


SPEC = StrategySpec("grid_atr", GridAtrParams, build, warmup)
