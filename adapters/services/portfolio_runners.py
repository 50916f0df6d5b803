"""Which runners a portfolio backtest trades, with which parameters, and the run's settings.

Three ways to name the runners (``--strategies``, ``--applied``, ``--preset``), a forward test
that swaps in the parameters applied before its window, and the settings overrides: a
``Settings`` copy (``msgspec.structs.replace``), validated by the config's own bounds.
"""

from __future__ import annotations

from typing import Any

import msgspec

from adapters.services.backtest import BacktestInputError, BacktestRequest, strategy_params
from adapters.store.research_log import ResearchLog
from config.risk import PortfolioPreset
from config.settings import Settings
from domain.market import MarketError, check_symbol
from domain.portfolio_run import RunnerChoice
from domain.strategies import strategy as strategy_spec
from domain.strategies.params import PLUMBING
from projections.research import ResearchReader

GRADES = "ABCDF"
# what --no-guards sets: no kill switch can trip (losses capped at 100 % of the capital), the
# margin guard allows the whole capital (a level still needs the cash), no regime filter: the
# runners trade as their single-asset backtests do
NO_GUARDS: dict[str, float | bool] = {
    "max_margin_ratio": 1.0,
    "regime_filter_enabled": False,
    "kill_switch.max_session_loss_percent": 100.0,
    "kill_switch.max_daily_loss_percent": 100.0,
    "kill_switch.grid_max_session_loss_percent": 100.0,
    "kill_switch.grid_max_daily_loss_percent": 100.0,
    "kill_switch.global_max_drawdown_percent": 100.0,
}


class PortfolioInputError(ValueError):
    """Bad runners, preset or override: one line, CLI exit code 2; ``field`` names the part of
    the request at fault (a form shows the reason beside it)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def parse_runners(text: str) -> list[tuple[str, str]]:
    """``grid_atr:BTC/USDT,ETH/USDT+envelope_dca:SOL/USDT`` as (strategy, symbol) pairs."""
    pairs: list[tuple[str, str]] = []
    for part in text.split("+"):
        strategy, colon, symbols = part.partition(":")
        names = [s.strip() for s in symbols.split(",")]
        if not colon or not strategy.strip() or not all(names):
            raise PortfolioInputError(
                f"--strategies {text!r}: expected strategy:SYMBOL[,SYMBOL...][+strategy:...]",
                "strategies",
            )
        pairs += [(strategy.strip(), name) for name in names]
    if len(set(pairs)) != len(pairs):
        raise PortfolioInputError(f"--strategies {text!r}: a runner is named twice", "strategies")
    return pairs


def from_strategies(settings: Settings, pairs: list[tuple[str, str]]) -> list[RunnerChoice]:
    """Each pair with its validated ``per_asset`` parameters when strategies.yaml has some for
    the asset, else the strategy's defaults."""
    choices = []
    for strategy, symbol in pairs:
        params = _params(settings, strategy, symbol)
        section = getattr(settings.strategies, strategy)
        source = "per_asset" if symbol in section.per_asset else "defaults"
        choices.append(_choice(strategy, symbol, params, source))
    return choices


def from_applied(settings: Settings, research: ResearchReader) -> list[RunnerChoice]:
    """Every pair the research applied parameters to, with them (over the strategy's section)."""
    return [
        _choice(
            row["strategy"],
            row["symbol"],
            _params(settings, row["strategy"], row["symbol"]) | row["params"],
            "applied",
        )
        for row in research.applied()
    ]


def preset_of(settings: Settings, name: str) -> PortfolioPreset:
    """Preset ``name`` of risk.yaml's ``portfolio_presets``."""
    preset = settings.risk.portfolio_presets.get(name)
    if preset is None:
        known = ", ".join(sorted(settings.risk.portfolio_presets))
        raise PortfolioInputError(f"--preset {name!r}: not in risk.yaml (known: {known})", "preset")
    return preset


