"""One walk-forward optimisation of one (strategy, symbol): a pure function of data and settings.

For every window, every combination is simulated in-sample and out-of-sample by the fast engine.
Each combination is then summarised over the windows (mean IS and OOS Sharpe, consistency = share
of OOS windows with a positive return, OOS trades) and ranked by the seed's
``combo_score = sharpe x (0.4 + 0.6 x consistency) x min(1, trades / 100)``. The best combination
is validated: Monte Carlo on its OOS trades, Deflated Sharpe against all the combinations tried,
stability under +-10/20 % perturbations, transfer to the perpetual of the same asset, the market
regime of each OOS window, and finally the A-F grade.

Nothing here touches the store: the caller records the returned summary as an event. That keeps a
run a pure function of (candles, settings), so it can run in a worker process or, later, on a
distributed engine.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from domain.backtest import Account, run_backtest
from domain.execution import Costs
from domain.metrics import daily_returns
from domain.strategies import strategy as strategy_spec
from domain.strategies.plans import MarketArrays
from optimization.dsr import deflated_sharpe
from optimization.fast.api import WindowMetrics, batch_metrics
from optimization.grading import GradeInputs, grade, verdicts
from optimization.grid_search import (
    check_grid,
    full_grid,
    grid_size,
    latin_hypercube,
    neighbours,
)
from optimization.monte_carlo import monte_carlo, returns_on_capital
from optimization.regimes import classify_regime
from optimization.scoring import combo_score, oos_is_ratio, transfer_ratio
from optimization.stability import perturbations, stability
from optimization.windows import Window, walk_forward_windows

Progress = Callable[[int, int, str], None]  # (done, total, note)
SQRT_YEAR = math.sqrt(365)


@dataclass(frozen=True, slots=True)
class WalkForwardJob:
    strategy: str
    symbol: str
    timeframe: str
    base_params: Mapping[str, Any]
    grid: Mapping[str, Sequence[Any]]
    is_days: int
    oos_days: int
    step_days: int
    costs: Costs
    account: Account = field(default_factory=Account)
    budget: int = 20_000  # above this many combinations: Latin hypercube + fine pass
    mc_sims: int = 1000
    seed: int = 0
    int_keys: tuple[str, ...] = field(default_factory=tuple)


def run_walk_forward(
    job: WalkForwardJob,
    market: MarketArrays,
    validation: MarketArrays | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    began = time.perf_counter()
    spec = strategy_spec(job.strategy)
    check_grid(job.grid, list(job.base_params))
    windows = walk_forward_windows(
        market.ts, job.is_days, job.oos_days, job.step_days, first=spec.warmup(job.base_params)
    )
    combos = _combos(job, market, windows, progress)
    metrics_is, metrics_oos = _evaluate(job, market, combos, windows, progress)
    table = _combo_table(combos, metrics_is, metrics_oos)
    best = int(np.argmax(table["score"]))
    best_params = {**job.base_params, **combos[best]}
    details = _best_details(job, market, windows, best_params)
    run = _Run(job, market, windows, combos, table, best, best_params)
    summary = _summary(run, _validate(run, validation, details))
    summary["duration_s"] = round(time.perf_counter() - began, 3)
    return _finite(summary)


# -- combinations ---------------------------------------------------------------------------------
def _combos(job, market, windows, progress) -> list[dict[str, Any]]:
    if grid_size(job.grid) <= job.budget:
        return full_grid(job.grid)
    sampled = latin_hypercube(job.grid, job.budget // 2, job.seed)
    _, oos = _evaluate(job, market, sampled, windows, progress, note="coarse pass")
    scores = _combo_table(sampled, oos, oos)["score"]
    centre = sampled[int(np.argmax(scores))]
    seen = {tuple(c.items()) for c in sampled}
    fine = [c for c in neighbours(job.grid, centre) if tuple(c.items()) not in seen]
    return sampled + fine


def _evaluate(job, market, combos, windows: list[Window], progress, note: str = ""):
    """IS and OOS metrics of every combination, one window at a time (progress per window)."""
    full = [{**job.base_params, **c} for c in combos]
    is_parts, oos_parts = [], []
    for k, w in enumerate(windows):
        spans = np.array([[w.is_start, w.is_end], [w.oos_start, w.oos_end]], dtype=np.int64)
        m = batch_metrics(job.strategy, market, full, spans, job.costs, job.account)
        is_parts.append(_column(m, 0))
        oos_parts.append(_column(m, 1))
        if progress is not None:
            progress(k + 1, len(windows), note or f"window {k + 1}/{len(windows)}")
    return _stack(is_parts), _stack(oos_parts)


def _column(m: WindowMetrics, j: int) -> dict[str, np.ndarray]:
    return {
        "sharpe": m.sharpe[:, j],
        "return_pct": m.return_pct[:, j],
        "max_drawdown_pct": m.max_drawdown_pct[:, j],
        "trades": m.trades[:, j],
        "wins": m.wins[:, j],
    }


def _stack(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """(combos, windows) arrays per metric."""
    return {key: np.stack([p[key] for p in parts], axis=1) for key in parts[0]}


def _combo_table(combos, metrics_is, metrics_oos) -> dict[str, np.ndarray]:
    oos_sharpe = metrics_oos["sharpe"].mean(axis=1)
    is_sharpe = metrics_is["sharpe"].mean(axis=1)
    consistency = (metrics_oos["return_pct"] > 0).mean(axis=1)
    trades = metrics_oos["trades"].sum(axis=1)
    score = np.array(
        [combo_score(s, c, t) for s, c, t in zip(oos_sharpe, consistency, trades, strict=True)]
    )
    return {
        "is_sharpe": is_sharpe,
        "oos_sharpe": oos_sharpe,
        "consistency": consistency,
        "oos_trades": trades,
        "oos_return_pct": metrics_oos["return_pct"].mean(axis=1),
        "score": score,
        "oos_sharpe_by_window": metrics_oos["sharpe"],
        "is_sharpe_by_window": metrics_is["sharpe"],
        "oos_return_by_window": metrics_oos["return_pct"],
    }


# -- the best combination, in detail (reference engine) ------------------------------------------
@dataclass(frozen=True, slots=True)
class _Details:
    trade_returns: np.ndarray
    daily: np.ndarray
    trades: int


def _best_details(job, market, windows: list[Window], params) -> _Details:
    """The best combination's OOS trades and daily returns, from the event-driven engine."""
    trades, daily = [], []
    for w in windows:
        result = run_backtest(
            market.head(w.oos_end),
            job.strategy,
            job.symbol,
            params,
            job.costs,
            job.account,
            start=w.oos_start,
        )
        trades += result.trades
        daily.append(daily_returns(result.ts, result.equity))
    returns = returns_on_capital(trades, job.account.capital)
    return _Details(returns, np.concatenate(daily), len(trades))


