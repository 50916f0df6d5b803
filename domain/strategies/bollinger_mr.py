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
from domain.strategies.plans import MarketArrays, MonoPlan
from domain.strategies.spec import Params, StrategySpec


def build(market: MarketArrays, params: Params) -> MonoPlan:
    close = market.close
    bands = bollinger(close, params["bb_period"], params["bb_std"])
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
        sl_offset=np.full(n, params["sl_percent"] / 100.0),
        leverage=float(params["leverage"]),
        exit_signal=crossed,
        max_hold=int(params["max_hold_candles"]),
    )


def warmup(params: Params) -> int:
    return int(params["bb_period"])  # bands (and entries) from index bb_period-1


SPEC = StrategySpec("bollinger_mr", "mono", build, warmup)
