"""One walk-forward optimisation of one (strategy, symbol): a pure function of data and settings.

What may influence what (the honesty rule of the research, tested):

- **Selection**: every combination is simulated on every window, in-sample and out-of-sample, by
  the fast engine. Each window selects the combination with the highest in-sample score
  (``optimization.selection``); only in-sample metrics enter that choice.
- **The result** is the stitched out-of-sample record of the selections: window by window, the
  selected combination's OOS trades and daily returns (event-driven engine, the reference),
  concatenated in time. OOS Sharpe, consistency, OOS/IS ratio, Monte Carlo, the Deflated Sharpe
  and the OOS trade count are measured on it: data no selection saw.
- **The parameters to trade** are the most recent window's selection. Stability (neighbours
  within +-10/20 %) and transfer to the perpetual are measured for them on the windows whose
  out-of-sample periods they were not chosen on (``selection.unseen_windows``).
- The seed's cross-window ``combo_score`` of each combination's OOS results is kept as the
  Explorer's robustness view; it selects nothing.

Each window leaves an embargo (default 7 days) between its in-sample end and its out-of-sample
start. Window figures are reproducible: ``scalp-radar backtest --from <oos start> --to <oos end>``
with the window's parameters gives the same trades and Sharpe (both simulate the window on the
whole history before it).

Nothing here touches the store: the caller records the returned summary as an event. That keeps a
run a pure function of (candles, settings), so it can run in a worker process or, later, on a
distributed engine.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import numpy as np
from msgspec import UNSET, UnsetType

from domain.backtest import Account, run_backtest
from domain.contracts import Contract
from domain.execution import Costs
from domain.metrics import DAY_MS, daily_returns, sharpe_ratio
from domain.research import IN_SAMPLE_RULE
from domain.strategies import strategy as strategy_spec
from domain.strategies.params import StrategyParams, stop_beyond_liquidation
from domain.strategies.plans import MarketArrays
from domain.trades import Trade
from domain.walk_forward_summary import (
    Combinations,
    StitchedCurve,
    WalkForwardSummary,
    WindowRecord,
)
from optimization.dsr import deflated_sharpe
from optimization.fast.api import batch_metrics
from optimization.fast.prepared import Preparations
from optimization.fast.results import WindowMetrics
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
from optimization.selection import PARAMS_RULE, is_score, select, unseen_windows
from optimization.stability import perturbations, stability
from optimization.windows import Window, walk_forward_windows

Progress = Callable[[int, int, str], None]  # (done, total, note)
SQRT_YEAR = math.sqrt(365)
_JSON_DECODER = msgspec.json.Decoder(WalkForwardSummary)


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
    embargo_days: int = 7
    full_score_trades: int = 30  # IS trades at which the selection score is no longer discounted
    budget: int = 20_000  # above this many combinations: Latin hypercube + fine pass
    mc_sims: int = 1000
    seed: int = 0
    int_keys: tuple[str, ...] = field(default_factory=tuple)
    # the contract the market's engines obey, as the reports state it (its venue, symbol,
    # source and rules, or that there is none); the caller who chose it says it
    contract: str | UnsetType = UNSET


def run_walk_forward(
    job: WalkForwardJob,
    market: MarketArrays,
    validation: MarketArrays | None = None,
    progress: Progress | None = None,
    preparations: Preparations | None = None,
) -> WalkForwardSummary:
    """The run's summary. Every kernel call reuses the inputs ``preparations`` (by default, the
    run's own) holds for its market and combinations: built once, not once per window."""
    began = time.perf_counter()
    prep = Preparations() if preparations is None else preparations
    spec = strategy_spec(job.strategy)
    check_grid(job.grid, list(job.base_params))
    windows = walk_forward_windows(
        market.ts,
        job.is_days,
        job.oos_days,
        job.step_days,
        first=spec.warmup(spec.parse(job.base_params)),
        embargo_days=job.embargo_days,
    )
    combos, dropped = _combos(job, market, windows, progress, prep)
    metrics_is, metrics_oos = _evaluate(job, market, combos, windows, progress, prep)
    table = _combo_table(combos, metrics_is, metrics_oos, job.full_score_trades)
    selected = select(table["is_score_by_window"])
    record = _stitched(job, market, windows, _parsed(job, [combos[c] for c in selected]))
    run = _Run(job, market, windows, combos, table, selected, record, dropped, prep)
    checks = _validate(run, validation)
    return _as_json(_summary(run, checks, round(time.perf_counter() - began, 3)))


