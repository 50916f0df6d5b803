"""``scalp-radar backtest`` on the bundled real data: output, reproducibility and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.cli.main import main
from tests.stubs import SAMPLE_DATA


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    files = [SAMPLE_DATA / "BTC_USDT-1h.csv.gz", SAMPLE_DATA / "BTC_USDT_USDT-funding.csv.gz"]
    assert main(["--home", str(home), "data", "import", *map(str, files)]) == 0
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


# --- order prices on the tick of the stored contract spec -----------------------------------------


def test_without_a_contract_spec_the_report_says_prices_are_not_rounded(home: Path, capsys) -> None:
    assert main(backtest(home, "--from", "2025-06-01", "--json")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["price_tick"] is None
    assert report["price_rounding"] == (
        "prices not rounded: no contract spec stored for binance BTC/USDT"
    )
    assert main(backtest(home, "--from", "2025-06-01")) == 0
    table = capsys.readouterr().out
    assert "order prices      prices not rounded: no contract spec stored for binance BTC/USDT" in (
        table
    )


def test_with_the_sample_specs_order_prices_are_on_the_tick(
    home: Path, tmp_path: Path, capsys
) -> None:
    assert main(backtest(home, "--from", "2025-01-01", "--json")) == 0
    unrounded = json.loads(capsys.readouterr().out)
    ticked = tmp_path / "ticked"
    files = [SAMPLE_DATA / n for n in ("BTC_USDT-1h.csv.gz", "BTC_USDT_USDT-funding.csv.gz")]
    files.append(SAMPLE_DATA / "binance-specs.csv")
    assert main(["--home", str(ticked), "data", "import", *map(str, files)]) == 0
    capsys.readouterr()
    assert main(backtest(ticked, "--from", "2025-01-01", "--json")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["price_tick"] == 0.01
    assert report["price_rounding"] == (
        "prices rounded to the tick 0.01 (contract spec of binance BTC/USDT, "
        "from binance-specs.csv)"
    )
    # the same candles, the take-profits and levels a fraction of a cent away: other fills
    assert report["fingerprint"] != unrounded["fingerprint"]
    assert report["trades"] == pytest.approx(unrounded["trades"], rel=0.05)
