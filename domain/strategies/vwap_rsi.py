"""vwap_rsi: mean reversion towards the session VWAP, gated by the RSI.

Long at the close of candle i when the close is more than ``vwap_deviation_entry`` % below the
session VWAP (reset at 00:00 UTC) and ``RSI(rsi_period) < rsi_long_threshold``; short when it is
more than that above the VWAP and ``RSI > rsi_short_threshold``. Exits: ``tp_percent`` /
``sl_percent`` from the entry price.
"""

from __future__ import annotations

from domain.indicators import rsi, vwap
from domain.strategies.params import (
    MonoParams,
    NonNegPercent,
    Percent,
    Period,
    StopPercent,
    Timeframe,
)
from domain.strategies.plans import MarketArrays, MonoPlan
from domain.strategies.spec import StrategySpec, percent_plan


class VwapRsiParams(MonoParams):
    """VWAP + RSI mean reversion (5m): long under VWAP with RSI oversold, short mirrored.

    Parameters
    ----------
    rsi_period : int, default 14
    rsi_long_threshold : float, default 30.0
    rsi_short_threshold : float, default 70.0
    vwap_deviation_entry : float, default 0.2 (% distance from VWAP required)
    tp_percent : float, default 0.6
    sl_percent : float, default 0.3
    timeframe : default "5m"
    """

    timeframe: Timeframe = "5m"
    rsi_period: Period = 14
    rsi_long_threshold: NonNegPercent = 30.0
    rsi_short_threshold: NonNegPercent = 70.0
    vwap_deviation_entry: Percent = 0.2
    tp_percent: Percent = 0.6
    sl_percent: StopPercent = 0.3


def build(market: MarketArrays, params: VwapRsiParams) -> MonoPlan:
    close = market.close
    session = vwap(market.ts, market.high, market.low, close, market.volume)
    deviation = (close - session) / session * 100.0  # percent, < 0 below the VWAP
    strength = rsi(close, params.rsi_period)
    edge = params.vwap_deviation_entry
    long = (deviation < -edge) & (strength < params.rsi_long_threshold)
    short = (deviation > edge) & (strength > params.rsi_short_threshold)
    return percent_plan(long, short, params)


def warmup(params: VwapRsiParams) -> int:
    return int(params.rsi_period) + 1  # the first RSI value is at index rsi_period


SPEC = StrategySpec("vwap_rsi", VwapRsiParams, build, warmup)
