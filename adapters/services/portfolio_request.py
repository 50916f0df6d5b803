"""Use case: what a portfolio run is asked, checked, made into the settings it runs with.

The CLI's options and the dashboard's form both become a ``PortfolioRequest``; ``prepare``
checks it (the cheap checks first: a mistake costs no projection nor replay), picks the runners
(``portfolio_runners``: named, applied or a preset; a forward test's parameters), the span and
the overrides, and gives the ``PortfolioSettings`` to record and the ``Settings`` to replay.
A refusal is a ``PortfolioInputError`` naming the request's field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from adapters.services.engine import Engine
from adapters.services.portfolio_backtest import run_portfolio
from adapters.services.portfolio_runners import (
    PortfolioInputError,
    applied_before,
    from_applied,
    from_preset,
    from_strategies,
    parse_runners,
    preset_of,
    with_overrides,
)
from adapters.services.runner_specs import runner_spec
from config.risk import PortfolioPreset
from config.settings import Settings
from domain.market import timeframe_ms
from domain.metrics import DAY_MS
from domain.portfolio_report import PortfolioReport
from domain.portfolio_run import PortfolioSettings, RunnerChoice

# request field -> the risk.yaml value it overrides (``kill_switch.`` for the switch's)
OVERRIDES = {
    "capital": "initial_capital",
    "kill_switch_dd": "kill_switch.global_max_drawdown_percent",
    "kill_switch_cooldown": "kill_switch.global_cooldown_hours",
    "max_margin_ratio": "max_margin_ratio",
}


class PortfolioRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A run as asked: the runners (``strategies`` text, ``applied`` or a ``preset``), the
    span (``start_ms``/``end_ms`` or the last ``days``; ``forward`` days for a forward test),
    the overrides (None: the config's) and whether the guards are on."""

    strategies: str | None = None
    applied: bool = False
    preset: str | None = None
    capital: float | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    days: int | None = None
    forward: int | None = None
    kill_switch_dd: float | None = None
    kill_switch_cooldown: int | None = None
    max_margin_ratio: float | None = None
    guards: bool = True


@dataclass(frozen=True, slots=True)
class PreparedPortfolio:
    """The settings to replay with (overrides applied) and what the run records."""

    settings: Settings
    asked: PortfolioSettings


def prepare(
    engine: Engine, settings: Settings, request: PortfolioRequest, catch_up: Callable[[], object]
) -> PreparedPortfolio:
    """The checked run; ``catch_up`` brings the read models up to date once the cheap checks
    passed (the runners and the span read them)."""
    preset = preset_of(settings, request.preset) if request.preset else None
    overrides = {
        name: value
        for field, name in OVERRIDES.items()
        if (value := getattr(request, field)) is not None
    }
    if preset is not None:  # a preset's capital, unless the request gave one
        overrides.setdefault("initial_capital", preset.capital)
    run_settings = with_overrides(settings, overrides, guards=request.guards)
    named = (
        from_strategies(settings, parse_runners(request.strategies)) if request.strategies else None
    )
    days = _days(request, preset)
    catch_up()
    choices = named if named is not None else _recorded_runners(request, engine, settings)
    if not choices:
        raise PortfolioInputError(
            "no runner to trade: no parameters applied yet (optimize ... --apply)", "runners"
        )
    start, end = _span(request, engine, settings, choices, days)
    left_out: list[str] = []
    if request.forward:
        choices, left_out = applied_before(settings, engine.research, choices, start)
        if not choices:
            raise PortfolioInputError(
                "no runner to trade: none had parameters applied before the window", "forward"
            )
    asked = PortfolioSettings(
        runners=choices,
        capital=run_settings.risk.initial_capital,
        start_ts=start,
        end_ts=end,
        mode="forward" if request.forward else _mode(request),
        preset=request.preset or "",
        forward_days=request.forward or 0,
        overrides=overrides,
        guards=request.guards,
        left_out=left_out,
    )
    return PreparedPortfolio(run_settings, asked)


def replay(
    engine: Engine,
    prepared: PreparedPortfolio,
    no_specs: bool = False,
    on_batch: Callable[[int, int], None] | None = None,
) -> PortfolioReport:
    """Run the prepared portfolio on ``engine``'s stored history (``on_batch(candles,
    total)``: progress, in candle times)."""
    asked, research = prepared.asked, engine.research_reader()
    specs = [runner_spec(c.strategy, c.symbol, c.params, research) for c in asked.runners]
    start, end = asked.start_ts, asked.end_ts
    return run_portfolio(engine, prepared.settings, specs, start, end, no_specs, on_batch).report


def _mode(request: PortfolioRequest) -> str:
    return "strategies" if request.strategies else "applied" if request.applied else "preset"


def _recorded_runners(
    request: PortfolioRequest, engine: Engine, settings: Settings
) -> list[RunnerChoice]:
    """The runners of ``applied`` or ``preset``: from the research read model."""
    research = engine.research_reader()
    if request.applied:
        return from_applied(settings, research)
    return from_preset(settings, research, request.preset or "")


def _days(request: PortfolioRequest, preset: PortfolioPreset | None) -> int | None:
    """How many days end at the last candle (None: ``start_ms`` gives the start); refuses an
    incomplete request."""
    if not (request.strategies or request.applied or request.preset):
        raise PortfolioInputError(
            "name the runners: --strategies, --applied or --preset", "runners"
        )
    if request.start_ms is not None and (request.days or request.forward):
        raise PortfolioInputError("give --from or --days/--forward, not both", "days")
    days = request.forward or request.days
    if days is None and request.start_ms is None and preset is not None:
        days = preset.days
    if days is None and request.start_ms is None:
        raise PortfolioInputError("give the span: --from DATE, --days N or --forward N", "days")
    if days is not None and days <= 0:
        raise PortfolioInputError("--days and --forward take a positive number of days", "days")
    return days


def _span(
    request: PortfolioRequest,
    engine: Engine,
    settings: Settings,
    choices: list[RunnerChoice],
    days: int | None,
) -> tuple[int, int | None]:
    """(start, exclusive end): the request's dates, else the last ``days`` before its end or
    after the newest stored candle of the runners' markets."""
    end = request.end_ms
    if days is None:
        start = request.start_ms or 0
    else:
        start = (end if end is not None else _stored_end(engine, settings, choices)) - days * DAY_MS
    if end is not None and end <= start:
        raise PortfolioInputError("--to must be after --from", "to")
    return start, end


def _stored_end(engine: Engine, settings: Settings, choices: list[RunnerChoice]) -> int:
    """Just after the newest stored candle of the runners' markets."""
    reader, exchange = engine.market_reader(), settings.exchanges.history_exchange
    ends = []
    for choice in choices:
        timeframe = choice.params.get("timeframe", "1h")
        info = reader.find(exchange, choice.symbol, timeframe)
        if info is not None and info.last_ts is not None:
            ends.append(info.last_ts + timeframe_ms(timeframe))
    if not ends:
        raise PortfolioInputError(
            "no stored candles for these runners: import or fetch some first", "runners"
        )
    return max(ends)
