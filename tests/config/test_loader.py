"""A broken config directory reports every problem, with file, key path and reason."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.loader import (
    DEFAULT_CONFIG_DIR,
    ConfigError,
    Problem,
    check_config,
    check_param,
    load_settings,
)
from config.settings import FILES

FILE_NAMES = list(FILES.values())


def copy_defaults(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in FILE_NAMES:
        shutil.copy(DEFAULT_CONFIG_DIR / name, target / name)
    return target


def edit(config_dir: Path, name: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = config_dir / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def found(problems: list[Problem]) -> set[tuple[str, str]]:
    return {(p.file, p.path) for p in problems}


def reason_of(problems: list[Problem], file: str, path: str) -> str:
    matches = [p.reason for p in problems if (p.file, p.path) == (file, path)]
    assert matches, f"no problem at {file}: {path}; got {[str(p) for p in problems]}"
    return matches[0]


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return copy_defaults(tmp_path / "config")


def test_copy_of_defaults_is_valid(config_dir: Path) -> None:
    assert check_config(config_dir) == []
    assert load_settings(config_dir) == load_settings()


def test_problem_str_is_file_path_reason() -> None:
    problem = Problem(file="risk.yaml", path="risk.kill_switch", reason="expected a mapping")
    assert str(problem) == "risk.yaml: risk.kill_switch: expected a mapping"


def test_many_errors_in_many_files_are_all_reported(config_dir: Path) -> None:
    def break_strategies(data: dict[str, Any]) -> None:
        data["grid_atr"]["sl_pct"] = 20  # typo: unknown key
        data["grid_atr"]["ma_period"] = "fourteen"  # wrong type
        data["grid_trend"]["sl_percent"] = 150  # out of range
        data["envelope_dca"]["sides"] = ["long", "flat"]  # bad enum inside a list
        data["grid_funding"]["sides"] = ["short"]  # grid_funding is long only
        data["momentum"]["per_asset"] = {
            "PEPE/USDT": {"tp_percent": 1.0},  # asset not in assets.yaml
            "BTC/USDT": {"sl_percent": -1, "foo": 2, "enabled": True},
        }
        del data["supertrend"]  # now undefined

    def break_grids(data: dict[str, Any]) -> None:
        data["grids"]["grid_rsi"] = {"rsi_period": [14]}  # never existed
        data["grids"]["grid_atr"]["sl_percent"] = []  # empty list
        data["grids"]["grid_atr"]["atr_periods"] = [14]  # not a parameter
        data["grids"]["grid_atr"]["num_levels"] = [2, 3, 0]  # out of range value
        data["wfo"]["is_days"] = "half a year"

    def break_risk(data: dict[str, Any]) -> None:
        data["max_margin_ratio"] = 1.5  # validated 0.1..1.0
        data["kill_switch"]["global_window"] = 24  # unknown key
        data["kill_switch"]["grace_period_candles"] = -1

    def break_assets(data: dict[str, Any]) -> None:
        del data["assets"][0]["perp_symbol"]  # missing required key
        data["assets"][1]["strategies"] = ["supertrend"]  # defined nowhere now

    edit(config_dir, "strategies.yaml", break_strategies)
    edit(config_dir, "param_grids.yaml", break_grids)
    edit(config_dir, "risk.yaml", break_risk)
    edit(config_dir, "assets.yaml", break_assets)
    (config_dir / "exchanges.yaml").write_text("exchanges:\n  bitget: {fees: [\n", encoding="utf-8")

    problems = check_config(config_dir)
    expected = {
        ("strategies.yaml", "strategies.grid_atr.sl_pct"): "unknown key",
        ("strategies.yaml", "strategies.grid_atr.ma_period"): "expected `int`, got `str`",
        ("strategies.yaml", "strategies.grid_trend.sl_percent"): "< 100",
        ("strategies.yaml", "strategies.envelope_dca.sides[1]"): "flat",
        ("strategies.yaml", "strategies.grid_funding.sides[0]"): "short",
        ("strategies.yaml", 'strategies.momentum.per_asset["PEPE/USDT"]'): "unknown asset",
        ("strategies.yaml", 'strategies.momentum.per_asset["BTC/USDT"].sl_percent'): "> 0",
        ("strategies.yaml", 'strategies.momentum.per_asset["BTC/USDT"].foo'): "not a parameter",
        ("strategies.yaml", 'strategies.momentum.per_asset["BTC/USDT"].enabled'): "per asset",
        ("param_grids.yaml", "param_grids.grids.grid_rsi"): "not defined in strategies.yaml",
        ("param_grids.yaml", "param_grids.grids.supertrend"): "not defined in strategies.yaml",
        ("param_grids.yaml", "param_grids.grids.grid_atr.sl_percent"): "empty grid value list",
        ("param_grids.yaml", "param_grids.grids.grid_atr.atr_periods"): "not a parameter",
        ("param_grids.yaml", "param_grids.grids.grid_atr.num_levels[2]"): ">= 1",
        ("param_grids.yaml", "param_grids.wfo.is_days"): "got `str`",
        ("risk.yaml", "risk.max_margin_ratio"): "<= 1.0",
        ("risk.yaml", "risk.kill_switch.global_window"): "unknown key",
        ("risk.yaml", "risk.kill_switch.grace_period_candles"): ">= 0",
        ("assets.yaml", "assets.assets[0].perp_symbol"): "missing required key",
        ("assets.yaml", "assets.assets[1].strategies[0]"): "not defined in strategies.yaml",
        ("exchanges.yaml", "exchanges"): "line 3",
    }
    for (file, path), fragment in expected.items():
        assert fragment in reason_of(problems, file, path), (file, path)
    assert found(problems) == set(expected)  # and nothing spurious

    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir)
    assert isinstance(caught.value, ValueError)
    assert found(caught.value.problems) == set(expected)
    assert "grid_atr.sl_pct" in str(caught.value)


def test_typo_gets_a_suggestion(config_dir: Path) -> None:
    edit(config_dir, "risk.yaml", lambda d: d.update(max_margin=0.5))
    (problem,) = check_config(config_dir)
    assert problem.path == "risk.max_margin"
    assert "max_margin_ratio" in problem.reason


def test_missing_file(config_dir: Path) -> None:
    (config_dir / "risk.yaml").unlink()
    problems = check_config(config_dir)
    assert [(p.file, p.path) for p in problems] == [("risk.yaml", "risk")]
    assert "not found" in problems[0].reason
    with pytest.raises(ConfigError):
        load_settings(config_dir)


def test_missing_directory_reports_every_file(tmp_path: Path) -> None:
    problems = check_config(tmp_path / "nowhere")
    assert sorted(p.file for p in problems) == sorted(FILE_NAMES)


def test_yaml_syntax_error_gives_line_and_column(config_dir: Path) -> None:
    text = "initial_capital: 10000\nkill_switch:\n  max_session_loss_percent: [5\n"
    (config_dir / "risk.yaml").write_text(text, encoding="utf-8")
    (problem,) = check_config(config_dir)
    assert (problem.file, problem.path) == ("risk.yaml", "risk")
    assert "YAML syntax error at line 4" in problem.reason  # the flow list never closes
    assert "column" in problem.reason


def test_bad_indentation_is_a_syntax_error_with_its_line(config_dir: Path) -> None:
    text = "initial_capital: 10000\nkill_switch:\n  grace_period_candles: 10\n global: 3\n"
    (config_dir / "risk.yaml").write_text(text, encoding="utf-8")
    (problem,) = check_config(config_dir)
    assert "line 4, column 2" in problem.reason


def test_duplicate_key_is_refused(config_dir: Path) -> None:
    text = "initial_capital: 10000\ninitial_capital: 500\n"
    (config_dir / "risk.yaml").write_text(text, encoding="utf-8")
    (problem,) = check_config(config_dir)
    assert "duplicate key 'initial_capital'" in problem.reason
    assert "line 2" in problem.reason


def test_empty_file_is_a_problem_but_empty_mapping_means_defaults(config_dir: Path) -> None:
    (config_dir / "risk.yaml").write_text("# nothing\n", encoding="utf-8")
    assert found(check_config(config_dir)) == {("risk.yaml", "risk")}
    (config_dir / "risk.yaml").write_text("{}\n", encoding="utf-8")
    assert load_settings(config_dir).risk.max_margin_ratio == 0.70


def test_file_that_is_not_a_mapping(config_dir: Path) -> None:
    (config_dir / "assets.yaml").write_text("- BTC/USDT\n", encoding="utf-8")
    problems = check_config(config_dir)
    assert "expected a mapping, got a list" in reason_of(problems, "assets.yaml", "assets")


def test_leverage_above_the_risk_cap(config_dir: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        # stops nearer than the liquidation price at 50x (2 %) and 30x (3.3 %): only the cap
        data["grid_atr"] |= {"leverage": 50, "sl_percent": 1.0}
        data["grid_trend"]["per_asset"] = {"ETH/USDT": {"leverage": 30, "sl_percent": 1.0}}

    edit(config_dir, "strategies.yaml", change)
    problems = check_config(config_dir)
    assert found(problems) == {
        ("strategies.yaml", "strategies.grid_atr.leverage"),
        ("strategies.yaml", 'strategies.grid_trend.per_asset["ETH/USDT"].leverage'),
    }
    assert "max_leverage 20" in problems[0].reason


def test_valid_per_asset_override_loads(config_dir: Path) -> None:
    override = {"DOGE/USDT": {"sl_percent": 25, "atr_multiplier_start": 1.5}}
    edit(config_dir, "strategies.yaml", lambda d: d["grid_atr"].update(per_asset=override))
    assert load_settings(config_dir).strategies.grid_atr.per_asset == override


def test_enabled_strategy_needs_its_timeframe_streamed(config_dir: Path) -> None:
    edit(config_dir, "strategies.yaml", lambda d: d["vwap_rsi"].update(enabled=True))
    problems = check_config(config_dir)
    assert "'5m'" in reason_of(problems, "strategies.yaml", "strategies.vwap_rsi")


def test_perp_symbol_must_be_the_same_asset(config_dir: Path) -> None:
    edit(config_dir, "assets.yaml", lambda d: d["assets"][0].update(perp_symbol="ETH/USDT:USDT"))
    assert found(check_config(config_dir)) == {("assets.yaml", "assets.assets[0].perp_symbol")}


def test_trading_exchange_must_be_configured(config_dir: Path) -> None:
    edit(config_dir, "exchanges.yaml", lambda d: d.update(trading_exchange="bybit"))
    assert found(check_config(config_dir)) == {("exchanges.yaml", "exchanges.trading_exchange")}


def test_removed_strategy_cannot_be_optimised_or_overridden(config_dir: Path) -> None:
    edit(config_dir, "strategies.yaml", lambda d: d.pop("grid_funding"))
    problems = check_config(config_dir)
    assert found(problems) == {
        ("param_grids.yaml", "param_grids.grids.grid_funding"),
        ("param_grids.yaml", "param_grids.wfo.overrides.grid_funding"),
    }


def test_check_param_for_the_cli() -> None:
    assert check_param("grid_atr", "sl_percent", 30) is None
    assert "< 100" in check_param("grid_atr", "sl_percent", 130)
    # a stop 100 % away (price 0 for a long) can never trigger: the bound is exclusive
    assert "< 100" in check_param("grid_atr", "sl_percent", 100)
    assert check_param("grid_atr", "sl_percent", 99.5) is None
    assert "not a parameter" in check_param("grid_atr", "sl_pct", 3)
    assert "unknown strategy" in check_param("grid_rsi", "rsi_period", 14)
    assert "got `str`" in check_param("grid_atr", "num_levels", "3")


# Numeric leaves of risk.yaml (written out here, not taken from the code); each has a lower
# bound of zero or more, so -1 is out of range for every one of them.
RISK_LEAVES = [
    ("initial_capital",),
    ("max_margin_ratio",),
    ("max_asset_allocation",),
    ("max_leverage",),
    ("slippage_percent",),
    ("kill_switch", "max_session_loss_percent"),
    ("kill_switch", "max_daily_loss_percent"),
    ("kill_switch", "grid_max_session_loss_percent"),
    ("kill_switch", "grid_max_daily_loss_percent"),
    ("kill_switch", "global_max_drawdown_percent"),
    ("kill_switch", "global_window_hours"),
    ("kill_switch", "global_cooldown_hours"),
    ("kill_switch", "grace_period_candles"),
]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    broken=st.sets(st.sampled_from(RISK_LEAVES), min_size=1),
    bad=st.sampled_from([-1, -0.5, "x", None, [1]]),
)
def test_every_broken_risk_value_is_reported(
    tmp_path_factory: pytest.TempPathFactory, broken: set[tuple[str, ...]], bad: Any
) -> None:
    config_dir = copy_defaults(tmp_path_factory.mktemp("cfg"))

    def change(data: dict[str, Any]) -> None:
        for leaf in broken:
            node = data
            for key in leaf[:-1]:
                node = node[key]
            node[leaf[-1]] = bad

    edit(config_dir, "risk.yaml", change)
    problems = check_config(config_dir)
    expected = {("risk.yaml", "risk." + ".".join(leaf)) for leaf in broken}
    assert found(problems) == expected


def test_wrong_shapes_are_reported_without_crashing(config_dir: Path) -> None:
    (config_dir / "strategies.yaml").write_text(
        "grid_atr: 5\n"
        "envelope_dca:\n"
        "  sides: long\n"
        "  timeframe: [1h]\n"
        "  enabled: true\n"
        "  per_asset: {BTC/USDT: 5}\n"
        "momentum:\n"
        "  per_asset: [a]\n",
        encoding="utf-8",
    )
    (config_dir / "exchanges.yaml").write_text("exchanges: []\n", encoding="utf-8")
    problems = check_config(config_dir)
    assert {
        ("strategies.yaml", "strategies.grid_atr"),
        ("strategies.yaml", "strategies.envelope_dca.sides"),
        ("strategies.yaml", "strategies.envelope_dca.timeframe"),
        ("strategies.yaml", 'strategies.envelope_dca.per_asset["BTC/USDT"]'),
        ("strategies.yaml", "strategies.momentum.per_asset"),
        ("exchanges.yaml", "exchanges.exchanges"),
        ("param_grids.yaml", "param_grids.grids.supertrend"),  # not defined any more
    } <= found(problems)
    # grid_atr has a (broken) section: it is defined, so its grid is not reported as undefined.
    assert ("param_grids.yaml", "param_grids.grids.grid_atr") not in found(problems)


def test_a_config_dir_without_notify_yaml_loads_with_its_defaults(tmp_path) -> None:
    """notify.yaml came after users had config directories of their own: leaving it out is
    not a problem; its defaults apply."""
    import shutil

    from config.loader import DEFAULT_CONFIG_DIR, check_config, load_settings
    from config.notify import NotifyFile

    for yaml_file in DEFAULT_CONFIG_DIR.glob("*.yaml"):
        if yaml_file.name != "notify.yaml":
            shutil.copy(yaml_file, tmp_path / yaml_file.name)
    assert check_config(tmp_path) == []
    assert load_settings(tmp_path).notify == NotifyFile()
