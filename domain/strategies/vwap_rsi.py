"""vwap_rsi: mean reversion towards the session VWAP, gated by the RSI.

Long at the close of candle i when the close is more than ``vwap_deviation_entry`` % below the
session VWAP (reset at 00:00 UTC) and ``RSI(rsi_period) < rsi_long_threshold``; short when it is
more than that above the VWAP and ``RSI > rsi_short_threshold``. Exits: ``tp_percent`` /
``sl_percent`` from the entry price.
"""

from __future__ import annotations

from domain.indicators import rsi, vwap
from domain.strategies.plans import MarketArrays, MonoPlan
from domain.strategies.spec import Params, StrategySpec, percent_plan


def build(market: MarketArrays, params: Params) -> MonoPlan:
    close = market.close
    session = vwap(market.ts, market.high, market.low, close, market.volume)
    deviation = (close - session) / session * 100.0  # percent, < 0 below the VWAP
    strength = rsi(close, params["rsi_period"])
    edge = params["vwap_deviation_entry"]
    long = (deviation < -edge) & (strength < params["rsi_long_threshold"])
    short = (deviation > edge) & (strength > params["rsi_short_threshold"])
    return percent_plan(long, short, params)


def warmup(params: Params) -> int:
    return int(params["rsi_period"]) + 1  # the first RSI value is at index rsi_period


SPEC = StrategySpec("vwap_rsi", "mono", build, warmup)
