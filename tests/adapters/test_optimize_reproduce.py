"""Every window of a walk-forward is reproducible with ``backtest``, from the JSON alone.

A real run (grid_atr on the sample's BTC/USDT, the 3,240-combination grid of the shipped config
less the 540 whose stop lies beyond the liquidation price, under the contract of Bitget's
BTC/USDT:USDT: order prices on its 0.1 tick, quantities on its 0.001 step, its margin tiers):
for each window, ``backtest --from <oos_start> --to <oos_end>`` with the window's selected
parameters must make the same trades (fingerprint) and report the same Sharpe, return and trade
count as ``optimize --json`` does for that window.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.cli.main import main
from adapters.text.timefmt import parse_date
from tests.stubs import SAMPLE_DATA

DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    files = sorted(str(f) for f in SAMPLE_DATA.glob("BTC_*.csv.gz"))
    files.append(str(SAMPLE_DATA / "bitget-specs.csv"))  # the contract of BTC/USDT:USDT
    assert main(["--home", str(home), "data", "import", *files]) == 0
    return home


def test_backtest_reproduces_every_window(home: Path, capsys) -> None:
    args = ["--home", str(home), "optimize", "--strategy", "grid_atr", "--symbol", "BTC/USDT"]
    assert main([*args, "--json"]) == 0
    run = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert run["selection_rule"] == "in_sample"
    # the grid's 35 % stops lie beyond the liquidation price at 3x (33 % away): 540 dropped
    assert (run["n_combos"], run["n_dropped"]) == (3240 - 540, 540)
    assert run["price_tick"] == 0.1
    assert run["contract"].startswith("bitget BTC/USDT:USDT (bitget-specs.csv): tick 0.1, ")
    windows = run["windows"]
    assert len(windows) == run["n_windows"] >= 10
    for w in windows:
        params = [f"{k}={json.dumps(v)}" for k, v in w["params"].items()]
        command = ["--home", str(home), "backtest", "--strategy", "grid_atr"]
        command += ["--symbol", "BTC/USDT", "--from", w["oos_start"], "--to", w["oos_end"]]
        command += [arg for p in params for arg in ("--param", p)]
        assert main([*command, "--json"]) == 0, w
        bt = json.loads(capsys.readouterr().out)
        where = f"window {w['index']} {w['oos_start']} -> {w['oos_end']}"
        assert bt["fingerprint"] == w["oos"]["fingerprint"], where
        assert bt["trades"] == w["oos"]["trades"], where
        assert bt["sharpe"] == w["oos"]["sharpe"], where
        assert bt["return_pct"] == w["oos"]["return_pct"], where
    # the stitched record is made of these windows: its trades are theirs
    assert run["oos_trades"] == sum(w["oos"]["trades"] for w in windows)
    # the parameters to trade are the last window's selection, and stability and transfer are
    # measured on exactly the windows whose OOS span keeps the embargo from its in-sample span
    last = windows[-1]
    assert {k: v for k, v in run["best_params"].items()} == last["params"]
    embargo = run["embargo_days"] * DAY_MS
    lo, hi = parse_date(last["is_start"]) - embargo, parse_date(last["is_end"]) + embargo
    apart = [
        w["index"]
        for w in windows
        if parse_date(w["oos_end"]) <= lo or parse_date(w["oos_start"]) >= hi
    ]
    assert (
        run["validation_windows"] == apart and last["index"] in apart and len(apart) < len(windows)
    )
