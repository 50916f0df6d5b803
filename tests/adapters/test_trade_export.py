"""Trade export (issue 14): ``backtest --trades-out`` / ``--json --trades`` and ``status
--trades-out`` write the same columns; a tiny hand-made market whose one trade is computed by
hand here, and the refusals of the options."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from adapters.cli.main import main
from adapters.files.config_writer import apply_per_asset
from tests.adapters.paper_kit import make_config
from tests.stubs import T0, write_csv

H = 3_600_000
# the export's columns, written out here rather than read from the code under test
HEADER = [
    "strategy",
    "symbol",
    "side",
    "entry_time",
    "exit_time",
    "entry_price",
    "exit_price",
    "qty",
    "levels",
    "gross",
    "entry_fees",
    "exit_fee",
    "funding",
    "pnl",
    "reason",
    "entry_ts",
    "exit_ts",
]
# envelope_dca on a 2-candle SMA, one level 5 % below it, on a hand-made SOL/USDT market (an
# asset of assets.yaml, so that paper trading may trade it too)
PARAMS = {"ma_period": 2, "num_levels": 1, "envelope_start": 0.05}
# T0 is 2023-01-01 00:00 UTC. Candles 0-2 warm up (ma_period + 1); the SMA of the closes of
# candles 1-2 is 100, so candle 3's level rests at 95: its low (94) fills it at 95 (it opened
# above). Candle 4's take-profit is the SMA of closes 2-3, (100 + 99) / 2 = 99.5: its high
# (100) reaches it, a sell limit above the open (99), so it fills at 99.5. Candle 5's level
# (95 % of 99.4) is not reached: one trade.
CANDLES = [
    (T0, 100.0, 101.0, 99.0, 100.0, 10.0),
    (T0 + H, 100.0, 101.0, 99.0, 100.0, 10.0),
    (T0 + 2 * H, 100.0, 101.0, 99.0, 100.0, 10.0),
    (T0 + 3 * H, 100.0, 100.5, 94.0, 99.0, 10.0),
    (T0 + 4 * H, 99.0, 100.0, 98.5, 99.8, 10.0),
    (T0 + 5 * H, 99.8, 100.2, 99.5, 100.0, 10.0),
]
# margin per level: 25 % of the 10 000 capital (max_asset_allocation) at the grids' leverage 3,
# so a notional of 7 500; maker fee 0.02 % (bitget, the trading venue) on both limit fills; no
# contract (--no-specs: the hand-made market has no spec), so the quantity is not floored
QTY = 7_500 / 95
GROSS = (99.5 - 95) * QTY
ENTRY_FEE = 0.0002 * 7_500
EXIT_FEE = 0.0002 * 99.5 * QTY
TRADE = {
    "strategy": "envelope_dca",
    "symbol": "SOL/USDT",
    "side": "long",
    "entry_time": "2023-01-01T03:00Z",
    "exit_time": "2023-01-01T04:00Z",
    "entry_price": 95.0,
    "exit_price": 99.5,
    "qty": QTY,
    "levels": 1,
    "gross": GROSS,
    "entry_fees": ENTRY_FEE,
    "exit_fee": EXIT_FEE,
    "funding": 0.0,  # no funding stored for SOL/USDT:USDT
    "pnl": GROSS - ENTRY_FEE - EXIT_FEE,
    "reason": "tp",
    "entry_ts": T0 + 3 * H,
    "exit_ts": T0 + 4 * H,
}
TEXT_COLUMNS = {"strategy", "symbol", "side", "entry_time", "exit_time", "reason"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny")
    candles = write_csv(root / "SOL_USDT-1h.csv", CANDLES)
    assert main(["--home", str(root / "home"), "data", "import", str(candles)]) == 0
    return root / "home"


def backtest(home: Path, *args: str) -> list[str]:
    params = [f"--param={k}={v}" for k, v in PARAMS.items()]
    return [
        *("--home", str(home), "backtest", "--strategy", "envelope_dca"),
        *("--symbol", "SOL/USDT", "--no-specs", *params, *args),
    ]


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(path.read_text()))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def assert_is_the_trade(row: dict) -> None:
    """``row`` (CSV text or JSON values) is the hand-computed trade."""
    assert list(row) == HEADER
    for column, expected in TRADE.items():
        value = row[column]
        if column in TEXT_COLUMNS:
            assert value == expected, column
        else:
            assert float(value) == pytest.approx(expected, rel=1e-12, abs=1e-12), column


def test_trades_out_writes_the_hand_computed_trade(home: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "trades.csv"
    assert main(backtest(home, "--trades-out", str(out))) == 0
    assert "fingerprint" in capsys.readouterr().out  # the report is printed as before
    header, rows = read_csv(out)
    assert header == HEADER
    (row,) = rows
    assert_is_the_trade(row)
    assert int(row["levels"]) == 1 and int(row["entry_ts"]) == T0 + 3 * H  # whole numbers


def test_floats_are_written_with_full_precision(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "trades.csv"
    assert main(backtest(home, "--trades-out", str(out))) == 0
    (row,) = read_csv(out)[1]
    # 7 500 / 95 has no short decimal: repr's 17 significant digits, not a rounded 6
    assert row["qty"] == repr(7_500 / 95)
    assert float(row["qty"]) == 7_500 / 95


def test_json_trades_adds_the_trade_list_with_the_same_columns(home: Path, capsys) -> None:
    assert main(backtest(home, "--json", "--trades")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["trades"] == 1  # the count stays
    (row,) = report["trade_list"]
    assert_is_the_trade(row)
    assert isinstance(row["levels"], int) and isinstance(row["qty"], float)


def test_json_without_trades_has_no_trade_list(home: Path, capsys) -> None:
    assert main(backtest(home, "--json")) == 0
    assert "trade_list" not in json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trades"], "--trades adds the trade list to the JSON report: give --json too"),
        (["--trades-out", "{tmp}"], "--trades-out {tmp}: is a directory (give a file name)"),
        (
            ["--trades-out", "{tmp}/missing/trades.csv"],
            "--trades-out {tmp}/missing/trades.csv: directory {tmp}/missing does not exist",
        ),
    ],
)
def test_bad_trade_options_are_one_line_and_exit_2(
    home: Path, tmp_path: Path, capsys, args: list[str], message: str
) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main(backtest(home, *args)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().endswith(message.replace("{tmp}", str(tmp_path)))
    assert captured.err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # nothing written


# --- the same trade, traded by a paper portfolio -----------------------------------------------


@pytest.fixture(scope="module")
def paper_home(home: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(home, config): the tiny market replayed as paper trading by envelope_dca with the
    backtest's parameters, from the backtest's first traded candle."""
    config = make_config(tmp_path_factory.mktemp("paper_config"))
    strategies = config / "strategies.yaml"
    text = strategies.read_text()
    strategies.write_text(
        text.replace("envelope_dca:\n  enabled: false", "envelope_dca:\n  enabled: true", 1)
    )
    apply_per_asset(config, "envelope_dca", "SOL/USDT", PARAMS)
    base = ["--home", str(home), "--config-dir", str(config)]
    assert main([*base, "paper", "--replay", "--from", "2023-01-01T03:00", "--no-specs"]) == 0
    return home, config


