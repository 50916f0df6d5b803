"""What the walk-forward tests share: markets with no edge in them, and a job on them."""

from __future__ import annotations

import itertools
from typing import Any

import msgspec
import numpy as np

from config.loader import load_settings
from domain.backtest import Account
from domain.execution import Costs
from domain.strategies.plans import MarketArrays
from optimization.walk_forward import WalkForwardJob

SETTINGS = load_settings()
T0 = 1_577_836_800_000  # 2020-01-01 00:00 UTC
H = 3_600_000
COSTS = Costs.from_percent(0.02, 0.06, 0.05)


def random_walk(
    days: int,
    seed: int,
    vol: float = 0.007,
    tf_ms: int = H,
    funding_sd: float = 1e-4,
    oi_vol: float = 0.01,
) -> MarketArrays:
    """A zero-drift geometric random walk (``vol`` per candle, fat-tailed), with an 8-hourly
    funding rate of zero mean (``funding_sd``) and an open interest that wanders (``oi_vol`` per
    candle): no strategy has an edge on it, so any edge a walk-forward reports is selection
    bias."""
    rng = np.random.default_rng(seed)
    n = days * 86_400_000 // tf_ms
    ts = T0 + np.arange(n, dtype=np.int64) * tf_ms
    moves = rng.standard_t(4, n) * vol / np.sqrt(2.0)  # t(4) has variance 2
    moves -= moves.mean()  # no drift at all, not even by chance
    close = 100.0 * np.exp(np.cumsum(moves))
    open_ = np.concatenate([[100.0], close[:-1]])
    wick = np.abs(rng.normal(0.0, vol / 2, (2, n)))
    high = np.maximum(open_, close) * (1 + wick[0])
    low = np.minimum(open_, close) * (1 - wick[1])
    volume = rng.lognormal(3.0, 0.5, n)
    funding = np.where(ts % (8 * H) == 0, rng.normal(0.0, funding_sd, n), np.nan)
    oi = 1e6 * np.exp(np.cumsum(rng.normal(0.0, oi_vol, n)))
    return MarketArrays(ts, open_, high, low, close, volume, tf_ms, funding, {"open_interest": oi})


def job(
    strategy: str,
    grid: dict[str, list[Any]] | None = None,
    *,
    is_days: int = 180,
    oos_days: int = 60,
    embargo_days: int = 7,
    mc_sims: int = 200,
) -> WalkForwardJob:
    """A walk-forward of ``strategy`` with its strategies.yaml parameters and ``grid`` (default:
    its param_grids.yaml grid)."""
    base = msgspec.structs.asdict(getattr(SETTINGS.strategies, strategy))
    grid = grid if grid is not None else SETTINGS.param_grids.grids[strategy]
    return WalkForwardJob(
        strategy=strategy,
        symbol="X/USDT",
        timeframe=base["timeframe"],
        base_params=base,
        grid=grid,
        is_days=is_days,
        oos_days=oos_days,
        step_days=oos_days,
        embargo_days=embargo_days,
        costs=COSTS,
        account=Account(),
        mc_sims=mc_sims,
        int_keys=tuple(
            k for k, v in base.items() if isinstance(v, int) and not isinstance(v, bool)
        ),
    )


def small_grid(strategy: str, keys: int = 3) -> dict[str, list[Any]]:
    """The first and last values of the first ``keys`` lists of the strategy's grid."""
    grid = SETTINGS.param_grids.grids[strategy]
    return {k: sorted({v[0], v[-1]}) for k, v in itertools.islice(grid.items(), keys)}


def spliced(a: MarketArrays, b: MarketArrays, cut: int) -> MarketArrays:
    """``a``'s candles before ``cut``, ``b``'s from ``cut`` on (rescaled to go on from ``a``'s
    last close): the same past, another future."""
    scale = a.close[cut - 1] / b.open[cut]

    def join(x: np.ndarray, y: np.ndarray, k: float = 1.0) -> np.ndarray:
        return np.concatenate([x[:cut], y[cut:] * k])

    return MarketArrays(
        a.ts,
        join(a.open, b.open, scale),
        join(a.high, b.high, scale),
        join(a.low, b.low, scale),
        join(a.close, b.close, scale),
        join(a.volume, b.volume),
        a.tf_ms,
        join(a.funding, b.funding),
        {k: join(v, b.extras[k]) for k, v in a.extras.items()},
    )
