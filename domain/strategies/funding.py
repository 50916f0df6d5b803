"""funding: fade an extreme funding rate.

The rate used at the close of candle i is the last settlement known then (settlements are
forward-filled). Short on the candle where it becomes greater than ``funding_threshold`` (longs
pay a lot: the crowd is over-long), long where it becomes lower than ``-funding_threshold``; only
that edge candle signals, not every candle while the rate stays extreme. Exits: ``tp_percent`` /
``sl_percent`` from the entry price, or at the open after ``max_hold_candles`` candles.
"""

from __future__ import annotations

import numpy as np

from domain.market import timeframe_ms
from domain.strategies.params import (
    FundingRate,
    MonoParams,
    Percent,
    PosInt,
    StopPercent,
    Timeframe,
)
from domain.strategies.plans import MarketArrays, MonoPlan
from domain.strategies.spec import StrategySpec, percent_plan

SETTLEMENT_MS = 8 * 3_600_000  # the usual funding interval of perpetual swaps


class FundingParams(MonoParams):
    """Funding-rate fade (15m): short when funding > threshold, long when < -threshold.

    Parameters
    ----------
    funding_threshold : float, default 0.0003
    tp_percent : float, default 0.4
    sl_percent : float, default 0.2
    max_hold_candles : int, default 32 (8 h of 15m candles, one funding period)
    timeframe : default "15m"
    """

    timeframe: Timeframe = "15m"
    funding_threshold: FundingRate = 0.0003
    tp_percent: Percent = 0.4
    sl_percent: StopPercent = 0.2
    max_hold_candles: PosInt = 32


def last_settled(funding: np.ndarray) -> np.ndarray:
    """Forward-filled funding: row i holds the latest settlement at or before candle i."""
    index = np.where(np.isfinite(funding), np.arange(len(funding)), 0)
    np.maximum.accumulate(index, out=index)
    return funding[index]  # NaN until the first settlement (funding[0] is NaN unless settled)


def _rising_edge(condition: np.ndarray) -> np.ndarray:
    before = np.zeros_like(condition)
    before[1:] = condition[:-1]
    return condition & ~before


def build(market: MarketArrays, params: FundingParams) -> MonoPlan:
    rate = last_settled(np.asarray(market.funding, dtype=np.float64))
    threshold = params.funding_threshold
    long = _rising_edge(rate < -threshold)
    short = _rising_edge(rate > threshold)
    return percent_plan(long, short, params, max_hold=params.max_hold_candles)


def warmup(params: FundingParams) -> int:
    """One funding interval of candles, so a settlement is known when the period starts."""
    tf_ms = timeframe_ms(params.timeframe)
    return max(1, SETTLEMENT_MS // tf_ms) + 1


SPEC = StrategySpec("funding", FundingParams, build, warmup, needs=("funding",))
