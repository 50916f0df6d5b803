"""Fill numba's on-disk cache ahead of the first real run: ``scalp-radar warm-cache``.

A fresh install (or an upgrade that changed a kernel) compiles every numba kernel the first time
it runs: about half a minute per strategy family, paid inside the user's first ``optimize``.
``tasks.py`` runs this once after installing, so the compilation happens with a progress bar
instead. Each strategy with a grid runs a tiny walk-forward (one combination, three short windows,
the transfer check on a second market) on a synthetic market: that calls every kernel the
research and the backtests use, with the argument types real runs pass, so numba caches exactly
the signatures they will ask for.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace

import msgspec
import numpy as np

from adapters.services.backtest import account, costs
from adapters.services.optimize import int_keys
from config.settings import Settings
from domain.contracts import Contract
from domain.market import timeframe_ms
from domain.strategies.plans import MarketArrays
from optimization.walk_forward import WalkForwardJob, run_walk_forward

DAYS = 200
T0 = 1_577_836_800_000  # 2020-01-01 UTC
# a tick, a step and minimums as real markets have (no tiers nor leverage cap: they would drop
# combinations, and the kernels take the same argument types without them)
CONTRACT = Contract(tick=0.01, step=0.001, min_qty=0.001, min_notional=5.0)


def warm(
    settings: Settings, done: Callable[[str], None], only: Collection[str] | None = None
) -> None:
    """One tiny walk-forward per strategy with a grid (``only``: those of them);
    ``done(strategy)`` after each."""
    for strategy in sorted(settings.param_grids.grids):
        if only is not None and strategy not in only:
            continue
        section = getattr(settings.strategies, strategy)
        base = msgspec.structs.asdict(section)
        grid = settings.param_grids.grids[strategy]
        key = next(iter(grid))
        job = WalkForwardJob(
            strategy=strategy,
            symbol="WARM/USDT",
            timeframe=section.timeframe,
            base_params=base,
            grid={key: [grid[key][0]]},
            is_days=40,
            oos_days=20,
            step_days=20,
            embargo_days=1,
            costs=costs(settings),
            account=account(settings),
            mc_sims=10,
            int_keys=int_keys(base),
        )
        market = synthetic(timeframe_ms(section.timeframe), seed=1)
        run_walk_forward(job, market, replace(synthetic(market.tf_ms, seed=2), ts=market.ts))
        done(strategy)


def synthetic(tf_ms: int, seed: int) -> MarketArrays:
    """A deterministic random walk with funding and open interest: data every strategy reads."""
    rng = np.random.default_rng(seed)
    n = DAYS * 86_400_000 // tf_ms
    ts = T0 + np.arange(n, dtype=np.int64) * tf_ms
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))
    open_ = np.concatenate([[100.0], close[:-1]])
    high = np.maximum(open_, close) * 1.004
    low = np.minimum(open_, close) * 0.996
    funding = np.where(ts % (8 * 3_600_000) == 0, rng.normal(0.0, 1e-4, n), np.nan)
    extras = {"open_interest": 1e6 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n)))}
    volume = rng.lognormal(3.0, 0.5, n)
    return MarketArrays(ts, open_, high, low, close, volume, tf_ms, funding, extras, CONTRACT)
