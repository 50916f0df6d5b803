"""``scalp-radar portfolio`` on the sample's real BTC and ETH candles: one runner without guards
makes the single-asset backtest's trades, the three ways to name runners, the overrides, the
forward test, the recorded runs (--list, --show) and bad input (exit 2, one line)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.cli.main import main
from adapters.services.engine import Engine
from adapters.store.home import Home
from adapters.text.timefmt import parse_date
from domain.metrics import DAY_MS
from tests.adapters.paper_kit import copy_home, make_config, make_home
from tests.web.kit import summary

START, END = "2025-01-01", "2025-07-01"
LAST_CANDLE = "2025-12-31 23:00"  # the sample's newest BTC and ETH candle


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = make_home(tmp_path_factory.mktemp("portfolio"))
    engine = Engine(Home(home))
    engine.project()  # a home whose read models are up to date, as after any command
    engine.close()
    return home


@pytest.fixture
def home(stored: Path, tmp_path: Path) -> Path:
    return copy_home(stored, tmp_path)


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _apply(home: Path, strategy: str, symbol: str, grade: str, score: float, params: dict) -> None:
    engine = Engine(Home(home))
    run_id = engine.research.record_run(summary(strategy, symbol, grade=grade, score=score))
    engine.research.record_applied(strategy, symbol, params, grade, run_id)
    engine.close()


def test_one_runner_without_guards_makes_the_backtests_trades(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config(tmp_path, "BTC/USDT", loose_kill_switch=False)
    common = ["--home", str(home), "--config-dir", str(config)]
    span = ["--from", START, "--to", END]
    backtest = _json(
        capsys,
        *common,
        "backtest",
        "--strategy",
        "grid_atr",
        "--symbol",
        "BTC/USDT",
        *span,
        "--json",
    )
    run = _json(
        capsys,
        *common,
        "portfolio",
        "--strategies",
        "grid_atr:BTC/USDT",
        *span,
        "--no-guards",
        "--json",
    )
    report = run["report"]
    assert report["trades"] == backtest["trades"] > 10
    assert report["fingerprint"] == backtest["fingerprint"]
    assert report["final_equity"] == pytest.approx(backtest["final_equity"])
    assert report["max_drawdown_pct"] == pytest.approx(backtest["max_drawdown_pct"])
    assert report["sharpe"] == pytest.approx(backtest["sharpe"])
    assert run["settings"]["guards"] is False


def test_strategies_say_where_each_runners_parameters_come_from(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config(tmp_path, "BTC/USDT")  # BTC validated in per_asset, ETH not
    argv = ["--home", str(home), "--config-dir", str(config), "portfolio"]
    assert main([*argv, "--strategies", "grid_atr:BTC/USDT,ETH/USDT", "--days", "30"]) == 0
    out = capsys.readouterr().out
    assert "grid_atr:BTC/USDT: validated per_asset parameters (strategies.yaml)" in out
    assert "grid_atr:ETH/USDT: the strategy's defaults (no per_asset entry for the asset)" in out
    run_id = re.search(r"portfolio run (\S+)", out).group(1)
    shown = _json(capsys, *argv, "--show", run_id, "--json")
    runners = {r["key"]: r for r in shown["settings"]["runners"]}
    assert runners["grid_atr:BTC/USDT"]["params"]["sl_percent"] == 15.0  # per_asset's
    assert runners["grid_atr:ETH/USDT"]["params"]["sl_percent"] == 20.0  # the section's
    # --days 30: the last 30 days of stored candles, to the last one
    report = shown["report"]
    assert report["end_ts"] == parse_date(LAST_CANDLE)
    assert report["start_ts"] == parse_date(LAST_CANDLE) + 3_600_000 - 30 * DAY_MS


def test_applied_runs_the_research_parameters(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _apply(home, "grid_atr", "ETH/USDT", "B", 81.0, {"sl_percent": 12.0, "num_levels": 2})
    config = make_config(tmp_path)
    run = _json(
        capsys,
        "--home",
        str(home),
        "--config-dir",
        str(config),
        "portfolio",
        "--applied",
        "--days",
        "20",
        "--json",
    )
    (runner,) = run["settings"]["runners"]
    assert (runner["key"], runner["source"]) == ("grid_atr:ETH/USDT", "applied")
    assert (runner["params"]["sl_percent"], runner["params"]["num_levels"]) == (12.0, 2)
    assert run["settings"]["mode"] == "applied"


def test_a_preset_takes_its_capital_days_and_best_assets_from_the_config(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _apply(home, "grid_atr", "BTC/USDT", "B", 85.0, {"sl_percent": 12.0})
    _apply(home, "grid_atr", "ETH/USDT", "A", 91.0, {"sl_percent": 12.0})
    config = make_config(tmp_path)
    risk = config / "risk.yaml"
    risk.write_text(risk.read_text() + "  tiny: {capital: 1500.0, assets: 1, days: 10}\n")
    run = _json(
        capsys,
        "--home",
        str(home),
        "--config-dir",
        str(config),
        "portfolio",
        "--preset",
        "tiny",
        "--json",
    )
    settings, report = run["settings"], run["report"]
    assert [r["key"] for r in settings["runners"]] == ["grid_atr:ETH/USDT"]  # grade A first
    assert (settings["mode"], settings["preset"], settings["capital"]) == ("preset", "tiny", 1500)
    assert report["capital"] == 1500.0
    assert report["end_ts"] - report["start_ts"] == 10 * DAY_MS - 3_600_000


def test_overrides_are_recorded_and_traded(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config(tmp_path, "BTC/USDT")
    run = _json(
        capsys,
        "--home",
        str(home),
        "--config-dir",
        str(config),
        "portfolio",
        "--strategies",
        "grid_atr:BTC/USDT",
        "--from",
        START,
        "--to",
        "2025-02-01",
        "--capital",
        "2000",
        "--kill-switch-dd",
        "12.5",
        "--kill-switch-cooldown",
        "6",
        "--max-margin-ratio",
        "0.5",
        "--json",
    )
    assert run["settings"]["overrides"] == {
        "initial_capital": 2000.0,
        "kill_switch.global_max_drawdown_percent": 12.5,
        "kill_switch.global_cooldown_hours": 6,
        "max_margin_ratio": 0.5,
    }
    report = run["report"]
    assert report["capital"] == 2000.0
    # one runner: its margin is capped at 25 % of the capital
    assert 0 < report["peak_margin"] <= 500.0 + 1e-9


def test_a_forward_test_trades_the_parameters_applied_before_its_window(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import eventsourcing.application as library

    then = datetime(2025, 6, 1, tzinfo=UTC)
    with monkeypatch.context() as clock:  # BTC's parameters applied on 2025-06-01
        clock.setattr(library, "datetime_now_with_tzinfo", lambda: then)
        _apply(home, "grid_atr", "BTC/USDT", "B", 85.0, {"sl_percent": 11.0})
    _apply(home, "grid_atr", "ETH/USDT", "A", 91.0, {"sl_percent": 12.0})  # applied today
    config = make_config(tmp_path)
    argv = ["--home", str(home), "--config-dir", str(config)]
    assert main([*argv, *["portfolio", "--applied", "--forward", "30", "--json"]]) == 0
    out, err = capsys.readouterr()
    settings = json.loads(out)["settings"]
    (runner,) = settings["runners"]
    assert (runner["key"], runner["source"]) == ("grid_atr:BTC/USDT", "applied_before")
    assert runner["params"]["sl_percent"] == 11.0
    assert settings["left_out"] == ["grid_atr:ETH/USDT"]
    assert (settings["mode"], settings["forward_days"]) == ("forward", 30)
    assert "grid_atr:ETH/USDT: left out (no parameters applied before the window)" in err


def test_recorded_runs_are_listed_newest_first(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config(tmp_path, "BTC/USDT")
    argv = ["--home", str(home), "--config-dir", str(config), "portfolio"]
    ids = []
    for days in ("5", "6"):
        run = _json(capsys, *argv, "--strategies", "grid_atr:BTC/USDT", "--days", days, "--json")
        ids.append(run["run_id"])
    listed = _json(capsys, *argv, "--list", "--json")
    assert [row["run_id"] for row in listed] == ids[::-1]
    assert main([*argv, "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ids[::-1]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--strategies", "grid_atr", "--days", "5"], "expected strategy:SYMBOL"),
        (["--strategies", "nope:BTC/USDT", "--days", "5"], "nope:BTC/USDT"),
        (["--strategies", "grid_atr:BTC/USDT+grid_atr:BTC/USDT", "--days", "5"], "twice"),
        (["--days", "5"], "name the runners"),
        (["--strategies", "grid_atr:BTC/USDT"], "give the span"),
        (["--strategies", "grid_atr:BTC/USDT", "--from", START, "--days", "5"], "not both"),
        (
            ["--strategies", "grid_atr:BTC/USDT", "--days", "5", "--kill-switch-dd", "150"],
            "global_max_drawdown",
        ),
        (["--preset", "huge"], "not in risk.yaml"),
        (["--applied", "--days", "5"], "no runner to trade"),
        (["--show", "no-such-run"], "no recorded portfolio run"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], reason: str
) -> None:
    config = make_config(tmp_path)
    assert main(["--home", str(home), "--config-dir", str(config), "portfolio", *args]) == 2
    # the read models' catch-up may draw its progress bar first: a bar, not an error line
    err = [x for x in capsys.readouterr().err.splitlines() if not x.startswith("projecting")]
    assert len(err) == 1 and reason in err[0]
