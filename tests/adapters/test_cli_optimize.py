"""``scalp-radar optimize`` on the bundled real data: report, events, projections, --apply."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import msgspec
import pytest

from adapters.cli.main import main
from adapters.services import optimize
from adapters.services.engine import Engine
from adapters.store.home import Home
from config.loader import DEFAULT_CONFIG_DIR, load_settings
from tests.stubs import SAMPLE_DATA

NO_SPECS = "none (--no-specs: prices unrounded, no minimums, no liquidation)"
SMALL_GRID = """
wfo:
  is_days: 180
  oos_days: 60
  step_days: 60
  validation_source: perpetual
grids:
  grid_atr:
    ma_period: [10, 14]
    atr_multiplier_start: [1.5, 2.0]
    sl_percent: [15.0, 20.0]
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    files = sorted(str(f) for f in SAMPLE_DATA.glob("*.csv.gz"))
    files.append(str(SAMPLE_DATA / "bitget-specs.csv"))  # the contracts the runs obey
    assert main(["--home", str(home), "data", "import", *files]) == 0
    return home


@pytest.fixture
def config(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target, ignore=shutil.ignore_patterns("*.py", "__*"))
    (target / "param_grids.yaml").write_text(SMALL_GRID)
    return target


def run(home: Path, config: Path, *args: str) -> list[str]:
    return ["--home", str(home), "--config-dir", str(config), "optimize", *args]


def test_json_report_and_the_recorded_run(home: Path, config: Path, capsys) -> None:
    assert main(run(home, config, "--strategy", "grid_atr", "--symbol", "BTC/USDT", "--json")) == 0
    (line,) = capsys.readouterr().out.strip().splitlines()
    result = json.loads(line)
    for key in (
        "grade",
        "score",
        "oos_sharpe",
        "consistency",
        "oos_is_ratio",
        "dsr",
        "mc_pvalue",
        "stability",
        "n_windows",
        "n_combos",
        "best_params",
    ):
        assert key in result
    assert result["grade"] in "ABCDF" and 0 <= result["score"] <= 100
    # 2023-01-01 .. 2025-12-31 with IS 180 / OOS 60 / step 60 days: 15 windows; 2 x 2 x 2 combos
    assert (result["n_windows"], result["n_combos"]) == (15, 8)
    assert result["transfer_ratio"] is not None  # the perpetual is stored: transfer measured
    # Binance's candles under the contract of Bitget's perpetual
    assert result["price_tick"] == 0.1
    assert result["contract"].startswith("bitget BTC/USDT:USDT (bitget-specs.csv): tick 0.1, ")
    engine = Engine(Home(home))
    try:
        (run_row,) = engine.research_reader().latest("grid_atr", "BTC/USDT")
        assert run_row["run_id"] == result["run_id"] and run_row["grade"] == result["grade"]
        combos = engine.research_reader().combos(result["run_id"])
        assert len(combos) == 8 and sum(c["is_best"] for c in combos) == 1
    finally:
        engine.close()


def test_a_grade_for_btc_eth_and_sol_on_the_real_sample(home: Path, config: Path, capsys) -> None:
    symbols = "BTC/USDT,ETH/USDT,SOL/USDT"
    assert main(run(home, config, "--strategy", "grid_atr", "--symbol", symbols, "--json")) == 0
    results = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [r["symbol"] for r in results] == symbols.split(",")
    assert all(r["grade"] in ("A", "B", "C", "D", "F") for r in results)


def test_a_process_pool_gives_the_same_results(home: Path, config: Path, capsys) -> None:
    args = ["--strategy", "grid_atr", "--symbol", "BTC/USDT,ETH/USDT", "--json"]
    assert main(run(home, config, *args)) == 0
    alone = {json.loads(x)["symbol"]: json.loads(x) for x in capsys.readouterr().out.splitlines()}
    assert main(run(home, config, *args, "--workers", "2")) == 0
    pooled = {json.loads(x)["symbol"]: json.loads(x) for x in capsys.readouterr().out.splitlines()}
    for symbol, result in alone.items():
        same = ("grade", "score", "oos_sharpe", "best_params", "dsr", "mc_pvalue")
        assert {k: pooled[symbol][k] for k in same} == {k: result[k] for k in same}


