"""Technical indicators of the strategies: numba kernels (``*_nb``) and checked wrappers.

Contract of every kernel:

- inputs are 1-D float64 arrays of equal length (timestamps: int64 epoch ms, candle open time)
  plus scalar parameters; no Python callbacks; outputs are allocated inside and never alias
  the inputs;
- ``out[i]`` depends only on ``inputs[0..i]`` (causal): truncating the future never changes the
  past, which the backtest and paper trading rely on. ``resample`` is causal through its
  ``closed_index``: at candle ``i`` only buckets ``<= closed_index[i]`` are complete;
- NaN marks the warm-up (each kernel documents its length) and propagates from NaN inputs;
- kernels do not validate; the wrappers of the same name without ``_nb`` do (1-D, same lengths,
  period ``n >= 1``) and raise ``ValueError`` naming the bad argument.

Floating-point results follow the documented operation order; recursive kernels (EMA, Wilder)
carry round-off forward, so compare them with a relative tolerance, not bit for bit.
"""

from domain.indicators.averages import ema_nb, sma_nb, vwap_nb, wilder_mean_nb
from domain.indicators.channels import bollinger_nb, donchian_nb, supertrend_nb
from domain.indicators.oscillators import adx_nb, rsi_nb
from domain.indicators.resample import align_closed_nb, resample_nb
from domain.indicators.volatility import atr_nb, rolling_std_nb, true_range_nb
from domain.indicators.wrappers import (
    Adx,
    Bollinger,
    Donchian,
    Resampled,
    SuperTrend,
    adx,
    align_closed,
    atr,
    bollinger,
    donchian,
    ema,
    resample,
    rolling_std,
    rsi,
    sma,
    supertrend,
    true_range,
    vwap,
)

__all__ = [
    "Adx",
    "Bollinger",
    "Donchian",
    "Resampled",
    "SuperTrend",
    "adx",
    "adx_nb",
    "align_closed",
    "align_closed_nb",
    "atr",
    "atr_nb",
    "bollinger",
    "bollinger_nb",
    "donchian",
    "donchian_nb",
    "ema",
    "ema_nb",
    "resample",
    "resample_nb",
    "rolling_std",
    "rolling_std_nb",
    "rsi",
    "rsi_nb",
    "sma",
    "sma_nb",
    "supertrend",
    "supertrend_nb",
    "true_range",
    "true_range_nb",
    "vwap",
    "vwap_nb",
    "wilder_mean_nb",
]
