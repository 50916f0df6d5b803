"""donchian_breakout: Donchian channel breakout with exits in ATR multiples.

Long at the close of candle i when the close is above the highest high of the ``entry_lookback``
candles before i (i excluded), short below their lowest low. Take-profit and stop-loss sit
``atr_tp_multiple`` / ``atr_sl_multiple`` x ATR(atr_period) of candle i from the entry, as the
fractions ``multiple x ATR[i] / close[i]``; no signal while the ATR is unknown.
"""

from __future__ import annotations

import numpy as np

from domain.indicators import atr, donchian
from domain.strategies.params import MonoParams, Period, PosFloat
from domain.strategies.plans import MarketArrays, MonoPlan, previous
from domain.strategies.spec import StrategySpec


class DonchianBreakoutParams(MonoParams):
    """Donchian channel breakout (1h), TP/SL in ATR multiples from the entry.

    Parameters
    ----------
    entry_lookback : int, default 20
    atr_period : int, default 14
    atr_tp_multiple : float, default 3.0
    atr_sl_multiple : float, default 1.5
    timeframe : default "1h"
    """

    entry_lookback: Period = 20
    atr_period: Period = 14
    atr_tp_multiple: PosFloat = 3.0
    atr_sl_multiple: PosFloat = 1.5


def build(market: MarketArrays, params: DonchianBreakoutParams) -> MonoPlan:
    close = market.close
    channel = donchian(market.high, market.low, params.entry_lookback)
    upper, lower = previous(channel.upper), previous(channel.lower)  # candles i-n .. i-1
    volatility = atr(market.high, market.low, close, params.atr_period) / close
    known = volatility > 0
    long = known & (close > upper)
    short = known & (close < lower)
    return MonoPlan(
        signal=long.astype(np.int64) - short.astype(np.int64),
        tp_offset=params.atr_tp_multiple * volatility,
        sl_offset=params.atr_sl_multiple * volatility,
        leverage=float(params.leverage),
    )


def warmup(params: DonchianBreakoutParams) -> int:
    # channel of the previous candles from index entry_lookback, ATR from atr_period-1
    return max(int(params.entry_lookback), int(params.atr_period) - 1) + 1


SPEC = StrategySpec("donchian_breakout", DonchianBreakoutParams, build, warmup)
