"""``scalp-radar backtest`` on the bundled real data: output, reproducibility and bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from adapters.cli.main import main
from tests.stubs import SAMPLE_DATA


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Binance's BTC candles and funding, no contract spec."""
    home = tmp_path_factory.mktemp("bare") / "home"
    files = [SAMPLE_DATA / "BTC_USDT-1h.csv.gz", SAMPLE_DATA / "BTC_USDT_USDT-funding.csv.gz"]
    assert main(["--home", str(home), "data", "import", *map(str, files)]) == 0
    return home


@pytest.fixture(scope="module")
def home(bare: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``bare`` with the sample's Bitget specs: what the backtests obey."""
    home = tmp_path_factory.mktemp("home") / "home"
    shutil.copytree(bare, home)
    assert main(["--home", str(home), "data", "import", str(SAMPLE_DATA / "bitget-specs.csv")]) == 0
    return home


def backtest(home: Path, *args: str) -> list[str]:
    return [
        "--home",
        str(home),
        "backtest",
        "--strategy",
        "grid_atr",
        "--symbol",
        "BTC/USDT",
        *args,
    ]


def test_json_report_has_the_promised_fields_and_is_reproducible(home: Path, capsys) -> None:
    assert main(backtest(home, "--from", "2024-01-01", "--json")) == 0
    first = json.loads(capsys.readouterr().out)
    for key in (
        "trades",
        "final_equity",
        "return_pct",
        "sharpe",
        "max_drawdown_pct",
        "funding_paid",
        "fingerprint",
    ):
        assert key in first
    assert first["from"] == "2024-01-01 00:00" and first["to"] == "2025-12-31 23:00"
    assert first["funding_source"] == "binance BTC/USDT:USDT funding"
    assert first["trades"] > 0
    assert main(backtest(home, "--from", "2024-01-01", "--json")) == 0
    assert json.loads(capsys.readouterr().out)["fingerprint"] == first["fingerprint"]


def test_param_override_changes_the_run(home: Path, capsys) -> None:
    main(backtest(home, "--from", "2025-01-01", "--json"))
    default = json.loads(capsys.readouterr().out)
    main(backtest(home, "--from", "2025-01-01", "--param", "num_levels=1", "--json"))
    one_level = json.loads(capsys.readouterr().out)
    assert one_level["params"]["num_levels"] == 1
    assert one_level["fingerprint"] != default["fingerprint"]


def test_table_and_equity_csv(home: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "equity.csv"
    assert main(backtest(home, "--from", "2025-06-01", "--equity-out", str(out))) == 0
    table = capsys.readouterr().out
    assert "Sharpe / Sortino" in table and "fingerprint" in table
    lines = out.read_text().splitlines()
    assert lines[0] == "timestamp_ms,equity"
    # June 1st to December 31st 2025, hourly: 214 days x 24 candles
    assert len(lines) - 1 == 214 * 24


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--strategy", "nope", "--symbol", "BTC/USDT"], "unknown strategy 'nope'"),
        (["--strategy", "grid_atr", "--symbol", "DOGE/USDT"], "no 1h candles of DOGE/USDT"),
        (["--strategy", "grid_atr", "--symbol", "BTC/USDT", "--param", "colour=red"], "colour"),
        (
            ["--strategy", "grid_atr", "--symbol", "BTC/USDT", "--param", "num_levels=0"],
            "num_levels",
        ),
        (["--strategy", "grid_atr", "--symbol", "BTC/USDT", "--param", "num_levels"], "KEY=VALUE"),
        # the sample starts 2023-01-01 00:00: ten candles cannot warm up a 14-candle SMA
        (
            ["--strategy", "grid_atr", "--symbol", "BTC/USDT", "--to", "2023-01-01 10:00"],
            "too few candles",
        ),
        (["--strategy", "grid_atr", "--symbol", "BTC/USDT", "--from", "someday"], "bad date"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(home: Path, capsys, args, message) -> None:
    assert main(["--home", str(home), "backtest", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


# --- the contract: the trading venue's perpetual of the asset ------------------------------------

BTC_PERP = "bitget BTC/USDT:USDT"
NO_SPECS = "none (--no-specs: prices unrounded, no minimums, no liquidation)"


def test_without_the_venues_spec_a_backtest_is_refused_in_one_line(bare: Path, capsys) -> None:
    assert main(backtest(bare, "--from", "2025-06-01")) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"no contract spec of {BTC_PERP}, which BTC/USDT trades as" in err
    assert "'scalp-radar data import sample_data/bitget-specs.csv'" in err
    assert "'scalp-radar data fetch --exchange bitget --specs'" in err


def test_no_specs_runs_under_no_contract_and_the_report_says_so(bare: Path, capsys) -> None:
    assert main(backtest(bare, "--from", "2025-06-01", "--no-specs", "--json")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["trades"] > 0
    assert (report["contract"], report["price_tick"]) == (None, None)
    assert report["contract_rules"] == NO_SPECS
    assert main(backtest(bare, "--from", "2025-06-01", "--no-specs")) == 0
    assert f"contract          {NO_SPECS}" in capsys.readouterr().out.splitlines()


def test_a_spot_backtest_obeys_the_bitget_perpetuals_contract(
    home: Path, bare: Path, tmp_path: Path, capsys
) -> None:
    assert main(backtest(bare, "--from", "2025-01-01", "--no-specs", "--json")) == 0
    unruled = json.loads(capsys.readouterr().out)
    # Binance's own BTC/USDT spec (tick 0.01) stored beside it changes nothing: orders go to
    # the trading venue's perpetual
    both = tmp_path / "both"
    shutil.copytree(home, both)
    binance = SAMPLE_DATA / "binance-specs.csv"
    assert main(["--home", str(both), "data", "import", str(binance)]) == 0
    capsys.readouterr()
    for where in (home, both):
        assert main(backtest(where, "--from", "2025-01-01", "--json")) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["price_tick"] == 0.1
        contract = report["contract"]
        assert (contract["venue"], contract["symbol"], contract["source"]) == (
            "bitget", "BTC/USDT:USDT", "bitget-specs.csv",
        )  # fmt: skip
        assert (contract["tick"], contract["step"], contract["min_qty"]) == (0.1, 0.001, 0.001)
        assert (contract["min_notional"], contract["max_leverage"]) == (5.0, 125.0)
        assert len(contract["tiers"]) == 11 and contract["tiers"][0] == [150_000.0, 0.004, 125.0]
        assert report["contract_rules"] == (
            f"{BTC_PERP} (bitget-specs.csv): tick 0.1, step 0.001, min 0.001 / 5 USDT, max 125x, "
            "11 margin tiers (tier 1: mmr 0.4 % up to 150,000 USDT)"
        )
    # the same candles under the tick, the step and the minimums: other fills
    assert report["fingerprint"] != unruled["fingerprint"]
    assert report["trades"] == pytest.approx(unruled["trades"], rel=0.05)
    assert main(backtest(home, "--from", "2025-06-01")) == 0
    table = capsys.readouterr().out.splitlines()
    row = f"contract          {BTC_PERP} (bitget-specs.csv): "
    assert any(line.startswith(row) for line in table)
