"""A portfolio backtest as a recorded fact: the settings it ran with and its report.

Runs are recorded once, complete, in their own log (``PortfolioLog``); the read model lists
them (``projections.portfolio_runs``). The report is stored as builtins (a ``PortfolioReport``'s
fields, read back with ``msgspec.convert``), like research summaries.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec

from domain.facts import Fact

PORTFOLIO_LOG_ID: UUID = uuid5(NAMESPACE_URL, "/portfolio-backtests")


class RunnerChoice(msgspec.Struct, frozen=True):
    """One runner of a run and where its parameters came from: ``per_asset`` (validated in
    strategies.yaml), ``defaults`` (the strategy's section), ``applied`` (the research read
    model) or ``applied_before`` (a forward test: applied before the window)."""

    key: str
    strategy: str
    symbol: str
    params: dict[str, Any]
    source: str


class PortfolioSettings(msgspec.Struct, frozen=True, kw_only=True):
    """What a run was asked: its runners, capital, span, overrides and mode.

    ``mode``: "strategies", "applied", "preset" (``preset`` names it) or "forward" (the last
    ``forward_days`` with parameters applied before them); ``left_out`` names the runners a
    forward test dropped (no parameters applied before its window). ``overrides`` holds only
    what the command line changed (risk.yaml's names); ``guards`` is False under
    ``--no-guards``."""

    runners: list[RunnerChoice]
    capital: float
    start_ts: int
    end_ts: int | None
    mode: str
    preset: str = ""
    forward_days: int = 0
    overrides: dict[str, float] = {}
    guards: bool = True
    left_out: list[str] = []


class PortfolioBacktestCompleted(Fact):
    TOPIC = "scalp_radar:PortfolioBacktestCompleted"
    run_id: str
    settings: dict[str, Any]  # a PortfolioSettings as builtins
    report: dict[str, Any]  # a PortfolioReport as builtins