# -- validation and grade ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Run:
    """What the search produced: the windows, every combination's table, the best one."""

    job: WalkForwardJob
    market: MarketArrays
    windows: list[Window]
    combos: list[dict[str, Any]]
    table: dict[str, np.ndarray]
    best: int
    best_params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Checks:
    """The validation of the best combination and its grade."""

    graded: Any
    inputs: GradeInputs
    mc: Any
    dsr: Any
    stab: Any
    transfer: float | None
    regimes: list[Any]


def _validate(run: _Run, validation, details: _Details) -> _Checks:
    job, market, windows, table, best, best_params = (
        run.job,
        run.market,
        run.windows,
        run.table,
        run.best,
        run.best_params,
    )
    oos_sharpe, is_sharpe = float(table["oos_sharpe"][best]), float(table["is_sharpe"][best])
    mc = monte_carlo(details.trade_returns, sims=job.mc_sims, seed=job.seed)
    dsr = deflated_sharpe(details.daily, table["oos_sharpe"] / SQRT_YEAR)
    stab = _stability(job, market, windows, best_params, oos_sharpe)
    transfer = _transfer(job, market, validation, windows, best_params, oos_sharpe)
    regimes = [
        classify_regime(market.ts[w.oos_start : w.oos_end], market.close[w.oos_start : w.oos_end])
        for w in windows
    ]
    inputs = GradeInputs(
        oos_is_ratio=oos_is_ratio(oos_sharpe, is_sharpe),
        mc_p_value=mc.p_value,
        mc_underpowered=mc.underpowered,
        consistency=float(table["consistency"][best]),
        dsr=dsr.dsr,
        stability_variance=stab.variance if stab else None,
        transfer_ratio=transfer,
        oos_trades=details.trades,
    )
    return _Checks(grade(inputs), inputs, mc, dsr, stab, transfer, regimes)


def _stability(job, market, windows, best_params, base_sharpe):
    variants = perturbations(best_params, list(job.grid), job.int_keys)
    if not variants:
        return None
    _, oos = _evaluate(job, market, variants, windows, None)
    return stability(base_sharpe, oos["sharpe"].mean(axis=1))


