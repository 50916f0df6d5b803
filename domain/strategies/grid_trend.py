"""grid_trend: trend-following DCA on pull-backs, exited by an ATR trailing stop or a flip.

Everything resting during candle i comes from candle i-1. The trend is +1 when
``EMA(ema_fast) > EMA(ema_slow)``, -1 when below, and 0 (neutral) when they are equal, not yet
known, or when ``ADX(adx_period) < adx_threshold``. In an up-trend long level k rests at
``EMA_fast - ATR(atr_period) x (pull_start + k x pull_step)``, in a down-trend short level k at
``EMA_fast + ATR x (...)``, each only if ``sides`` allows it; a neutral trend rests nothing (an
open grid keeps its exits). There is no take-profit: a grid ends on its stop ``sl_percent`` from
the average entry, on the trailing stop, or at the open after the trend turns against it (a
neutral trend does not close it). The trailing distance set at the close of i is
``trail_mult x ATR(i)``; the runner moves the stop to ``high - distance`` (long) or ``low +
distance`` (short) when that tightens it.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
import numpy as np

from domain.indicators import adx, atr, ema
from domain.strategies.params import GridParams, Levels, Period, PosFloat, Sides, StopPercent
from domain.strategies.plans import GridPlan, MarketArrays, previous
from domain.strategies.spec import StrategySpec, sides


class GridTrendParams(GridParams):
    """Trend-following DCA: EMA cross gives the side, ADX > threshold gates entries,
    levels are pull-backs of ATR x (start + i x step) from the fast EMA, an ATR trailing stop
    follows the high/low watermark, a direction flip closes the cycle.

    Parameters
    ----------
    ema_fast : int, default 20
    ema_slow : int, default 50
    adx_period : int, default 14
    adx_threshold : float, default 20.0
    atr_period : int, default 14
    pull_start : float, default 1.0
    pull_step : float, default 0.5
    num_levels : int, default 3
    trail_mult : float, default 2.0
    sl_percent : float, default 15.0
    sides : default ("long", "short")
    """

    sides: Sides = ("long", "short")
    ema_fast: Period = 20
    ema_slow: Period = 50
    adx_period: Period = 14
    adx_threshold: Annotated[float, msgspec.Meta(ge=0, le=100)] = 20.0
    atr_period: Period = 14
    pull_start: PosFloat = 1.0
    pull_step: PosFloat = 0.5
    num_levels: Levels = 3
    trail_mult: PosFloat = 2.0
    sl_percent: StopPercent = 15.0


def pullbacks(params: GridTrendParams) -> np.ndarray:
    levels = np.arange(params.num_levels)
    return params.pull_start + levels * params.pull_step


def direction(market: MarketArrays, params: GridTrendParams) -> np.ndarray:
    """+1 / -1 / 0 at the close of each candle (not shifted)."""
    fast = ema(market.close, params.ema_fast)
    slow = ema(market.close, params.ema_slow)
    strength = adx(market.high, market.low, market.close, params.adx_period).adx
    with np.errstate(invalid="ignore"):
        strong = strength >= params.adx_threshold
        return np.where(strong, np.nan_to_num(np.sign(fast - slow), nan=0.0), 0.0)


def build(market: MarketArrays, params: GridTrendParams) -> GridPlan:
    vol = atr(market.high, market.low, market.close, params.atr_period)
    trend = previous(direction(market, params))
    trend[:1] = 0.0
    anchor = previous(ema(market.close, params.ema_fast))
    prev_vol = previous(vol)
    prev_vol = np.where(prev_vol > 0, prev_vol, np.nan)
    distance = prev_vol[:, None] * pullbacks(params)[None, :]
    long_entries = anchor[:, None] - distance
    long_entries = np.where((trend[:, None] > 0) & (long_entries > 0), long_entries, np.nan)
    short_entries = np.where(trend[:, None] < 0, anchor[:, None] + distance, np.nan)
    allowed = sides(params)
    return GridPlan(
        long_entries=long_entries if 1 in allowed else None,
        short_entries=short_entries if -1 in allowed else None,
        take_profit=np.full(len(market), np.nan),
        sl_fraction=params.sl_percent / 100.0,
        leverage=float(params.leverage),
        num_levels=int(params.num_levels),
        trend=trend,
        trail_at_close=params.trail_mult * vol,
    )


def warmup(params: GridTrendParams) -> int:
    """Until the slow EMA, the ADX (first at 2n-1) and the ATR of the previous candle exist."""
    ema_slow, atr_period = int(params.ema_slow), int(params.atr_period)
    return max(ema_slow, 2 * int(params.adx_period), atr_period) + 1


SPEC = StrategySpec("grid_trend", GridTrendParams, build, warmup)