def test_bad_input_stops_before_any_work(home: Path, config: Path, capsys) -> None:
    assert main(run(home, config, "--strategy", "grid_atr", "--symbol", "DOGE/USDT")) == 2
    assert "no 1h candles of DOGE/USDT" in capsys.readouterr().err
    assert main(run(home, config, "--strategy", "grid_trend", "--symbol", "BTC/USDT")) == 2
    assert "no grid in param_grids.yaml" in capsys.readouterr().err
    (config / "param_grids.yaml").write_text(SMALL_GRID.replace("[15.0, 20.0]", "[]"))
    assert main(run(home, config, "--strategy", "grid_atr", "--symbol", "BTC/USDT")) == 2
    assert "sl_percent" in capsys.readouterr().err


def test_a_market_without_its_contract_spec_stops_before_any_work_unless_no_specs(
    home: Path, config: Path, capsys
) -> None:
    # Binance as the trading venue: no Binance spec of its perpetuals is stored in this home
    exchanges = config / "exchanges.yaml"
    exchanges.write_text(
        exchanges.read_text().replace("trading_exchange: bitget", "trading_exchange: binance")
    )
    args = ["--strategy", "grid_atr", "--symbol", "BTC/USDT"]
    assert main(run(home, config, *args)) == 2
    # one line (stderr also holds the projection's progress bar)
    (err,) = [x for x in capsys.readouterr().err.splitlines() if x.startswith("scalp-radar:")]
    assert "grid_atr on BTC/USDT: no contract spec of binance BTC/USDT:USDT" in err
    assert main(run(home, config, *args, "--no-specs", "--json")) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["contract"] == NO_SPECS and result["price_tick"] is None
    assert main(run(home, config, *args, "--no-specs")) == 0
    assert f"   contract {NO_SPECS}" in capsys.readouterr().out.splitlines()


def test_apply_records_the_event_and_updates_the_yaml(home, config, capsys, monkeypatch) -> None:
    real = optimize.run_walk_forward

    def graded_b(job, market, validation=None, progress=None):
        summary = real(job, market, validation, progress)
        # the plumbing is under test, not the strategy
        return msgspec.structs.replace(summary, grade="B")

    monkeypatch.setattr(optimize, "run_walk_forward", graded_b)
    assert (
        main(
            run(home, config, "--strategy", "grid_atr", "--symbol", "BTC/USDT", "--apply", "--json")
        )
        == 0
    )
    best = json.loads(capsys.readouterr().out)["best_params"]
    applied = load_settings(config).strategies.grid_atr.per_asset["BTC/USDT"]
    assert applied == {k: best[k] for k in ("ma_period", "atr_multiplier_start", "sl_percent")}
    engine = Engine(Home(home))
    try:
        (row,) = engine.research_reader().applied()
        assert (row["strategy"], row["symbol"], row["grade"]) == ("grid_atr", "BTC/USDT", "B")
        assert row["params"] == applied
    finally:
        engine.close()


def test_apply_of_a_grade_that_cannot_be_applied_says_why_and_writes_nothing(
    home, config, capsys, monkeypatch
) -> None:
    real = optimize.run_walk_forward

    def graded_d(job, market, validation=None, progress=None):
        return msgspec.structs.replace(real(job, market, validation, progress), grade="D")

    monkeypatch.setattr(optimize, "run_walk_forward", graded_d)
    engine = Engine(Home(home))
    try:
        applied = engine.research_reader().applied()
    finally:
        engine.close()
    text = (config / "strategies.yaml").read_text()
    args = ["--strategy", "grid_atr", "--symbol", "ETH/USDT", "--apply", "--json"]
    assert main(run(home, config, *args)) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["grade"] == "D"  # the run is recorded and reported
    assert captured.err.strip().endswith(
        "not applied: cannot apply grid_atr ETH/USDT: grade D (weak, needs work) is not "
        "applied: only grade A, B or C parameters are"
    )
    assert (config / "strategies.yaml").read_text() == text
    engine = Engine(Home(home))
    try:
        assert engine.research_reader().applied() == applied
    finally:
        engine.close()


def test_a_dry_run_prints_the_work_and_its_time_and_records_nothing(
    home: Path, config: Path, capsys
) -> None:
    engine = Engine(Home(home))
    before = len(engine.research_reader().latest())
    engine.close()
    args = ["--strategy", "grid_atr", "--symbol", "BTC/USDT,ETH/USDT", "--dry-run"]
    assert main(run(home, config, *args)) == 0
    out = capsys.readouterr().out
    # 2 pairs x 8 combinations of SMALL_GRID; the windows depend on the sample's span
    assert out.startswith("2 job(s), ") and ", 8 combinations" not in out
    assert ", 16 combinations, " in out and "numba thread(s): about " in out
    engine = Engine(Home(home))
    assert len(engine.research_reader().latest()) == before
    engine.close()


