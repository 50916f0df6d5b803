"""momentum: range breakout confirmed by a volume spike.

Long at the close of candle i when the close is above the highest high of the
``breakout_lookback`` candles before i (i itself excluded) and the volume of i exceeds
``volume_multiplier`` x the mean volume of those candles; short mirrored below their lowest low.
Exits: ``tp_percent`` / ``sl_percent`` from the entry price, or at the open after
``max_hold_candles`` candles in the position.
"""

from __future__ import annotations

from domain.indicators import donchian, sma
from domain.strategies.params import (
    MonoParams,
    Percent,
    Period,
    PosFloat,
    PosInt,
    StopPercent,
    Timeframe,
)
from domain.strategies.plans import MarketArrays, MonoPlan, previous
from domain.strategies.spec import StrategySpec, percent_plan


class MomentumParams(MonoParams):
    """Momentum breakout (5m): close beyond the N-candle range on a volume spike.

    Parameters
    ----------
    breakout_lookback : int, default 20
    volume_multiplier : float, default 2.0 (volume vs its lookback mean)
    tp_percent : float, default 0.6
    sl_percent : float, default 0.3
    max_hold_candles : int, default 12 (time exit)
    timeframe : default "5m"
    """

    timeframe: Timeframe = "5m"
    breakout_lookback: Period = 20
    volume_multiplier: PosFloat = 2.0
    tp_percent: Percent = 0.6
    sl_percent: StopPercent = 0.3
    max_hold_candles: PosInt = 12


def build(market: MarketArrays, params: MomentumParams) -> MonoPlan:
    lookback = params.breakout_lookback
    channel = donchian(market.high, market.low, lookback)
    upper, lower = previous(channel.upper), previous(channel.lower)  # candles i-n .. i-1
    mean_volume = previous(sma(market.volume, lookback))
    spike = market.volume > params.volume_multiplier * mean_volume
    long = spike & (market.close > upper)
    short = spike & (market.close < lower)
    return percent_plan(long, short, params, max_hold=params.max_hold_candles)


def warmup(params: MomentumParams) -> int:
    return int(params.breakout_lookback) + 1


SPEC = StrategySpec("momentum", MomentumParams, build, warmup)
