"""Issue 12: inputs that gave a traceback or a wrong exit code. Each is one line on stderr and
exit code 2 (bad input), said before any work; a closed stdout ends a command quietly (141)."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from adapters.cli.main import BROKEN_PIPE_EXIT, build_parser, main
from adapters.services import optimize
from tests.adapters.paper_kit import make_config, make_home

SCALP_RADAR = Path(sys.executable).parent / "scalp-radar"  # the venv's console script


def _one_error_line(capsys, *fragments: str) -> str:
    captured = capsys.readouterr()
    err = captured.err
    assert err.count("\n") == 1 and err.startswith("scalp-radar: error: "), err
    for fragment in fragments:
        assert fragment in err, err
    assert captured.out == ""
    return err


# -- backtest -----------------------------------------------------------------------------------
def test_backtest_of_an_empty_symbol_exits_2_before_any_work(tmp_path: Path, capsys) -> None:
    home = tmp_path / "home"
    args = ["--home", str(home), "backtest", "--strategy", "grid_atr", "--symbol", ""]
    assert main(args) == 2
    _one_error_line(capsys, "bad symbol ''")
    assert not home.exists()  # said before the store was opened


def test_backtest_of_an_empty_timeframe_exits_2(tmp_path: Path, capsys) -> None:
    args = ["--home", str(tmp_path / "h"), "backtest", "--strategy", "grid_atr"]
    assert main([*args, "--symbol", "BTC/USDT", "--timeframe", ""]) == 2
    _one_error_line(capsys, "unknown timeframe ''")


def test_backtest_ending_before_it_starts_exits_2(tmp_path: Path, capsys) -> None:
    args = ["--home", str(tmp_path / "h"), "backtest", "--strategy", "grid_atr"]
    period = ["--from", "2024-01-01", "--to", "2023-01-01"]
    assert main([*args, "--symbol", "BTC/USDT", *period]) == 2
    _one_error_line(capsys, "--to 2023-01-01 must be after --from 2024-01-01")


@pytest.mark.parametrize("date", ["99999-99-99", "2024-13-01", "garbage"])
def test_backtest_of_an_absurd_date_exits_2(tmp_path: Path, capsys, date: str) -> None:
    args = ["--home", str(tmp_path / "h"), "backtest", "--strategy", "grid_atr"]
    assert main([*args, "--symbol", "BTC/USDT", "--from", date]) == 2
    _one_error_line(capsys, "bad date")


@pytest.mark.parametrize("param", ["sl_percent", "=3", ""])
def test_backtest_param_without_a_key_and_value_exits_2(tmp_path: Path, capsys, param: str) -> None:
    args = ["--home", str(tmp_path / "h"), "backtest", "--strategy", "grid_atr"]
    assert main([*args, "--symbol", "BTC/USDT", "--param", param]) == 2
    _one_error_line(capsys, "--param expects KEY=VALUE")


def test_backtest_equity_out_in_a_missing_directory_exits_2_before_any_work(
    tmp_path: Path, capsys
) -> None:
    home, out = tmp_path / "home", tmp_path / "missing" / "equity.csv"
    args = ["--home", str(home), "backtest", "--strategy", "grid_atr", "--symbol", "BTC/USDT"]
    assert main([*args, "--equity-out", str(out)]) == 2
    _one_error_line(capsys, f"--equity-out {out}: directory {out.parent} does not exist")
    assert not home.exists()


def test_backtest_equity_out_to_a_directory_exits_2_before_any_work(tmp_path: Path, capsys) -> None:
    home = tmp_path / "home"
    args = ["--home", str(home), "backtest", "--strategy", "grid_atr", "--symbol", "BTC/USDT"]
    assert main([*args, "--equity-out", str(tmp_path)]) == 2
    _one_error_line(capsys, f"--equity-out {tmp_path}: is a directory")
    assert not home.exists()


# -- --home ---------------------------------------------------------------------------------------
def test_a_home_that_is_a_file_exits_2(tmp_path: Path, capsys) -> None:
    (tmp_path / "file").write_text("")
    assert main(["--home", str(tmp_path / "file"), "projections", "rebuild"]) == 2
    _one_error_line(capsys, f"--home {tmp_path / 'file'}: not a directory")


def test_a_home_under_a_file_exits_2(tmp_path: Path, capsys) -> None:
    (tmp_path / "file").write_text("")
    assert main(["--home", str(tmp_path / "file" / "home"), "projections", "rebuild"]) == 2
    _one_error_line(capsys, f"its parent {tmp_path / 'file'} is not a directory")


def test_a_home_whose_parent_is_missing_exits_2_and_creates_nothing(tmp_path: Path, capsys) -> None:
    home = tmp_path / "missing" / "home"
    assert main(["--home", str(home), "projections", "rebuild"]) == 2
    _one_error_line(capsys, f"--home {home}: its parent {home.parent} is not a directory")
    assert list(tmp_path.iterdir()) == []


def test_a_home_whose_last_part_is_missing_is_created(tmp_path: Path, capsys) -> None:
    home = tmp_path / "new"
    assert main(["--home", str(home), "projections", "rebuild"]) == 0
    assert "projections rebuilt from 0 events" in capsys.readouterr().out
    assert (home / "events.db").is_file()


def test_a_home_of_an_unknown_user_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["--home", "~no-such-user-here/x", "projections", "rebuild"]) == 2
    _one_error_line(capsys, "--home ~no-such-user-here/x: Could not determine home directory")


def test_a_bad_home_from_the_environment_names_the_variable(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("SCALP_RADAR_HOME", str(tmp_path / "file"))
    assert main(["projections", "rebuild"]) == 2
    _one_error_line(capsys, f"SCALP_RADAR_HOME {tmp_path / 'file'}: not a directory")


# -- optimize -----------------------------------------------------------------------------------
@pytest.mark.parametrize("symbol", [",,", "", " , "])
def test_optimize_without_a_symbol_exits_2(tmp_path: Path, capsys, symbol: str) -> None:
    args = ["--home", str(tmp_path / "h"), "optimize", "--strategy", "grid_atr"]
    assert main([*args, "--symbol", symbol]) == 2
    _one_error_line(capsys, "no symbol given")


def test_optimize_all_with_an_empty_symbol_exits_2(tmp_path: Path, capsys) -> None:
    """An empty --symbol is not "every asset"."""
    assert main(["--home", str(tmp_path / "h"), "optimize", "--all", "--symbol", ""]) == 2
    _one_error_line(capsys, "--symbol '': no symbol given")


@pytest.mark.parametrize("strategy", ["", "  "])
def test_optimize_of_an_empty_strategy_exits_2(tmp_path: Path, capsys, strategy: str) -> None:
    args = ["--home", str(tmp_path / "h"), "optimize", "--symbol", "BTC/USDT"]
    assert main([*args, "--strategy", strategy]) == 2
    _one_error_line(capsys, "no strategy given")


def test_optimize_all_and_a_strategy_exits_2(tmp_path: Path, capsys) -> None:
    args = ["--home", str(tmp_path / "h"), "optimize", "--all", "--strategy", "grid_atr"]
    assert main(args) == 2
    _one_error_line(capsys, "give --strategy NAME or --all, not both")


@pytest.mark.parametrize("workers", ["0", "-3"])
def test_optimize_with_no_workers_exits_2(tmp_path: Path, capsys, workers: str) -> None:
    args = ["--home", str(tmp_path / "h"), "optimize", "--strategy", "grid_atr"]
    assert main([*args, "--symbol", "BTC/USDT", "--workers", workers]) == 2
    _one_error_line(capsys, f"--workers must be >= 1, got {workers}")


def test_more_workers_than_jobs_start_no_pool_for_one_job(monkeypatch) -> None:
    """--workers 1000 on one job must not spawn a thousand processes."""

    def no_pool(*_args, **_kwargs):
        raise AssertionError("a pool for one job")

    monkeypatch.setattr(optimize, "local_pool", no_pool)
    monkeypatch.setattr(optimize, "_run", lambda prepared, progress: {"ran": prepared})
    only = SimpleNamespace(job=SimpleNamespace(strategy="grid_atr", symbol="BTC/USDT"))
    assert list(optimize.run_jobs([only], workers=1000)) == [{"ran": only}]


# -- data fetch --specs ---------------------------------------------------------------------------
def test_fetch_specs_of_an_empty_symbol_list_exits_2_rather_than_fetching_every_market(
    tmp_path: Path, capsys
) -> None:
    args = ["--home", str(tmp_path / "h"), "data", "fetch", "--exchange", "binance", "--specs"]
    assert main([*args, "--symbol", ",,"]) == 2
    _one_error_line(capsys, "--symbol ',,': no symbol given")


# -- paper commands -------------------------------------------------------------------------------
@pytest.mark.parametrize("at", ["garbage", "", "99999-99-99"])
def test_replay_at_garbage_exits_2(tmp_path: Path, capsys, at: str) -> None:
    assert main(["--home", str(tmp_path / "h"), "replay", "--at", at]) == 2
    _one_error_line(capsys, "--at", "bad date")


def test_kill_switch_reset_of_an_empty_runner_on_no_portfolio_exits_2(
    tmp_path: Path, capsys
) -> None:
    assert main(["--home", str(tmp_path / "h"), "kill-switch", "reset", "--runner", ""]) == 2
    _one_error_line(capsys, "no paper portfolio 'paper'")


@pytest.mark.parametrize("speed", ["1e-300", "0.5"])
def test_a_replay_slower_than_real_time_exits_2(tmp_path: Path, capsys, speed: str) -> None:
    """1e-300 slept for longer than the platform's time_t (an OverflowError traceback)."""
    args = ["--home", str(tmp_path / "h"), "paper", "--replay", "--from", "2025-01-01"]
    assert main([*args, "--speed", speed]) == 2
    _one_error_line(capsys, f"--speed {speed}: must be a finite number >= 1 (real time)")