def _full(job: WalkForwardJob, combo: Mapping[str, Any]) -> dict[str, Any]:
    return {**job.base_params, **combo}


def _parsed(job: WalkForwardJob, combos: Sequence[Mapping[str, Any]]) -> list[StrategyParams]:
    """The combinations over the base parameters as the strategy's parameter structs, what
    the engines take (the dicts stay the summary's)."""
    spec = strategy_spec(job.strategy)
    return [spec.parse(_full(job, c)) for c in combos]


# -- combinations ---------------------------------------------------------------------------------
def _combos(job, market, windows, progress, prep) -> tuple[list[dict[str, Any]], int]:
    """The full grid, or for a larger one a Latin hypercube sample plus the neighbours of its
    best member by mean in-sample score (in-sample only, like every selection); without the
    combinations the venue would not let trade as written (``_tradable``), and how many those
    were."""
    if grid_size(job.grid) <= job.budget:
        return _tradable(job, market.contract, full_grid(job.grid))
    sampled, dropped = _tradable(
        job, market.contract, latin_hypercube(job.grid, job.budget // 2, job.seed)
    )
    metrics_is, _ = _evaluate(job, market, sampled, windows, progress, prep, "coarse pass")
    scores = is_score(metrics_is["sharpe"], metrics_is["trades"], job.full_score_trades)
    centre = sampled[int(np.argmax(scores.mean(axis=1)))]
    seen = {tuple(c.items()) for c in sampled}
    fine, more = _tradable(
        job,
        market.contract,
        [c for c in neighbours(job.grid, centre) if tuple(c.items()) not in seen],
    )
    return sampled + fine, dropped + more


def _tradable(
    job: WalkForwardJob, contract: Contract, combos: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], int]:
    """The combinations a venue would trade as written, and how many were dropped: a leverage
    above the contract's maximum, or a stop at or beyond the liquidation price at the first
    tier's rate (the venue liquidates first: such a stop, and its backtest, are fictions). A
    contract without tiers models no liquidation and drops nothing for it."""
    kept = []
    for combo, params in zip(combos, _parsed(job, combos), strict=True):
        too_high = contract.max_leverage and params.leverage > contract.max_leverage
        fiction = contract.tiers and stop_beyond_liquidation(params, contract.tiers[0].mmr)
        if not (too_high or fiction):
            kept.append(combo)
    if not kept:
        raise ValueError(
            f"{job.strategy}: every combination of the grid has a leverage above the venue's "
            f"maximum or a stop beyond its liquidation price (max leverage "
            f"{contract.max_leverage or 'unknown'}): lower the leverage or the stops"
        )
    return kept, len(combos) - len(kept)


def _evaluate(job, market, combos, windows: list[Window], progress, prep, note: str = ""):
    """IS and OOS metrics of every combination, one window at a time (progress per window)."""
    full = _parsed(job, combos)
    is_parts, oos_parts = [], []
    for k, w in enumerate(windows):
        spans = np.array([[w.is_start, w.is_end], [w.oos_start, w.oos_end]], dtype=np.int64)
        m = batch_metrics(job.strategy, market, full, spans, job.costs, job.account, prep)
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


def _combo_table(combos, metrics_is, metrics_oos, full_score_trades: int) -> dict[str, np.ndarray]:
    """Per combination (and per combination x window): the in-sample scores the selection reads,
    and the OOS aggregates of the seed's robustness view (``score``: its ``combo_score``)."""
    oos_sharpe = metrics_oos["sharpe"].mean(axis=1)
    consistency = (metrics_oos["return_pct"] > 0).mean(axis=1)
    trades = metrics_oos["trades"].sum(axis=1)
    score = np.array(
        [combo_score(s, c, t) for s, c, t in zip(oos_sharpe, consistency, trades, strict=True)]
    )
    return {
        "is_sharpe": metrics_is["sharpe"].mean(axis=1),
        "oos_sharpe": oos_sharpe,
        "consistency": consistency,
        "oos_trades": trades,
        "oos_return_pct": metrics_oos["return_pct"].mean(axis=1),
        "score": score,
        "is_score_by_window": is_score(
            metrics_is["sharpe"], metrics_is["trades"], full_score_trades
        ),
        "oos_sharpe_by_window": metrics_oos["sharpe"],
        "is_sharpe_by_window": metrics_is["sharpe"],
        "oos_return_by_window": metrics_oos["return_pct"],
        "is_return_by_window": metrics_is["return_pct"],
        "is_trades_by_window": metrics_is["trades"],
    }


