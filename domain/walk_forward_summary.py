"""The walk-forward's result as one typed vocabulary: the summary a run returns, the
``OptimizationCompleted`` event stores, the research read model projects, ``optimize`` prints and
the dashboard shows.

A summary is a ``WalkForwardSummary``: its ``Headline`` (what a report states first: the pair,
the rule, the grade and its criteria, the stitched out-of-sample figures, the checks and the
parameters to trade) followed by the detail (every window's record, the verdicts, every
combination's figures, the stitched equity curve, the Monte Carlo and Deflated Sharpe details).
Field names are the summary's JSON keys, so a summary encodes to the JSON runs have always been
stored as, and stored runs of every vintage decode:

- runs recorded before each window selected on in-sample data (the seed's "earlier rule",
  ``domain.research.earlier_rule``) lack the in-sample rule's keys: None at the top level, the
  read model's NULL; UNSET in a window's record, so that an old window is written back in its
  own shape (the read model keeps windows whole);
- ``price_tick`` came later still (None: not known, as for a market without a contract spec);
- ``contract``, the contract the engines obeyed in one line, later again (UNSET in runs
  recorded before, so that they are written back in their own shape);
- ``fixed`` is only there for an Explorer run on a narrowed grid (UNSET otherwise).

Figures are ``float | None`` where a measurement can be NaN or infinite: JSON has neither, so a
summary holds None there (``optimization.walk_forward`` writes it through JSON). Parameters stay
``dict[str, Any]``: their types are the strategies'.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

Level = Literal["ok", "warn", "bad"]


class Verdict(msgspec.Struct, frozen=True):
    """One plain-language sentence on a run, at a level that colours it."""

    level: Level
    text: str


class Criterion(msgspec.Struct, frozen=True):
    """One of the grade's six criteria: the points earned out of ``max``, the figure they were
    read from (None: not measured) and why. Whole points stay whole (12, not 12.0), as
    stored."""

    points: int | float
    max: int | float
    value: float | None
    explanation: str


class MonteCarloResult(msgspec.Struct, frozen=True):
    """The block bootstrap of the stitched out-of-sample trades (``optimization.monte_carlo``)."""

    p_value: float
    observed_sharpe: float  # per-trade mean / std (ddof=1) of the real trades
    sim_percentiles: tuple[float, float, float]  # 5th, 50th, 95th of the null resamples
    n_trades: int
    underpowered: bool  # fewer than 30 trades
    block: int  # block length of the bootstrap


class DsrResult(msgspec.Struct, frozen=True):
    """The Deflated Sharpe Ratio and its inputs, all per period (``optimization.dsr``)."""

    dsr: float | None  # probability in [0, 1]
    sr: float | None  # per-period Sharpe ratio of the selected strategy
    sr0: float | None  # per-period Sharpe ratio expected from the best of N skill-less trials
    t: int  # number of returns
    n_trials: int
    skew: float | None
    kurt: float | None  # raw (non-excess) kurtosis


class WindowRecord(msgspec.Struct, kw_only=True, frozen=True):
    """One walk-forward window: its spans (UTC ms; ``*_end`` exclusive: the next candle's open,
    ``oos_to`` the open of its last candle), the combination it selected on in-sample data,
    that selection's in-sample and out-of-sample figures (the OOS ones as ``backtest --from
    --to`` prints them) and the market regime of its OOS span. A run of the earlier rule kept
    the spans' starts, the one best combination's figures and the regime: the rest is UNSET."""

    index: int
    is_from: int
    is_end: int | UnsetType = UNSET
    oos_from: int
    oos_to: int
    oos_end: int | UnsetType = UNSET
    combo: int | UnsetType = UNSET
    params: dict[str, Any] | UnsetType = UNSET
    is_sharpe: float | None
    is_return_pct: float | UnsetType | None = UNSET
    is_trades: int | UnsetType = UNSET
    is_score: float | UnsetType | None = UNSET
    oos_sharpe: float | None
    oos_return_pct: float | None
    oos_trades: int | UnsetType = UNSET
    oos_fingerprint: str | UnsetType = UNSET
    regime: str
    regime_return_pct: float | None
    regime_max_dd_pct: float | None


class Combinations(msgspec.Struct, kw_only=True, frozen=True):
    """Every combination tried, one list per figure in combination order: its parameters, then
    its aggregates over the windows (IS and OOS Sharpe means, consistency, OOS trades and mean
    return, the seed's robustness ``score``), its figures per window (rounded to 4 decimals)
    and how many windows selected it. Runs recorded before the per-window IS Sharpe and OOS
    return, or before the selection counts, have None there."""

    params: list[dict[str, Any]]
    is_sharpe: list[float | None]
    oos_sharpe: list[float | None]
    consistency: list[float | None]
    oos_trades: list[int]
    oos_return_pct: list[float | None]
    score: list[float | None]
    oos_sharpe_by_window: list[list[float | None]]
    is_sharpe_by_window: list[list[float | None]] | None = None
    oos_return_by_window: list[list[float | None]] | None = None
    selected_in: list[int] | None = None


class StitchedCurve(msgspec.Struct, frozen=True):
    """Capital plus the selections' cumulative out-of-sample P&L at each UTC day's end."""

    ts: list[int]
    equity: list[float]


class Headline(msgspec.Struct, kw_only=True, frozen=True):
    """What a report states first about a run, in the order ``optimize --json`` prints it."""

    strategy: str
    symbol: str
    timeframe: str
    selection_rule: str | None = None  # domain.research.IN_SAMPLE_RULE; None: the earlier rule
    embargo_days: int | None = None
    grade: str
    score: float
    oos_sharpe: float | None  # of the stitched daily returns
    oos_sharpe_mean: float | None = None  # mean of the windows' OOS Sharpes
    is_sharpe: float | None  # mean in-sample Sharpe of the selections
    consistency: float | None  # share of windows whose selection made money out of sample
    oos_is_ratio: float | None
    dsr: float | None
    mc_pvalue: float | None
    mc_underpowered: bool
    stability: float | None  # None: not measured
    transfer_ratio: float | None  # None: no perpetual to validate on
    oos_trades: int
    oos_return_pct: float | None = None  # stitched OOS P&L over the capital
    n_windows: int
    n_combos: int
    # combinations left out of the grid: leverage above the venue's maximum, or a stop at or
    # beyond the liquidation price (UNSET in runs recorded before issue 14, which dropped none:
    # their stored JSON stays as it was)
    n_dropped: int | UnsetType = UNSET
    best_params: dict[str, Any]  # the parameters to trade
    params_rule: str | None = None  # how they were chosen
    params_window: int | None = None  # the window whose selection they are
    validation_windows: list[int] | None = None  # where stability and transfer were measured
    price_tick: float | None = None  # order prices were rounded to it; None: not rounded
    contract: str | UnsetType = UNSET  # the contract obeyed (venue, symbol, source, rules)
    criteria: dict[str, Criterion]
    capped_by: str | None  # the trade-count guard that lowered the grade


class WalkForwardSummary(Headline, kw_only=True, frozen=True):
    """One walk-forward run, complete: its headline, then the detail."""

    duration_s: float
    windows: list[WindowRecord]
    is_trades_full: int | None = None  # IS trades at which a selection score is not discounted
    verdicts: list[Verdict]
    stability_variance: float | None
    best_index: int  # the combination of the parameters to trade
    grid: dict[str, list[Any]]  # the values searched
    capital: float | None = None
    stitched: StitchedCurve | None = None
    combos: Combinations
    monte_carlo: MonteCarloResult
    dsr_detail: DsrResult
    fixed: dict[str, Any] | UnsetType = UNSET  # the parameters an Explorer run pinned
