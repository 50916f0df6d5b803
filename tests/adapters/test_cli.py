"""The scalp-radar command: exit codes, reports and where state lives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from adapters.cli.main import main
from tests.stubs import SAMPLE_DATA, SHARED_DATA, CandleStubs, write_csv


def test_import_then_check_reports_the_gap(tmp_path: Path, capsys) -> None:
    rows = CandleStubs.wave(100)
    del rows[40:43]  # three missing candles
    path = write_csv(tmp_path / "BTC_USDT-1h.csv.gz", rows)
    home = tmp_path / "home"
    assert main(["--home", str(home), "data", "import", str(path)]) == 0
    assert "97 new events" in capsys.readouterr().out
    assert main(["--home", str(home), "data", "check", "--symbol", "BTC/USDT"]) == 0
    out = capsys.readouterr().out
    assert "gaps        1 (3 missing)" in out
    assert "2023-01-02 15:00 -> 2023-01-02 19:00 (3 missing)" in out  # 39 h and 43 h after T0
    # the contract its backtests would obey: the trading venue's, not stored here
    missing = "   contract    no contract spec of bitget BTC/USDT:USDT, which BTC/USDT trades as"
    assert missing in out
    assert (home / "events.db").exists() and (home / "read.db").exists()


def test_home_comes_from_the_environment(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SCALP_RADAR_HOME", str(tmp_path / "envhome"))
    path = write_csv(tmp_path / "ETH_USDT-1h.csv", CandleStubs.wave(5))
    assert main(["data", "import", str(path)]) == 0
    assert (tmp_path / "envhome" / "events.db").exists()


def test_bad_file_exits_2_and_good_files_still_import(tmp_path: Path, capsys) -> None:
    good = write_csv(tmp_path / "ETH_USDT-1h.csv", CandleStubs.wave(5))
    bad = tmp_path / "BTC_USDT-1h.csv"
    bad.write_text("timestamp_ms,open,high,low,close,volume\n1672531200000,1,2,x,1,1\n")
    code = main(["--home", str(tmp_path / "h"), "data", "import", str(good), str(bad)])
    captured = capsys.readouterr()
    assert code == 2
    assert f"{bad}:2: low 'x' is not a number" in captured.err  # refusals on stderr
    assert "imported 1 file(s), 5 new events, 1 refused" in captured.out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["data", "import", "/nonexistent/BTC_USDT-1h.csv"], "no such file"),
        (["data", "check", "--symbol", "DOGE/USDT"], "no market data for DOGE/USDT"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys, argv, message) -> None:
    assert main(["--home", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_unknown_command_exits_2(capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["data", "frobnicate"])
    assert caught.value.code == 2


def test_demo_imports_a_data_directory_and_reports(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(SAMPLE_DATA / "BTC_USDT-1h.csv.gz", data)
    shutil.copy(SAMPLE_DATA / "BTC_USDT_USDT-funding.csv.gz", data)
    shutil.copy(SAMPLE_DATA / "binance-specs.csv", data)
    shutil.copy(SAMPLE_DATA / "bitget-specs.csv", data)
    assert main(["--home", str(tmp_path / "h"), "demo", "--data", str(data), "--no-serve"]) == 0
    out = capsys.readouterr().out
    assert f"events in SQLite {tmp_path / 'h' / 'events.db'}" in out
    assert "binance-specs.csv: binance contract specs: 6 rows, 6 new events" in out
    assert "bitget-specs.csv: bitget contract specs: 3 rows, 3 new events" in out
    assert "== binance BTC/USDT 1h" in out
    # Binance's candles, traded as the Bitget perpetual: its contract, from the imported spec
    perp = "bitget BTC/USDT:USDT (bitget-specs.csv): tick 0.1, step 0.001, min 0.001 / 5 USDT"
    assert f"   contract    {perp}" in out
    assert f"   contract {perp}" in out  # the walk-forward's report
    # the sample spans 2023-2025; Binance spot had one outage then (data README)
    assert "2023-03-24 12:00 -> 2023-03-24 14:00 (1 missing)" in out
    assert "== binance BTC/USDT:USDT funding" in out
    # then the walk-forward of grid_atr on the spot market, graded
    assert "== grid_atr on BTC/USDT 1h: grade " in out and "points: oos_is_ratio" in out
    # last, the paper replay of the recent months and the portfolio's status block
    assert "paper replay of the last 120 days: " in out
    status = out[out.index("paper replay of the last 120 days: ") :]
    assert "\nportfolio paper at " in status and "\n  kill switch: " in status
    assert "\nrunners:" in status and "\nopen positions:" in status


def test_projections_rebuild(tmp_path: Path, capsys) -> None:
    path = write_csv(tmp_path / "BTC_USDT-1h.csv", CandleStubs.wave(30))
    main(["--home", str(tmp_path / "h"), "data", "import", str(path)])
    assert main(["--home", str(tmp_path / "h"), "projections", "rebuild"]) == 0
    assert "rebuilt from 31 events" in capsys.readouterr().out


@pytest.mark.shared_data
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data not present")
def test_full_btc_history_lists_the_known_spot_gaps(tmp_path: Path, capsys) -> None:
    path = SHARED_DATA / "spot" / "BTC_USDT-1h.csv.gz"
    assert main(["--home", str(tmp_path), "data", "import", str(path)]) == 0
    assert main(["--home", str(tmp_path), "data", "check"]) == 0
    out = capsys.readouterr().out
    # the 27 exchange outages listed in the data README, e.g. the longest and the last one
    assert "gaps        27 (122 missing)" in out
    assert "2018-02-08 00:00 -> 2018-02-09 10:00 (33 missing)" in out
    assert "2023-03-24 12:00 -> 2023-03-24 14:00 (1 missing)" in out