def _transfer(job, market, validation, windows, params, main_sharpe) -> float | None:
    """OOS Sharpe of the best combination on the perpetual over the same periods / on spot."""
    if validation is None or len(validation) == 0:
        return None
    spans = []
    for w in windows:
        lo, hi = np.searchsorted(validation.ts, [market.ts[w.oos_start], market.ts[w.oos_end - 1]])
        if hi - lo > 24:  # at least a day of candles of the validation series in this window
            spans.append([lo, hi])
    if not spans:
        return None
    m = batch_metrics(
        job.strategy, validation, [dict(params)], np.array(spans), job.costs, job.account
    )
    return transfer_ratio(float(m.sharpe[0].mean()), main_sharpe)


def _summary(run: _Run, checks: _Checks) -> dict[str, Any]:
    job, windows, combos, table, best, best_params, market = (
        run.job,
        run.windows,
        run.combos,
        run.table,
        run.best,
        run.best_params,
        run.market,
    )
    graded, inputs, mc, dsr, stab, transfer, regimes = (
        checks.graded,
        checks.inputs,
        checks.mc,
        checks.dsr,
        checks.stab,
        checks.transfer,
        checks.regimes,
    )
    oos_by_window = table["oos_sharpe_by_window"]
    return {
        "strategy": job.strategy,
        "symbol": job.symbol,
        "timeframe": job.timeframe,
        "grade": graded.grade,
        "score": graded.score,
        "criteria": {
            name: {
                "points": c.points,
                "max": c.max_points,
                "value": _plain(c.value),
                "explanation": c.explanation,
            }
            for name, c in graded.points.items()
        },
        "capped_by": graded.capped_by,
        "verdicts": [
            dataclasses.asdict(v)
            for v in verdicts(
                graded,
                positive_windows=round(inputs.consistency * len(windows)),
                n_windows=len(windows),
                is_sharpe=float(table["is_sharpe"][best]),
                oos_sharpe=float(table["oos_sharpe"][best]),
                combo_oos_sharpes=table["oos_sharpe"].tolist(),
                oos_trades=inputs.oos_trades,
            )
        ],
        "oos_sharpe": float(table["oos_sharpe"][best]),
        "is_sharpe": float(table["is_sharpe"][best]),
        "consistency": float(table["consistency"][best]),
        "oos_is_ratio": inputs.oos_is_ratio,
        "dsr": dsr.dsr,
        "mc_pvalue": mc.p_value,
        "mc_underpowered": mc.underpowered,
        "stability": stab.score if stab else None,
        "stability_variance": stab.variance if stab else None,
        "transfer_ratio": transfer,
        "oos_trades": int(table["oos_trades"][best]),
        "n_windows": len(windows),
        "n_combos": len(combos),
        "best_params": {
            k: _plain(v)
            for k, v in best_params.items()
            if k in job.grid or k in ("sides", "leverage")
        },
        "grid": {k: [_plain(v) for v in vals] for k, vals in job.grid.items()},
        "windows": [
            {
                "index": w.index,
                "is_from": int(market.ts[w.is_start]),
                "oos_from": int(market.ts[w.oos_start]),
                "oos_to": int(market.ts[w.oos_end - 1]),
                "is_sharpe": float(table["is_sharpe_by_window"][best, w.index]),
                "oos_sharpe": float(oos_by_window[best, w.index]),
                "oos_return_pct": float(table["oos_return_by_window"][best, w.index]),
                "regime": regime.name,
                "regime_return_pct": regime.return_pct,
                "regime_max_dd_pct": regime.max_dd_pct,
            }
            for w, regime in zip(windows, regimes, strict=True)
        ],
        "combos": {
            "params": [{k: _plain(v) for k, v in c.items()} for c in combos],
            "is_sharpe": table["is_sharpe"].tolist(),
            "oos_sharpe": table["oos_sharpe"].tolist(),
            "consistency": table["consistency"].tolist(),
            "oos_trades": [int(t) for t in table["oos_trades"]],
            "oos_return_pct": table["oos_return_pct"].tolist(),
            "score": table["score"].tolist(),
            # per window, for dense heatmaps; 4 decimals keep a 3240-combo run near 2 MB
            "oos_sharpe_by_window": _rounded(oos_by_window),
            "is_sharpe_by_window": _rounded(table["is_sharpe_by_window"]),
            "oos_return_by_window": _rounded(table["oos_return_by_window"]),
        },
        "best_index": best,
        "monte_carlo": _plain_dict(mc),
        "dsr_detail": _plain_dict(dsr),
    }


def _finite(value: Any) -> Any:
    """The summary with NaN/inf replaced by None: it becomes an event, and JSON has neither."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _rounded(matrix: np.ndarray) -> list[list[float]]:
    return np.round(matrix, 4).tolist()


def _plain_dict(result: Any) -> dict[str, Any]:
    return {k: _plain(v) for k, v in dataclasses.asdict(result).items()}


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no infinities; events refuse them
    return value