TIGHT = {  # limits that trip the switches within a week of 2025 (as tests/web/kit.py)
    "grid_max_session_loss_percent: 25.0": "grid_max_session_loss_percent: 0.5",
    "global_max_drawdown_percent: 30.0": "global_max_drawdown_percent: 1.0",
}


def test_a_refused_kill_switch_reset_is_an_error_on_stderr(tmp_path: Path, capsys) -> None:
    """The global switch in its cooldown refuses the reset: the refusal of the command is one
    line on stderr and exit code 2, not a line on stdout with exit code 0."""
    home = make_home(tmp_path)
    config = make_config(tmp_path, "BTC/USDT", loose_kill_switch=False)
    risk = config / "risk.yaml"
    text = risk.read_text()
    for old, new in TIGHT.items():
        assert old in text
        text = text.replace(old, new)
    risk.write_text(text)
    base = ["--home", str(home), "--config-dir", str(config)]
    assert main([*base, "paper", "--replay", "--from", "2025-01-01", "--to", "2025-01-08"]) == 0
    capsys.readouterr()
    assert main([*base, "kill-switch", "reset"]) == 2
    _one_error_line(
        capsys, "kill-switch reset request #1 refused: global kill switch is in its cooldown"
    )


# -- a closed stdout --------------------------------------------------------------------------
class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("command", [["config", "check"], ["--help"]])
def test_a_closed_stdout_ends_any_command_quietly(monkeypatch, capsys, command) -> None:
    """The pattern is in main(), whatever the command: a print that fails, or the flush of
    what argparse wrote (it ignores its own write errors)."""
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main(command) == BROKEN_PIPE_EXIT
    assert capsys.readouterr().err == ""


