"""Hand-made candle scenarios for the mono-position strategy tests.

A scenario is a list of ``(open, high, low, close)`` candles, mostly ``FLAT`` ones at 100 with a
few chosen candles. With zero costs and the default account (capital 10 000, at most 25 % of it
as margin per asset: 2 500) at the mono default leverage 10, every position is 25 000 of notional,
so a take-profit of x % earns exactly x % of 25 000.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from domain.backtest import run_backtest
from domain.execution import Costs
from domain.strategies import strategy
from domain.strategies.params import MonoParams
from domain.strategies.plans import MarketArrays, MonoPlan
from domain.trades import Trade

H = 3_600_000
NAN = math.nan
FREE = Costs(0.0, 0.0, 0.0)
NOTIONAL = 2_500.0 * 10  # margin per asset x leverage
FLAT = (100.0, 101.0, 99.0, 100.0)  # true range 2: an ATR of exactly 2 on flat candles

Candle = tuple[float, float, float, float]


def defaults(name: str, **overrides: Any) -> MonoParams:
    """The config defaults of ``name`` with ``overrides`` (a key that is not one of its
    parameters is refused), as the strategy's struct."""
    return strategy(name).parse(overrides)


def market(
    candles: Sequence[Candle],
    volume: Sequence[float] | None = None,
    funding: dict[int, float] | None = None,
    tf_ms: int = H,
    **extras: Sequence[float],
) -> MarketArrays:
    """Candles i at ``i x tf_ms`` (from 1970-01-01 00:00 UTC: one VWAP session), volume 1."""
    n = len(candles)
    o, h, l, c = (np.array(col, dtype=float) for col in zip(*candles, strict=True))
    rates = np.full(n, NAN)
    for i, rate in (funding or {}).items():
        rates[i] = rate
    vol = np.ones(n) if volume is None else np.array(volume, dtype=float)
    aligned = {k: np.array(v, dtype=float) for k, v in extras.items()}
    return MarketArrays(
        np.arange(n, dtype=np.int64) * tf_ms, o, h, l, c, vol, tf_ms, rates, aligned
    )


def trades(name: str, m: MarketArrays, p: MonoParams) -> list[Trade]:
    """Closed trades of a zero-cost backtest over the whole scenario."""
    return run_backtest(m, name, "X/USDT", p, FREE).trades


def plan(name: str, m: MarketArrays, p: MonoParams) -> MonoPlan:
    built = strategy(name).build(m, p)
    assert isinstance(built, MonoPlan)
    return built


def random_market(n: int = 120, seed: int = 7, tf_ms: int = H) -> MarketArrays:
    """A noisy random walk around 100 with volume spikes, 8-hourly funding and open interest."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n)))
    open_ = np.concatenate(([100.0], close[:-1]))
    high = np.maximum(open_, close) * (1.0 + rng.uniform(0.0, 0.01, n))
    low = np.minimum(open_, close) * (1.0 - rng.uniform(0.0, 0.01, n))
    volume = rng.lognormal(0.0, 0.8, n)
    funding = np.full(n, NAN)
    settlements = slice(None, None, max(1, 8 * H // tf_ms))
    funding[settlements] = rng.normal(0.0, 0.0008, len(funding[settlements]))
    oi = 1000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.03, n)))
    ts = np.arange(n, dtype=np.int64) * tf_ms
    extras = {"open_interest": oi}
    return MarketArrays(ts, open_, high, low, close, volume, tf_ms, funding, extras)


def assert_causal(name: str, m: MarketArrays, p: MonoParams, warmup: bool = True) -> MonoPlan:
    """Every row i of the plan equals the one built from the first i+1 candles only, and (with
    ``warmup``) no row before ``warmup(params) - 1`` signals: the warm-up candles suffice."""
    full = plan(name, m, p)
    assert np.any(full.signal != 0), "the scenario must signal for the test to mean anything"
    if warmup:
        assert not full.signal[: strategy(name).warmup(p) - 1].any()
    for i in range(len(m)):
        cut = plan(name, m.head(i + 1), p)
        assert cut.signal[i] == full.signal[i], f"signal of row {i} uses the future"
        np.testing.assert_array_equal(cut.tp_offset[i], full.tp_offset[i])
        np.testing.assert_array_equal(cut.sl_offset[i], full.sl_offset[i])
        if full.exit_signal is not None:
            assert cut.exit_signal is not None
            assert cut.exit_signal[i] == full.exit_signal[i], f"exit of row {i} uses the future"
    return full