# -- the stitched out-of-sample record (reference engine) ----------------------------------------
@dataclass(frozen=True, slots=True)
class _Record:
    """The selections' OOS trades and daily returns, window after window; each window's figures
    as ``backtest --from --to`` reports them; the equity curve of capital + cumulative OOS P&L
    at each UTC day's end."""

    trades: list[Trade]
    daily: np.ndarray
    windows: list[dict[str, Any]]  # per window: sharpe, return_pct, trades, fingerprint
    curve_ts: list[int]
    curve_equity: list[float]
    pnl: float


def _stitched(job, market, windows: list[Window], params: list[StrategyParams]) -> _Record:
    capital = job.account.capital
    trades: list[Trade] = []
    daily: list[np.ndarray] = []
    figures: list[dict[str, Any]] = []
    curve_ts = [int(market.ts[windows[0].oos_start])]
    curve_equity = [capital]
    pnl = 0.0
    for w, p in zip(windows, params, strict=True):
        result = run_backtest(
            market.head(w.oos_end),
            job.strategy,
            job.symbol,
            p,
            job.costs,
            job.account,
            start=w.oos_start,
        )
        trades += result.trades
        daily.append(daily_returns(result.ts, result.equity))
        m = result.metrics
        figures.append(
            {
                "sharpe": m.sharpe,
                "return_pct": m.return_pct,
                "trades": m.trades,
                "fingerprint": result.fingerprint,
            }
        )
        day_ts, day_equity = _day_ends(result.ts, result.equity)
        curve_ts += day_ts
        curve_equity += [pnl + e for e in day_equity]
        pnl += m.final_equity - capital
    return _Record(trades, np.concatenate(daily), figures, curve_ts, curve_equity, pnl)


def _day_ends(ts: np.ndarray, equity: np.ndarray) -> tuple[list[int], list[float]]:
    """(end of day ms, equity at the day's last candle close) for each UTC day of the curve."""
    if len(ts) == 0:
        return [], []
    day = ts // DAY_MS
    last = np.flatnonzero(np.append(day[1:] != day[:-1], True))
    return [int((d + 1) * DAY_MS) for d in day[last]], [float(e) for e in equity[last]]


# -- validation and grade ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Run:
    """What the search produced: the windows, every combination's table, each window's
    selection and their stitched record. The parameters to trade are the last selection."""

    job: WalkForwardJob
    market: MarketArrays
    windows: list[Window]
    combos: list[dict[str, Any]]
    table: dict[str, np.ndarray]
    selected: np.ndarray
    record: _Record
    dropped: int  # combinations the venue would not trade as written (``_tradable``)
    prep: Preparations  # the kernel inputs the validation's calls reuse

    @property
    def trade_index(self) -> int:
        return int(self.selected[-1])

    @property
    def trade_params(self) -> dict[str, Any]:
        return _full(self.job, self.combos[self.trade_index])

    @property
    def traded(self) -> StrategyParams:
        """``trade_params`` as the strategy's struct, for the engines."""
        (params,) = _parsed(self.job, [self.combos[self.trade_index]])
        return params

    def selected_metric(self, key: str) -> np.ndarray:
        """Per window, the metric ``key`` (a by-window column) of that window's selection."""
        return self.table[key][self.selected, np.arange(len(self.windows))]


@dataclass(frozen=True, slots=True)
class _Checks:
    """The validation of the run and its grade."""

    graded: Any
    inputs: GradeInputs
    oos_sharpe: float
    is_sharpe: float
    consistency: float
    mc: Any
    dsr: Any
    unseen: list[int]
    stab: Any
    transfer: float | None
    regimes: list[Any]