def test_status_json_into_a_closed_pipe_exits_141_without_a_traceback(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    empty = ["paper", "--replay", "--from", "2025-01-01"]  # a portfolio with no runners
    subprocess.run([SCALP_RADAR, "--home", home, *empty], check=True, capture_output=True)
    process = subprocess.Popen(
        [SCALP_RADAR, "--home", home, "status", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()  # the reader goes away before the command writes (`| head -c 0`)
    _, err = process.communicate(timeout=120)
    assert process.returncode == BROKEN_PIPE_EXIT
    assert err == b""


def test_status_json_into_head_prints_its_start_and_no_traceback(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    empty = ["paper", "--replay", "--from", "2025-01-01"]
    subprocess.run([SCALP_RADAR, "--home", home, *empty], check=True, capture_output=True)
    shell = f"'{SCALP_RADAR}' --home '{home}' status --json | head -c 10"
    done = subprocess.run(["sh", "-c", shell], capture_output=True, timeout=120)
    assert done.stdout == b'{\n  "portf' and done.stderr == b""
    full = subprocess.run([SCALP_RADAR, "--home", home, "status", "--json"], capture_output=True)
    assert json.loads(full.stdout)["portfolio"]["portfolio"] == "paper"


# -- every command's help ---------------------------------------------------------------------
def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple]:
    found = [path]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, (*path, name))
    return found


@pytest.mark.parametrize("command", _commands(build_parser()), ids=lambda c: " ".join(c) or "-")
def test_every_command_has_a_help(command: tuple[str, ...], capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([*command, "--help"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: scalp-radar {' '.join(command)}".strip())
