"""momentum: range breakout confirmed by a volume spike.

Long at the close of candle i when the close is above the highest high of the
``breakout_lookback`` candles before i (i itself excluded) and the volume of i exceeds
``volume_multiplier`` x the mean volume of those candles; short mirrored below their lowest low.
Exits: ``tp_percent`` / ``sl_percent`` from the entry price, or at the open after
``max_hold_candles`` candles in the position.
"""

from __future__ import annotations

from domain.indicators import donchian, sma
from domain.strategies.plans import MarketArrays, MonoPlan, previous
from domain.strategies.spec import Params, StrategySpec, percent_plan


def build(market: MarketArrays, params: Params) -> MonoPlan:
    lookback = params["breakout_lookback"]
    channel = donchian(market.high, market.low, lookback)
    upper, lower = previous(channel.upper), previous(channel.lower)  # candles i-n .. i-1
    mean_volume = previous(sma(market.volume, lookback))
    spike = market.volume > params["volume_multiplier"] * mean_volume
    long = spike & (market.close > upper)
    short = spike & (market.close < lower)
    return percent_plan(long, short, params)


def warmup(params: Params) -> int:
    return int(params["breakout_lookback"]) + 1


SPEC = StrategySpec("momentum", "mono", build, warmup)
