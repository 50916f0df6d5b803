"""envelope_dca / envelope_dca_short: DCA levels at fixed percentages around the SMA.

Long level k rests at ``SMA x (1 - (start + k x step))``; the short mirror uses the asymmetric
offset ``1 / (1 - offset) - 1`` above the SMA, so a round trip long entry -> SMA -> short entry is
symmetric in log-return (the seed's rule). The take-profit is the SMA; the stop is ``sl_percent``
from the average entry. All values come from the SMA of the previous candle.
"""

from __future__ import annotations

import numpy as np

from domain.indicators import sma
from domain.strategies.params import Fraction, GridParams, Levels, Period, Sides, StopPercent
from domain.strategies.plans import GridPlan, MarketArrays, previous
from domain.strategies.spec import StrategySpec, sides


class EnvelopeDcaParams(GridParams):
    """Envelope DCA: buy levels at SMA x (1 - start - i x step); TP at the SMA, SL on avg price.

    Parameters
    ----------
    ma_period : int, default 7
    num_levels : int, default 3
    envelope_start : float, default 0.07 (fraction below the SMA of level 0)
    envelope_step : float, default 0.03 (extra fraction per further level)
    sl_percent : float, default 25.0 (% from the average entry price)
    sides : default ("long",); leverage : default 3; timeframe : default "1h"
    """

    ma_period: Period = 7
    num_levels: Levels = 3
    envelope_start: Fraction = 0.07
    envelope_step: Fraction = 0.03
    sl_percent: StopPercent = 25.0


class EnvelopeDcaShortParams(EnvelopeDcaParams):
    """Mirror of ``EnvelopeDcaParams`` selling above the SMA; only ``sides`` defaults to short."""

    sides: Sides = ("short",)


def offsets(params: EnvelopeDcaParams) -> np.ndarray:
    levels = np.arange(params.num_levels)
    return params.envelope_start + levels * params.envelope_step


def build(market: MarketArrays, params: EnvelopeDcaParams) -> GridPlan:
    mid = previous(sma(market.close, params.ma_period))
    lower = offsets(params)
    allowed = sides(params)
    long_entries = mid[:, None] * (1.0 - lower[None, :]) if 1 in allowed else None
    upper = 1.0 / (1.0 - lower) - 1.0
    short_entries = mid[:, None] * (1.0 + upper[None, :]) if -1 in allowed else None
    return GridPlan(
        long_entries=long_entries,
        short_entries=short_entries,
        take_profit=mid,
        sl_fraction=params.sl_percent / 100.0,
        leverage=float(params.leverage),
        num_levels=int(params.num_levels),
    )


def warmup(params: EnvelopeDcaParams) -> int:
    return int(params.ma_period) + 1


SPEC = StrategySpec("envelope_dca", EnvelopeDcaParams, build, warmup)
SHORT_SPEC = StrategySpec("envelope_dca_short", EnvelopeDcaShortParams, build, warmup)
