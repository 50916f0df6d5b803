"""grid_funding: long-only DCA bought at the open while the funding rate is very negative.

The rate known before candle i is the last settlement *strictly before* candle i: settlements
are forward-filled and shifted one candle, so a rate settled at the open of candle s (known at its
close) acts from the open of s+1 on, like every other signal decided at a close. Level k is a
market buy at the open of candle i when that rate is ``<= -(funding_threshold_start + k x
funding_threshold_step)``; in the plan a triggered level is ``+inf`` (a buy limit every candle
reaches) with ``market_entries=True``, an untriggered one NaN. A level fills once per cycle; a
deeper rate adds the further levels.

Exits, by ``tp_mode``:

* ``"sma_cross"``: a resting take-profit at the SMA(``ma_period``) of candle i-1;
* ``"funding_positive"``: the grid closes at the open of i when the rate known before i is > 0
  (no take-profit order);
* ``"funding_or_sma"``: both, whichever comes first;

and always the stop ``sl_percent`` below the average entry. Funding itself is charged by the
runner at each settlement (a long receives a negative rate).

``min_hold_candles`` becomes the plan's ``min_hold``: the runner counts candles since the grid's
first fill (only it knows when that was) and holds the take-profit and the funding exit until
then; the stop stays active.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
import numpy as np

from domain.indicators import sma
from domain.market import timeframe_ms
from domain.strategies.params import (
    FundingRate,
    GridParams,
    Levels,
    LongOnly,
    Period,
    StopPercent,
)
from domain.strategies.plans import GridPlan, MarketArrays, previous
from domain.strategies.spec import StrategySpec

SETTLEMENT_MS = 8 * 3_600_000  # the usual funding interval of perpetual swaps
SMA_EXIT = ("sma_cross", "funding_or_sma")
FUNDING_EXIT = ("funding_positive", "funding_or_sma")


class GridFundingParams(GridParams):
    """Long-only DCA when funding is very negative (shorts pay longs).

    Level i opens when the last settled funding rate < -(start + i x step).

    Parameters
    ----------
    funding_threshold_start : float, default 0.0005
    funding_threshold_step : float, default 0.0005
    num_levels : int, default 3
    ma_period : int, default 14
    sl_percent : float, default 15.0
    tp_mode : "funding_positive" | "sma_cross" | "funding_or_sma", default "funding_or_sma"
        Exit when funding turns positive, when price crosses the SMA, or the first of both.
    min_hold_candles : int, default 8 (no take-profit before this many candles)
    sides : ("long",) only
    """

    sides: LongOnly = ("long",)
    funding_threshold_start: FundingRate = 0.0005
    funding_threshold_step: FundingRate = 0.0005
    num_levels: Levels = 3
    ma_period: Period = 14
    sl_percent: StopPercent = 15.0
    tp_mode: Literal["funding_positive", "sma_cross", "funding_or_sma"] = "funding_or_sma"
    min_hold_candles: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 8


def known_rate(funding: np.ndarray) -> np.ndarray:
    """Row i: the last funding rate settled before candle i (NaN before the first settlement)."""
    funding = np.asarray(funding, dtype=np.float64)
    index = np.where(np.isfinite(funding), np.arange(len(funding)), 0)
    np.maximum.accumulate(index, out=index)
    return previous(funding[index])


def thresholds(params: GridFundingParams) -> np.ndarray:
    """Level k triggers at a rate <= -thresholds[k]."""
    levels = np.arange(params.num_levels)
    return params.funding_threshold_start + levels * params.funding_threshold_step


def build(market: MarketArrays, params: GridFundingParams) -> GridPlan:
    rate = known_rate(market.funding)
    n = len(market)
    with np.errstate(invalid="ignore"):
        triggered = rate[:, None] <= -thresholds(params)[None, :]
        positive = rate > 0.0
    mode = params.tp_mode
    take_profit = previous(sma(market.close, params.ma_period))
    return GridPlan(
        long_entries=np.where(triggered, np.inf, np.nan),
        short_entries=None,
        take_profit=take_profit if mode in SMA_EXIT else np.full(n, np.nan),
        sl_fraction=params.sl_percent / 100.0,
        leverage=float(params.leverage),
        num_levels=int(params.num_levels),
        exit_at_open=positive if mode in FUNDING_EXIT else None,
        market_entries=True,
        min_hold=int(params.min_hold_candles),
    )


def warmup(params: GridFundingParams) -> int:
    """One funding interval, so a settlement is known when the period starts, and the SMA of the
    take-profit when the mode uses it."""
    tf_ms = timeframe_ms(params.timeframe)
    funding = max(1, SETTLEMENT_MS // tf_ms) + 1
    sma_ready = int(params.ma_period) + 1 if params.tp_mode in SMA_EXIT else 0
    return max(funding, sma_ready)


SPEC = StrategySpec("grid_funding", GridFundingParams, build, warmup, needs=("funding",))