def test_status_trades_out_writes_the_paper_trade_in_the_same_columns(
    paper_home: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    home, config = paper_home
    out = tmp_path / "paper.csv"
    base = ["--home", str(home), "--config-dir", str(config)]
    assert main([*base, "status", "--trades-out", str(out)]) == 0
    assert "portfolio paper" in capsys.readouterr().out  # the status is printed as before
    header, rows = read_csv(out)
    assert header == HEADER
    # the paper run made the backtest's trade: the two files compare row by row
    (row,) = rows
    assert_is_the_trade(row)
    backtest_out = tmp_path / "backtest.csv"
    assert main(backtest(home, "--trades-out", str(backtest_out))) == 0
    assert backtest_out.read_text() == out.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trades-out", "{tmp}"], "--trades-out {tmp}: is a directory (give a file name)"),
        (
            ["--trades-out", "{tmp}/missing/t.csv"],
            "--trades-out {tmp}/missing/t.csv: directory {tmp}/missing does not exist",
        ),
        (
            ["--portfolio", "nope", "--trades-out", "{tmp}/t.csv"],
            "no paper portfolio 'nope': run 'paper' first",
        ),
    ],
)
def test_bad_status_trades_out_is_one_line_and_exit_2(
    paper_home: tuple[Path, Path], tmp_path: Path, capsys, args: list[str], message: str
) -> None:
    home, config = paper_home
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    base = ["--home", str(home), "--config-dir", str(config)]
    assert main([*base, "status", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().endswith(message.replace("{tmp}", str(tmp_path)))
    assert captured.err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