def test_all_with_a_symbol_list_is_every_strategy_with_a_grid_on_each_symbol(
    home: Path, config: Path, capsys
) -> None:
    two_grids = SMALL_GRID + "  bollinger_mr:\n    bb_period: [10, 20]\n"
    (config / "param_grids.yaml").write_text(two_grids)
    assert main(run(home, config, "--all", "--symbol", " BTC/USDT, ETH/USDT,", "--dry-run")) == 0
    # 2 strategies x 2 symbols; 8 combinations of grid_atr + 2 of bollinger_mr, on each symbol
    out = capsys.readouterr().out
    assert out.startswith("4 job(s), ") and ", 20 combinations, " in out


def test_all_with_a_bad_symbol_in_the_list_exits_2_naming_it(
    home: Path, config: Path, capsys
) -> None:
    assert main(run(home, config, "--all", "--symbol", "BTC/USDT,ETHUSDT", "--dry-run")) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    errors = [x for x in captured.err.splitlines() if "error" in x]
    assert len(errors) == 1 and "bad symbol 'ETHUSDT'" in errors[0], errors


MOMENTUM_GRID = "  momentum:\n    breakout_lookback: [10, 20]\n"  # trades 5m: not in the sample


def test_all_runs_what_the_data_allows_and_names_each_skipped_job(
    home: Path, config: Path, capsys
) -> None:
    (config / "param_grids.yaml").write_text(SMALL_GRID + MOMENTUM_GRID)
    assert main(run(home, config, "--all", "--symbol", "BTC/USDT,ETH/USDT", "--dry-run")) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("2 job(s), ")  # grid_atr on both symbols
    assert captured.err.splitlines() == [
        "scalp-radar: skipped momentum on BTC/USDT: no 5m candles of BTC/USDT on binance: "
        "import or fetch some first",
        "scalp-radar: skipped momentum on ETH/USDT: no 5m candles of ETH/USDT on binance: "
        "import or fetch some first",
        "scalp-radar: --all: 2 jobs to run, 2 skipped",
    ]


def test_all_with_no_job_that_can_run_exits_2(home: Path, config: Path, capsys) -> None:
    (config / "param_grids.yaml").write_text(
        SMALL_GRID.split("grids:")[0] + "grids:\n" + MOMENTUM_GRID
    )
    assert main(run(home, config, "--all", "--symbol", "BTC/USDT", "--dry-run")) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines()[-1] == (
        "scalp-radar: error: --all: none of the 1 jobs can run (reasons above)"
    )


def test_a_named_strategy_without_its_data_stops_before_any_work(
    home: Path, config: Path, capsys
) -> None:
    (config / "param_grids.yaml").write_text(SMALL_GRID + MOMENTUM_GRID)
    args = run(home, config, "--strategy", "grid_atr,momentum", "--symbol", "BTC/USDT")
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (
        "scalp-radar: error: momentum on BTC/USDT: no 5m candles of BTC/USDT on binance: "
        "import or fetch some first"
    )


def test_a_strategy_list_is_each_strategy_on_each_symbol(home: Path, config: Path, capsys) -> None:
    two_grids = SMALL_GRID + "  bollinger_mr:\n    bb_period: [10, 20]\n"
    (config / "param_grids.yaml").write_text(two_grids)
    strategies = "bollinger_mr, grid_atr,bollinger_mr"  # a name twice counts once
    args = run(home, config, "--strategy", strategies, "--symbol", "BTC/USDT", "--dry-run")
    assert main(args) == 0
    # 1 symbol x 2 strategies: 2 combinations of bollinger_mr + 8 of grid_atr
    out = capsys.readouterr().out
    assert out.startswith("2 job(s), ") and ", 10 combinations, " in out


def test_an_empty_name_in_the_strategy_list_exits_2(home: Path, config: Path, capsys) -> None:
    args = run(home, config, "--strategy", "grid_atr,", "--symbol", "BTC/USDT", "--dry-run")
    assert main(args) == 2
    errors = [x for x in capsys.readouterr().err.splitlines() if "error" in x]
    assert len(errors) == 1 and "an empty name in the list" in errors[0], errors
