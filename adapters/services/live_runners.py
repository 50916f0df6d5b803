"""Which runners trade with real orders, and what ``scalp-radar live`` says before it starts.

A runner goes live when its strategy says ``live: true`` in strategies.yaml, it is a paper
runner (enabled, the asset validated in ``per_asset``), and the parameters applied to the asset
were graded A or B by a walk-forward. A runner that asks for live but falls short is named with
the reason, never traded silently or dropped silently.

Bitget nets all orders of a symbol into one position (one-way mode), so two live runners on one
symbol (two grids, or a grid and a mono strategy) are refused.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import msgspec

from adapters.services.runner_specs import RunnerSpec, runner_specs
from adapters.services.traded_contract import VenueContracts
from config.settings import Settings
from optimization.grading import LIVE_GRADES, LIVE_NEEDS
from projections.research import ResearchReader


class LiveSetupError(Exception):
    """The live runners cannot trade as configured: one line, CLI exit code 2."""


@dataclass(frozen=True, slots=True)
class LiveSelection:
    runners: list[RunnerSpec]
    skipped: list[tuple[str, str]]  # (runner key, why it does not go live)


def live_selection(settings: Settings, research: ResearchReader) -> LiveSelection:
    grades = {(r["strategy"], r["symbol"]): r["grade"] for r in research.applied()}
    runners, skipped = [], []
    for spec in runner_specs(settings, research):
        if not getattr(settings.strategies, spec.strategy).live:
            continue
        grade = grades.get((spec.strategy, spec.symbol))
        if grade not in LIVE_GRADES:
            why = f"graded {grade}" if grade else "no graded parameters applied"
            skipped.append((spec.key, f"{why}; {LIVE_NEEDS}"))
        else:
            runners.append(spec)
    shared = [s for s, n in Counter(r.symbol for r in runners).items() if n > 1]
    if shared:
        keys = ", ".join(r.key for r in runners if r.symbol in shared)
        raise LiveSetupError(
            f"{keys}: one symbol, several live runners (the venue nets them into one position)"
        )
    return LiveSelection(runners, skipped)


def live_settings(settings: Settings) -> Settings:
    """The settings live trading sizes with: the capital capped by ``live_max_capital``."""
    risk = settings.risk
    if risk.live_max_capital is None or risk.live_max_capital >= risk.initial_capital:
        return settings
    capped = msgspec.structs.replace(risk, initial_capital=risk.live_max_capital)
    return msgspec.structs.replace(settings, risk=capped)


def live_specs(settings: Settings, research: ResearchReader) -> list[RunnerSpec]:
    """The runners the live shadow Simulator trades (``PaperTrader``'s ``specs``)."""
    return on_perpetuals(settings, live_selection(settings, research).runners)


def on_perpetuals(settings: Settings, specs: list[RunnerSpec]) -> list[RunnerSpec]:
    """The runners moved to the trading venue's perpetual of their asset (BTC/USDT trades as
    BTC/USDT:USDT): live, the shadow steps the candles of the contract the orders go to."""
    contracts = VenueContracts.of(settings)
    moved = []
    for spec in specs:
        perp = contracts.perpetual(spec.symbol)
        moved.append(replace(spec, symbol=perp, key=f"{spec.strategy}:{perp}"))
    return moved


def announcement(selection: LiveSelection, capital: float, margin_per_runner: float) -> str:
    """What ``live`` trades, said before the first order."""
    lines = [f"live: capital {capital:,.2f} USDT, {len(selection.runners)} runner(s)"]
    for spec in selection.runners:
        lines.append(
            f"  {spec.key} ({spec.timeframe}, leverage {spec.params.leverage}x): "
            f"margin up to {margin_per_runner:,.2f} USDT"
        )
    lines += [f"  not live: {key}: {why}" for key, why in selection.skipped]
    return "\n".join(lines)