def _validate(run: _Run, validation) -> _Checks:
    job, market, windows, record = run.job, run.market, run.windows, run.record
    oos_sharpe = sharpe_ratio(record.daily)
    is_sharpe = float(run.selected_metric("is_sharpe_by_window").mean())
    consistency = float(np.mean([f["return_pct"] > 0 for f in record.windows]))
    mc = monte_carlo(
        returns_on_capital(record.trades, job.account.capital), sims=job.mc_sims, seed=job.seed
    )
    # N = the combinations tried, their Sharpes per day like the stitched daily returns
    dsr = deflated_sharpe(record.daily, run.table["oos_sharpe"] / SQRT_YEAR)
    unseen = unseen_windows(windows, market.ts, windows[-1], job.embargo_days * DAY_MS)
    stab = _stability(run, unseen)
    transfer = _transfer(run, validation, unseen)
    regimes = [
        classify_regime(market.ts[w.oos_start : w.oos_end], market.close[w.oos_start : w.oos_end])
        for w in windows
    ]
    inputs = GradeInputs(
        oos_is_ratio=oos_is_ratio(oos_sharpe, is_sharpe),
        mc_p_value=mc.p_value,
        mc_underpowered=mc.underpowered,
        consistency=consistency,
        dsr=dsr.dsr,
        stability_variance=stab.variance if stab else None,
        transfer_ratio=transfer,
        oos_trades=len(record.trades),
    )
    return _Checks(
        grade(inputs),
        inputs,
        oos_sharpe,
        is_sharpe,
        consistency,
        mc,
        dsr,
        unseen,
        stab,
        transfer,
        regimes,
    )


def _oos_spans(windows: list[Window], indexes: Sequence[int]) -> np.ndarray:
    return np.array([[windows[k].oos_start, windows[k].oos_end] for k in indexes], dtype=np.int64)


def _stability(run: _Run, unseen: list[int]):
    """Sharpe of the parameters to trade and of their neighbours, on the unseen windows."""
    job = run.job
    trade = run.traded
    moved = perturbations(msgspec.structs.asdict(trade), list(job.grid), job.int_keys)
    if not moved or not unseen:
        return None
    # a neighbour may leave the config's bounds (+20 % of an RSI threshold of 85 is 102): it is
    # measured all the same, so it is the traded struct with one value moved, never parsed
    variants = [msgspec.structs.replace(trade, **variant) for variant in moved]
    base = float(run.table["oos_sharpe_by_window"][run.trade_index, unseen].mean())
    spans = _oos_spans(run.windows, unseen)
    m = batch_metrics(job.strategy, run.market, variants, spans, job.costs, job.account, run.prep)
    return stability(base, m.sharpe.mean(axis=1))


def _transfer(run: _Run, validation, unseen: list[int]) -> float | None:
    """Mean OOS Sharpe of the parameters to trade on the perpetual / on the main market, over
    the unseen windows where the perpetual has at least a day of candles."""
    if validation is None or len(validation) == 0:
        return None
    ts = run.market.ts
    kept, spans = [], []
    for k in unseen:
        w = run.windows[k]
        lo = int(np.searchsorted(validation.ts, ts[w.oos_start]))
        hi = int(np.searchsorted(validation.ts, ts[w.oos_end - 1], side="right"))
        if hi - lo > 24:
            kept.append(k)
            spans.append([lo, hi])
    if not spans:
        return None
    job = run.job
    m = batch_metrics(
        job.strategy, validation, [run.traded], np.array(spans), job.costs, job.account, run.prep
    )
    main = float(run.table["oos_sharpe_by_window"][run.trade_index, kept].mean())
    return transfer_ratio(float(m.sharpe[0].mean()), main)


def _summary(run: _Run, checks: _Checks, duration_s: float) -> WalkForwardSummary:
    job, table = run.job, run.table
    graded, inputs = checks.graded, checks.inputs
    stab, mc, dsr = checks.stab, checks.mc, checks.dsr
    return WalkForwardSummary(
        strategy=job.strategy,
        symbol=job.symbol,
        timeframe=job.timeframe,
        selection_rule=IN_SAMPLE_RULE,
        embargo_days=job.embargo_days,
        is_trades_full=job.full_score_trades,
        grade=graded.grade,
        score=graded.score,
        criteria=graded.points,
        capped_by=graded.capped_by,
        verdicts=verdicts(
            graded,
            positive_windows=round(checks.consistency * len(run.windows)),
            n_windows=len(run.windows),
            is_sharpe=checks.is_sharpe,
            oos_sharpe=checks.oos_sharpe,
            combo_oos_sharpes=table["oos_sharpe"].tolist(),
            oos_trades=inputs.oos_trades,
        ),
        oos_sharpe=checks.oos_sharpe,
        oos_sharpe_mean=float(np.mean([f["sharpe"] for f in run.record.windows])),
        is_sharpe=checks.is_sharpe,
        consistency=checks.consistency,
        oos_is_ratio=inputs.oos_is_ratio,
        oos_return_pct=run.record.pnl / job.account.capital * 100.0,
        dsr=dsr.dsr,
        mc_pvalue=mc.p_value,
        mc_underpowered=mc.underpowered,
        stability=stab.score if stab else None,
        stability_variance=stab.variance if stab else None,
        transfer_ratio=checks.transfer,
        validation_windows=checks.unseen,
        oos_trades=inputs.oos_trades,
        n_windows=len(run.windows),
        n_combos=len(run.combos),
        n_dropped=run.dropped,
        best_params=_shown_params(job, run.trade_params),
        best_index=run.trade_index,
        params_window=len(run.windows) - 1,
        params_rule=PARAMS_RULE,
        grid={k: list(vals) for k, vals in job.grid.items()},
        capital=job.account.capital,
        # order prices were rounded to this tick (the market's contract spec); None: not rounded
        price_tick=run.market.contract.tick or None,
        contract=job.contract,
        stitched=StitchedCurve(run.record.curve_ts, run.record.curve_equity),
        windows=_window_records(run, checks.regimes),
        combos=_combinations(run),
        monte_carlo=mc,
        dsr_detail=dsr,
        duration_s=duration_s,
    )


