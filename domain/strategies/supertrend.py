"""supertrend: follow the SuperTrend direction flips.

Long at the close of candle i when the SuperTrend(atr_period, atr_multiplier) direction flips
from down (candle i-1) to up (candle i), short on a flip from up to down; the first direction
after the warm-up is not a flip. A position closes at ``tp_percent`` / ``sl_percent`` from the
entry, or at the open after the opposite flip (exit signal).
"""

from __future__ import annotations

import numpy as np

from domain.indicators import supertrend
from domain.strategies.params import MonoParams, Percent, Period, PosFloat, StopPercent
from domain.strategies.plans import MarketArrays, MonoPlan
from domain.strategies.spec import StrategySpec, percent_plan


class SupertrendParams(MonoParams):
    """SuperTrend trend following (1h): enter on a direction flip.

    Parameters
    ----------
    atr_period : int, default 10
    atr_multiplier : float, default 3.0
    tp_percent : float, default 4.0
    sl_percent : float, default 2.0
    timeframe : default "1h"
    """

    atr_period: Period = 10
    atr_multiplier: PosFloat = 3.0
    tp_percent: Percent = 4.0
    sl_percent: StopPercent = 2.0


def build(market: MarketArrays, params: SupertrendParams) -> MonoPlan:
    trend = supertrend(
        market.high, market.low, market.close, params.atr_period, params.atr_multiplier
    )
    direction = trend.direction
    up = np.zeros(len(market), dtype=bool)
    down = np.zeros(len(market), dtype=bool)
    up[1:] = (direction[:-1] < 0) & (direction[1:] > 0)
    down[1:] = (direction[:-1] > 0) & (direction[1:] < 0)
    # flips alternate: the next one is always against the position, hence the exit signal
    return percent_plan(up, down, params, exit_signal=up | down)


def warmup(params: SupertrendParams) -> int:
    return int(params.atr_period) + 1  # direction from index atr_period-1, a flip needs one more


SPEC = StrategySpec("supertrend", SupertrendParams, build, warmup)
