"""The shipped YAML files load, and carry the seed roadmap's numbers."""

from __future__ import annotations

import math
from pathlib import Path

import msgspec
import pytest
import yaml

from config.loader import DEFAULT_CONFIG_DIR, check_config, load_settings
from config.risk import RiskFile
from config.settings import FILES, Settings
from config.strategies import NOT_TUNABLE, STRATEGY_PARAMS, StrategiesFile
from domain.strategies.params import GridParams, MonoParams

GRID_STRATEGIES = {
    "envelope_dca",
    "envelope_dca_short",
    "grid_atr",
    "grid_multi_tf",
    "grid_funding",
    "grid_trend",
}
MONO_STRATEGIES = {
    "vwap_rsi",
    "momentum",
    "funding",
    "liquidation",
    "bollinger_mr",
    "donchian_breakout",
    "supertrend",
}


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings()


def _raw(name: str) -> dict:
    return yaml.safe_load((DEFAULT_CONFIG_DIR / name).read_text(encoding="utf-8"))


def test_default_dir_is_the_package_directory() -> None:
    assert Path(__file__).parents[2] / "config" == DEFAULT_CONFIG_DIR
    assert all((DEFAULT_CONFIG_DIR / name).is_file() for name in FILES.values())


def test_shipped_defaults_are_valid(settings: Settings) -> None:
    assert check_config() == []
    assert check_config(DEFAULT_CONFIG_DIR) == []
    assert isinstance(settings, Settings)


def test_thirteen_strategies_all_defined(settings: Settings) -> None:
    defined = settings.strategies.defined()
    assert set(defined) == GRID_STRATEGIES | MONO_STRATEGIES
    assert set(STRATEGY_PARAMS) == GRID_STRATEGIES | MONO_STRATEGIES
    assert {f.name for f in msgspec.structs.fields(StrategiesFile)} == set(STRATEGY_PARAMS)
    assert all(isinstance(defined[n], GridParams) for n in GRID_STRATEGIES)
    assert all(isinstance(defined[n], MonoParams) for n in MONO_STRATEGIES)


def test_only_grid_atr_is_enabled(settings: Settings) -> None:
    enabled = [n for n, p in settings.strategies.defined().items() if p.enabled]
    assert enabled == ["grid_atr"]


def test_per_asset_ships_empty(settings: Settings) -> None:
    assert all(p.per_asset == {} for p in settings.strategies.defined().values())


def test_grid_strategy_defaults(settings: Settings) -> None:
    s = settings.strategies
    assert (s.envelope_dca.ma_period, s.envelope_dca.num_levels) == (7, 3)
    assert (s.envelope_dca.envelope_start, s.envelope_dca.envelope_step) == (0.07, 0.03)
    assert (s.envelope_dca.sl_percent, s.envelope_dca.sides) == (25, ("long",))
    assert s.envelope_dca_short.sides == ("short",)
    assert s.grid_atr.sl_percent == 20 and s.grid_atr.atr_multiplier_start == 2.0
    assert (s.grid_multi_tf.st_atr_period, s.grid_multi_tf.st_atr_multiplier) == (10, 3.0)
    assert s.grid_multi_tf.trend_timeframe == "4h"
    assert s.grid_funding.sides == ("long",) and s.grid_funding.min_hold_candles == 8
    assert s.grid_funding.funding_threshold_start == 0.0005
    assert (s.grid_trend.ema_fast, s.grid_trend.ema_slow, s.grid_trend.trail_mult) == (20, 50, 2.0)
    for name in GRID_STRATEGIES:
        params = getattr(s, name)
        # the seed's 6 put its 20-25 % stops beyond the liquidation price (issue 14)
        assert params.leverage == 3
        assert params.timeframe == "1h"


def test_mono_strategy_timeframes_follow_the_seed(settings: Settings) -> None:
    expected = {
        "vwap_rsi": "5m",
        "momentum": "5m",
        "liquidation": "5m",
        "funding": "15m",
        "bollinger_mr": "1h",
        "donchian_breakout": "1h",
        "supertrend": "1h",
    }
    assert {n: getattr(settings.strategies, n).timeframe for n in expected} == expected


@pytest.mark.parametrize("name", sorted(STRATEGY_PARAMS))
def test_struct_defaults_match_the_yaml(settings: Settings, name: str) -> None:
    # The docstrings document the struct defaults; the YAML must say the same thing
    # (except `enabled`, which the YAML turns on for grid_atr).
    shipped = getattr(settings.strategies, name)
    assert shipped == STRATEGY_PARAMS[name](enabled=shipped.enabled)


