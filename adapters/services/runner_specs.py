"""What a paper portfolio trades: one runner per enabled strategy x validated asset.

Only assets listed in a strategy's ``per_asset`` section trade: those lines are written by
``optimize --apply`` from graded walk-forward results, so an asset nobody validated never
trades on default parameters (strict filter, the seed's lesson). Each runner carries the regime
profile of its applied parameters: the mean OOS Sharpe of the walk-forward windows of each
regime, which the regime filter reads.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import msgspec

from adapters.services.backtest import BacktestRequest, strategy_params
from config.settings import Settings
from domain.market import timeframe_ms
from domain.strategies import strategy as strategy_spec
from domain.strategies.params import PLUMBING, StrategyParams
from projections.research import ResearchReader


@dataclass(frozen=True, slots=True)
class RunnerSpec:
    key: str
    strategy: str
    symbol: str
    timeframe: str
    params: StrategyParams  # what the plan is built from
    record: dict[str, Any]  # the same parameters as ``RunnerConfigured`` stores them
    regimes: dict[str, float]  # regime -> mean OOS Sharpe of the applied parameters
    regime_window_ms: int  # OOS window length the profile was measured on (0: no profile)


def runner_specs(settings: Settings, research: ResearchReader) -> list[RunnerSpec]:
    specs = []
    for strategy in settings.strategies.__struct_fields__:
        section = getattr(settings.strategies, strategy)
        if section is None or not section.enabled:
            continue
        for symbol in sorted(section.per_asset):
            params = strategy_params(settings, BacktestRequest(strategy, symbol))
            specs.append(runner_spec(strategy, symbol, params, research))
    return specs


def runner_spec(
    strategy: str, symbol: str, params: dict[str, Any], research: ResearchReader
) -> RunnerSpec:
    """The runner of ``strategy`` on ``symbol`` trading ``params`` (a merged mapping, as
    ``strategy_params`` gives it), with the regime profile of the pair's research."""
    record = _as_stored(params)
    parsed = strategy_spec(strategy).parse(record)
    regimes, window_ms = regime_profile(research, strategy, symbol)
    key = f"{strategy}:{symbol}"
    return RunnerSpec(key, strategy, symbol, parsed.timeframe, parsed, record, regimes, window_ms)


def regime_profile(
    research: ResearchReader, strategy: str, symbol: str
) -> tuple[dict[str, float], int]:
    """Mean OOS Sharpe per regime over the windows of the run whose parameters were applied
    (else the latest run), and the OOS window length. Empty when no run is known."""
    run = applied_run(research, strategy, symbol)
    if run is None or not run.get("windows"):
        return {}, 0
    sharpes: dict[str, list[float]] = defaultdict(list)
    for window in run["windows"]:
        if window.oos_sharpe is not None:
            sharpes[window.regime].append(window.oos_sharpe)
    first = run["windows"][0]
    # oos_to is the open time of the window's last candle
    window_ms = first.oos_to - first.oos_from + timeframe_ms(run["timeframe"])
    return {name: sum(v) / len(v) for name, v in sorted(sharpes.items())}, window_ms


def applied_run(research: ResearchReader, strategy: str, symbol: str) -> dict | None:
    """The run whose parameters were applied to the pair, else its latest run (None: none)."""
    for row in research.applied():
        if row["strategy"] == strategy and row["symbol"] == symbol and row["run_id"]:
            return research.run(row["run_id"])
    latest = research.latest(strategy, symbol)
    return latest[0] if latest else None


def _as_stored(params: dict[str, Any]) -> dict[str, Any]:
    """The runner's own parameters as events store them (JSON types: tuples become lists), so
    a restart compares like with like; ``PLUMBING`` (enabled, live, per_asset) is left out."""
    own = {k: v for k, v in params.items() if k not in PLUMBING}
    return msgspec.json.decode(msgspec.json.encode(own))
