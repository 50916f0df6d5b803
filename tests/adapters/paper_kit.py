"""A home with real BTC candles (and the sample's Bitget contract specs, which paper trading
obeys) and a config that validates grid_atr on BTC/USDT, for the paper-trading tests (copied per
test, so each starts from the same stored history)."""

from __future__ import annotations

import shutil
from pathlib import Path

from adapters.cli.main import main
from adapters.files.config_writer import apply_per_asset
from config.loader import DEFAULT_CONFIG_DIR
from tests.stubs import SAMPLE_DATA

FILES = ("BTC_USDT-1h.csv.gz", "BTC_USDT_USDT-funding.csv.gz", "ETH_USDT-1h.csv.gz")
SPECS = "bitget-specs.csv"


def make_home(root: Path, specs: bool = True) -> Path:
    """The sample files imported; ``specs=False`` leaves out the contract specs (a home of the
    code before the engines obeyed them)."""
    home = root / "home"
    files = [str(SAMPLE_DATA / name) for name in (*FILES, *([SPECS] if specs else []))]
    assert main(["--home", str(home), "data", "import", *files]) == 0
    return home


def make_config(root: Path, *symbols: str, loose_kill_switch: bool = True) -> Path:
    """grid_atr validated on ``symbols`` with sl 15 % at the seed's leverage 6 (the stop nearer
    than the liquidation price, 16 % away; the scenarios of these tests were found at 6x); kill
    switches loosened to 99 % so that a replay trades exactly as a backtest (which has no kill
    switch)."""
    config = root / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config, ignore=shutil.ignore_patterns("*.py", "__*"))
    for symbol in symbols:
        apply_per_asset(config, "grid_atr", symbol, {"sl_percent": 15.0, "leverage": 6})
    if loose_kill_switch:
        risk = config / "risk.yaml"
        text = risk.read_text()
        for key in ("grid_max_session_loss_percent", "grid_max_daily_loss_percent"):
            text = text.replace(f"{key}: 25.0", f"{key}: 99.0")
        text = text.replace(
            "global_max_drawdown_percent: 30.0", "global_max_drawdown_percent: 99.0"
        )
        risk.write_text(text)
    return config


def copy_home(home: Path, root: Path) -> Path:
    target = root / "copy"
    shutil.copytree(home, target)
    return target