def from_preset(settings: Settings, research: ResearchReader, name: str) -> list[RunnerChoice]:
    """The runners of preset ``name``: the applied runners of the preset's count of assets,
    chosen in the order of their best runner (grade A first, then the research score, higher
    first); every applied runner on a chosen asset trades."""
    preset = preset_of(settings, name)
    applied = from_applied(settings, research)
    if not applied:
        raise PortfolioInputError(
            f"--preset {name}: no parameters applied yet (scalp-radar optimize ... --apply)",
            "preset",
        )
    ranks = _ranks(research)
    ordered = sorted(applied, key=lambda c: ranks.get(c.key, (len(GRADES), 0.0)))
    assets = list(dict.fromkeys(c.symbol for c in ordered))
    chosen = set(assets[: preset.assets] if preset.assets else assets)
    return [c for c in ordered if c.symbol in chosen]


def _ranks(research: ResearchReader) -> dict[str, tuple[int, float]]:
    """Runner key -> (grade's place, minus the score) of the run whose parameters were applied."""
    ranks = {}
    for row in research.applied():
        run = research.run(row["run_id"]) if row["run_id"] else None
        score = float(run["score"]) if run and run.get("score") is not None else 0.0
        ranks[f"{row['strategy']}:{row['symbol']}"] = (GRADES.find(row["grade"][:1]), -score)
    return ranks


def applied_before(
    settings: Settings, log: ResearchLog, choices: list[RunnerChoice], start_ms: int
) -> tuple[list[RunnerChoice], list[str]]:
    """A forward test's runners: each choice with the parameters last applied to its pair
    before ``start_ms`` (a ``ParamsApplied`` recorded earlier), and the keys of those that had
    none, left out."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for event in log.applied_history():
        if int(event.timestamp.timestamp() * 1000) < start_ms:
            latest[(event.strategy, event.symbol)] = event.params
    kept, left_out = [], []
    for choice in choices:
        params = latest.get((choice.strategy, choice.symbol))
        if params is None:
            left_out.append(choice.key)
            continue
        merged = _params(settings, choice.strategy, choice.symbol) | params
        kept.append(_choice(choice.strategy, choice.symbol, merged, "applied_before"))
    return kept, left_out


def with_overrides(settings: Settings, overrides: dict[str, float], guards: bool) -> Settings:
    """``settings`` with risk.yaml's values named in ``overrides`` (``kill_switch.`` for the
    switch's) replaced, and without guards unless ``guards``; checked by the config's bounds."""
    changes = overrides if guards else NO_GUARDS | overrides
    risk = msgspec.to_builtins(settings.risk)
    for name, value in changes.items():
        section, _, field = name.rpartition(".")
        (risk[section] if section else risk)[field] = value
    try:
        checked = msgspec.convert(risk, type(settings.risk))
    except msgspec.ValidationError as exc:
        # the error's path names the refused value: ``$.kill_switch.global_max_drawdown_percent``
        field = next((name for name in changes if f"`$.{name}`" in str(exc)), "")
        raise PortfolioInputError(f"override refused: {exc}", field) from None
    return msgspec.structs.replace(settings, risk=checked)


def _params(settings: Settings, strategy: str, symbol: str) -> dict[str, Any]:
    try:
        strategy_spec(strategy)
        check_symbol(symbol)
        return strategy_params(settings, BacktestRequest(strategy, symbol))
    except (KeyError, MarketError, BacktestInputError) as exc:
        raise PortfolioInputError(f"{strategy}:{symbol}: {exc.args[0]}", "strategies") from None


def _choice(strategy: str, symbol: str, params: dict[str, Any], source: str) -> RunnerChoice:
    # the runner's own parameters as JSON types (tuples become lists): what the fact stores
    own = {k: v for k, v in params.items() if k not in PLUMBING}
    stored = msgspec.json.decode(msgspec.json.encode(own))
    return RunnerChoice(f"{strategy}:{symbol}", strategy, symbol, stored, source)