def test_risk_defaults(settings: Settings) -> None:
    risk = settings.risk
    assert risk == RiskFile()
    assert risk.initial_capital == 10_000
    assert risk.max_margin_ratio == 0.70
    assert risk.max_asset_allocation == 0.25
    assert risk.slippage_percent == 0.05
    assert risk.regime_filter_enabled is True
    ks = risk.kill_switch
    assert (ks.max_session_loss_percent, ks.max_daily_loss_percent) == (5, 10)
    assert (ks.grid_max_session_loss_percent, ks.grid_max_daily_loss_percent) == (25, 25)
    assert (ks.global_max_drawdown_percent, ks.global_window_hours) == (30, 24)
    assert ks.global_cooldown_hours == 24  # the seed's "cooldown 24h" before the switch thaws
    assert ks.grace_period_candles == 10


def test_exchange_defaults(settings: Settings) -> None:
    ex = settings.exchanges
    bitget, binance = ex.exchanges["bitget"], ex.exchanges["binance"]
    assert (ex.trading_exchange, ex.history_exchange) == ("bitget", "binance")
    assert (bitget.fees.maker_percent, bitget.fees.taker_percent) == (0.02, 0.06)
    assert binance.fees.taker_percent == 0.05
    assert bitget.funding_hours_utc == (0, 8, 16)


def test_wfo_windows(settings: Settings) -> None:
    wfo = settings.param_grids.wfo
    assert (wfo.is_days, wfo.oos_days, wfo.step_days) == (180, 60, 60)
    assert wfo.validation_source == "perpetual"
    funding = wfo.overrides["grid_funding"]
    assert (funding.is_days, funding.oos_days, funding.step_days) == (360, 90, 90)


def test_assets_have_their_own_perpetual(settings: Settings) -> None:
    symbols = [a.symbol for a in settings.assets.assets]
    assert "BTC/USDT" in symbols and len(symbols) == len(set(symbols))
    for asset in settings.assets.assets:
        assert asset.perp_symbol == f"{asset.symbol}:USDT"


# --- grids --------------------------------------------------------------------------------------

EXPECTED_COMBOS = {
    "grid_atr": 3240,
    "envelope_dca": 324,
    "envelope_dca_short": 324,
    "grid_multi_tf": 384,
    "grid_funding": 2592,
    "grid_trend": 2592,
}


@pytest.mark.parametrize(("name", "combos"), sorted(EXPECTED_COMBOS.items()))
def test_grid_sizes(name: str, combos: int) -> None:
    # Counted from the raw YAML lists, not from anything the loader computes.
    grid = _raw("param_grids.yaml")["grids"][name]
    assert math.prod(len(values) for values in grid.values()) == combos


def test_grid_atr_sweeps_its_six_parameters() -> None:
    grid = _raw("param_grids.yaml")["grids"]["grid_atr"]
    assert set(grid) == {
        "ma_period",
        "atr_period",
        "atr_multiplier_start",
        "atr_multiplier_step",
        "num_levels",
        "sl_percent",
    }


@pytest.mark.parametrize("name", sorted(MONO_STRATEGIES))
def test_mono_grids_have_a_few_hundred_combos(name: str) -> None:
    grid = _raw("param_grids.yaml")["grids"][name]
    assert 100 <= math.prod(len(values) for values in grid.values()) <= 1000


@pytest.mark.parametrize("name", sorted(STRATEGY_PARAMS))
def test_every_grid_contains_the_default(settings: Settings, name: str) -> None:
    grid = settings.param_grids.grids[name]
    params = getattr(settings.strategies, name)
    for key, values in grid.items():
        assert key not in NOT_TUNABLE
        assert getattr(params, key) in values, f"{name}.{key}"


def test_a_stop_beyond_the_liquidation_price_is_refused_with_its_file_and_key(
    tmp_path: Path,
) -> None:
    for path in DEFAULT_CONFIG_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text())
    strategies = yaml.safe_load((DEFAULT_CONFIG_DIR / "strategies.yaml").read_text())
    # the seed's grid_atr: a 20 % stop at 6x, liquidated 16.7 % from the entry (before any
    # maintenance margin); grid_trend's 15 % stop under a per-asset 7x: liquidated 14.3 % away
    strategies["grid_atr"]["leverage"] = 6
    strategies["grid_trend"]["per_asset"] = {"BTC/USDT": {"leverage": 7}}
    (tmp_path / "strategies.yaml").write_text(yaml.safe_dump(strategies))
    found = {(p.file, p.path): p.reason for p in check_config(tmp_path)}
    reason = found[("strategies.yaml", "strategies.grid_atr.sl_percent")]
    assert "20 % stop" in reason and "leverage 6" in reason and "16.7 %" in reason
    override = ("strategies.yaml", 'strategies.grid_trend.per_asset["BTC/USDT"].leverage')
    assert "15 % stop" in found[override] and "leverage 7" in found[override]
    # a 16 % stop at 6x is nearer than 16.7 %: allowed
    strategies["grid_atr"]["sl_percent"] = 16.0
    (tmp_path / "strategies.yaml").write_text(yaml.safe_dump(strategies))
    paths = {(p.file, p.path) for p in check_config(tmp_path)}
    assert ("strategies.yaml", "strategies.grid_atr.sl_percent") not in paths
