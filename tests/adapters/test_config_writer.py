"""Applying per-asset parameters rewrites one line of strategies.yaml, validated first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from adapters.files.config_writer import ConfigWriteError, apply_per_asset
from config.loader import DEFAULT_CONFIG_DIR, load_settings


@pytest.fixture
def config(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target, ignore=shutil.ignore_patterns("*.py", "__*"))
    return target


def test_applied_params_are_loaded_and_comments_survive(config: Path) -> None:
    before = (config / "strategies.yaml").read_text()
    apply_per_asset(config, "grid_atr", "BTC/USDT", {"ma_period": 10, "sl_percent": 15.0})
    apply_per_asset(config, "grid_atr", "ETH/USDT", {"ma_period": 20})
    after = (config / "strategies.yaml").read_text()
    settings = load_settings(config)
    assert settings.strategies.grid_atr.per_asset == {
        "BTC/USDT": {"ma_period": 10, "sl_percent": 15.0},
        "ETH/USDT": {"ma_period": 20},
    }
    assert [line for line in before.splitlines() if line.lstrip().startswith("#")] == [
        line for line in after.splitlines() if line.lstrip().startswith("#")
    ]
    # only the grid_atr per_asset line changed
    changed = [a for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert len(changed) == 1


def test_an_invalid_value_is_refused_and_the_file_is_untouched(config: Path) -> None:
    before = (config / "strategies.yaml").read_text()
    with pytest.raises(ConfigWriteError, match="ma_period"):
        apply_per_asset(config, "grid_atr", "BTC/USDT", {"ma_period": 0})
    assert (config / "strategies.yaml").read_text() == before
