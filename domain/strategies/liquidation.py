"""liquidation: trade the bounce at an estimated liquidation zone after an open-interest build-up.

Over the last ``WINDOW`` = 12 candles (candles i-11 .. i; one hour on 5m), the late longs'
liquidation zone is ``highest high x (1 - 1 / leverage_estimate)`` and the late shorts' is
``lowest low x (1 + 1 / leverage_estimate)``. When open interest rose by more than
``oi_change_threshold`` % from candle i-12 to candle i, a close within ``zone_buffer_percent`` %
of the long zone signals a long (the bounce after the longs are flushed), a close within that of
the short zone a short (both at once: no signal). Exits: ``tp_percent`` / ``sl_percent``.
"""

from __future__ import annotations

import numpy as np

from domain.indicators import donchian
from domain.strategies.params import Leverage, MonoParams, Percent, StopPercent, Timeframe
from domain.strategies.plans import MarketArrays, MonoPlan
from domain.strategies.spec import StrategySpec, percent_plan

WINDOW = 12


class LiquidationParams(MonoParams):
    """Liquidation-zone hunting (5m): trade towards estimated liquidation clusters after an
    open-interest build-up.

    Parameters
    ----------
    oi_change_threshold : float, default 5.0 (% open-interest change over the lookback)
    leverage_estimate : int, default 15 (typical crowd leverage used to place the zones)
    zone_buffer_percent : float, default 1.5
    tp_percent : float, default 0.8
    sl_percent : float, default 0.4
    timeframe : default "5m"
    """

    timeframe: Timeframe = "5m"
    oi_change_threshold: Percent = 5.0
    leverage_estimate: Leverage = 15
    zone_buffer_percent: Percent = 1.5
    tp_percent: Percent = 0.8
    sl_percent: StopPercent = 0.4


def built_up(open_interest: np.ndarray, threshold_percent: float) -> np.ndarray:
    """True where open interest rose by more than ``threshold_percent`` % since WINDOW candles
    ago (False before, and where either value is unknown)."""
    rose = np.zeros(len(open_interest), dtype=bool)
    if len(open_interest) > WINDOW:
        before = open_interest[:-WINDOW] * (1.0 + threshold_percent / 100.0)
        rose[WINDOW:] = open_interest[WINDOW:] > before
    return rose


def build(market: MarketArrays, params: LiquidationParams) -> MonoPlan:
    if "open_interest" not in market.extras:
        raise ValueError("liquidation needs market.extras['open_interest']")
    open_interest = np.asarray(market.extras["open_interest"], dtype=np.float64)
    crowded = built_up(open_interest, params.oi_change_threshold)
    recent = donchian(market.high, market.low, WINDOW)
    crowd = 1.0 / params.leverage_estimate
    long_zone = recent.upper * (1.0 - crowd)
    short_zone = recent.lower * (1.0 + crowd)
    buffer = params.zone_buffer_percent / 100.0
    close = market.close
    long = crowded & (np.abs(close - long_zone) <= buffer * long_zone)
    short = crowded & (np.abs(close - short_zone) <= buffer * short_zone)
    return percent_plan(long, short, params)


def warmup(params: LiquidationParams) -> int:
    return WINDOW + 1  # the open-interest change needs candle i-12


SPEC = StrategySpec("liquidation", LiquidationParams, build, warmup, needs=("open_interest",))