def _shown_params(job: WalkForwardJob, params: Mapping[str, Any]) -> dict[str, Any]:
    """The tuned parameters (and the side and leverage a trader needs to read them)."""
    return {k: v for k, v in params.items() if k in job.grid or k in ("sides", "leverage")}


def _window_records(run: _Run, regimes: list[Any]) -> list[WindowRecord]:
    ts, table = run.market.ts, run.table
    records = []
    for w, regime, c, oos in zip(
        run.windows, regimes, run.selected, run.record.windows, strict=True
    ):
        k = w.index
        records.append(
            WindowRecord(
                index=k,
                is_from=int(ts[w.is_start]),
                is_end=_end_ms(run.market, w.is_end),
                oos_from=int(ts[w.oos_start]),
                oos_to=int(ts[w.oos_end - 1]),
                oos_end=_end_ms(run.market, w.oos_end),
                combo=int(c),
                params=_shown_params(run.job, _full(run.job, run.combos[c])),
                is_sharpe=float(table["is_sharpe_by_window"][c, k]),
                is_return_pct=float(table["is_return_by_window"][c, k]),
                is_trades=int(table["is_trades_by_window"][c, k]),
                is_score=float(table["is_score_by_window"][c, k]),
                # the reference engine's figures: what backtest --from --to prints
                oos_sharpe=oos["sharpe"],
                oos_return_pct=oos["return_pct"],
                oos_trades=oos["trades"],
                oos_fingerprint=oos["fingerprint"],
                regime=regime.name,
                regime_return_pct=regime.return_pct,
                regime_max_dd_pct=regime.max_dd_pct,
            )
        )
    return records


def _end_ms(market: MarketArrays, end: int) -> int:
    """The exclusive end of ``[.., end)`` as a time: the next candle's open (``--to`` of a
    backtest); past the last candle, its open plus one period."""
    return int(market.ts[end]) if end < len(market) else int(market.ts[-1]) + market.tf_ms


def _combinations(run: _Run) -> Combinations:
    table = run.table
    return Combinations(
        params=run.combos,
        is_sharpe=table["is_sharpe"].tolist(),
        oos_sharpe=table["oos_sharpe"].tolist(),
        consistency=table["consistency"].tolist(),
        oos_trades=[int(t) for t in table["oos_trades"]],
        oos_return_pct=table["oos_return_pct"].tolist(),
        score=table["score"].tolist(),
        # per window, for dense heatmaps; 4 decimals keep a 3240-combo run near 2 MB
        oos_sharpe_by_window=_rounded(table["oos_sharpe_by_window"]),
        is_sharpe_by_window=_rounded(table["is_sharpe_by_window"]),
        oos_return_by_window=_rounded(table["oos_return_by_window"]),
        selected_in=np.bincount(run.selected, minlength=len(run.combos)).tolist(),
    )


def _as_json(summary: WalkForwardSummary) -> WalkForwardSummary:
    """The summary as the event will hold it: through JSON, which has neither NaN nor inf
    (msgspec writes them as null, hence None) nor numpy scalars (written as the numbers they
    are); decoding it back checks every field against the vocabulary."""
    return _JSON_DECODER.decode(msgspec.json.encode(summary, enc_hook=_numpy_scalar))


def _numpy_scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise NotImplementedError(f"{type(value).__name__} in a walk-forward summary")


def _rounded(matrix: np.ndarray) -> list[list[float]]:
    return np.round(matrix, 4).tolist()
