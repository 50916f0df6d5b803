"""The seed's grid_atr at leverage 6 with a 20 % stop, through March 2020 on real BTC candles:
the crash of 12-13 March reaches the liquidation price (16 % under the average entry at Bitget's
first tier) before the stop, and the backtest books a liquidation that costs the grid's margin.
Needs the shared data set (skipped without it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.cli.main import main
from domain.contracts import liquidation_price
from tests.stubs import SAMPLE_DATA, SHARED_DATA

BTC = SHARED_DATA / "spot" / "BTC_USDT-1h.csv.gz"


@pytest.mark.shared_data
@pytest.mark.skipif(not BTC.is_file(), reason="../shared/data not present")
def test_march_2020_liquidates_the_seeds_grid(tmp_path: Path, capsys) -> None:
    home = ["--home", str(tmp_path / "home")]
    assert main([*home, "data", "import", str(BTC), str(SAMPLE_DATA / "bitget-specs.csv")]) == 0
    capsys.readouterr()
    args = ["backtest", "--strategy", "grid_atr", "--symbol", "BTC/USDT", "--from", "2020-01-01"]
    args += ["--to", "2021-01-01", "--param", "leverage=6", "--param", "sl_percent=20"]
    assert main([*home, *args, "--json", "--trades"]) == 0
    report = json.loads(capsys.readouterr().out)
    march = [
        t
        for t in report["trade_list"]
        if t["reason"] == "liquidation" and t["exit_time"].startswith("2020-03-1")
    ]
    assert march, report["exit_reasons"]
    trade = march[0]
    # by hand: margin per level 10 000 x 25 % / 3 levels, the grid's levels and quantity
    margin = 10_000 * 0.25 / 3 * trade["levels"]
    expected = liquidation_price(1, trade["entry_price"], trade["qty"], margin, 0.004)
    assert expected <= trade["exit_price"] < expected + 0.1  # rounded up to the 0.1 tick
    assert trade["pnl"] == pytest.approx(-margin - trade["entry_fees"] - trade["funding"])
    # the stop (20 % under the average entry) lay beyond the liquidation price
    assert trade["entry_price"] * 0.8 < trade["exit_price"]
