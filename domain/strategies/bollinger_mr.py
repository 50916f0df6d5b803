"""bollinger_mr: Bollinger-band mean reversion, out at the middle band.

Long at the close of candle i when the close is below the lower band (``bb_period`` SMA minus
``bb_std`` population standard deviations), short above the upper band. The position closes at
the next open once a close reaches or crosses the middle band from the other side (close i-1
below it and close i not, or above it and not), at ``sl_percent`` from the entry, or after
``max_hold_candles``; there is no take-profit order.
"""

from __future__ import annotations

import numpy as np

from domain.indicators import bollinger
from domain.strategies.params import MonoParams, Period, PosFloat, PosInt, StopPercent
from domain.strategies.plans import MarketArrays, MonoPlan
from domain.strategies.spec import StrategySpec


class BollingerMrParams(MonoParams):
    """Bollinger mean reversion (1h): enter outside the bands, take profit at the middle band.

    Parameters
    ----------
    bb_period : int, default 20
    bb_std : float, default 2.0
    sl_percent : float, default 5.0
    max_hold_candles : int, default 48 (time exit)
    timeframe : default "1h"
    """

    bb_period: Period = 20
    bb_std: PosFloat = 2.0
    sl_percent: StopPercent = 5.0
    max_hold_candles: PosInt = 48


def build(market: MarketArrays, params: BollingerMrParams) -> MonoPlan:
    close = market.close
    bands = bollinger(close, params.bb_period, params.bb_std)
    long = close < bands.lower
    short = close > bands.upper
    above, below = close > bands.mid, close < bands.mid
    crossed = np.zeros(len(market), dtype=bool)
    crossed[1:] = (below[:-1] & ~below[1:]) | (above[:-1] & ~above[1:])
    crossed &= np.isfinite(bands.mid)
    n = len(market)
    return MonoPlan(
        signal=long.astype(np.int64) - short.astype(np.int64),
        tp_offset=np.full(n, np.nan),
        sl_offset=np.full(n, params.sl_percent / 100.0),
        leverage=float(params.leverage),
        exit_signal=crossed,
        max_hold=int(params.max_hold_candles),
    )


def warmup(params: BollingerMrParams) -> int:
    return int(params.bb_period)  # bands (and entries) from index bb_period-1


SPEC = StrategySpec("bollinger_mr", BollingerMrParams, build, warmup)
