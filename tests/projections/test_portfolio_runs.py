"""The recorded portfolio backtests read model: runs listed newest first, each read back whole,
none dropped by a later run or a rebuild."""

from __future__ import annotations

from pathlib import Path

from adapters.services.engine import Engine
from adapters.store.home import Home
from tests.domain.portfolio_kit import portfolio_report, portfolio_settings


def test_runs_are_listed_newest_first_and_read_back_whole(tmp_path: Path) -> None:
    engine = Engine(Home(tmp_path), memory=True)
    first = engine.portfolio_runs.record_run(portfolio_settings(1000.0), portfolio_report(4.5))
    second = engine.portfolio_runs.record_run(portfolio_settings(5000.0), portfolio_report(-2.0))
    engine.project()
    reader = engine.portfolio_runs_reader()
    rows = reader.runs()
    assert [(r["run_id"], r["capital"], r["return_pct"]) for r in rows] == [
        (second, 5000.0, -2.0),
        (first, 1000.0, 4.5),
    ]
    assert rows[0]["trips"] == 1 and rows[0]["mode"] == "strategies"
    run = reader.run(first)
    assert (run.settings, run.report) == (portfolio_settings(1000.0), portfolio_report(4.5))
    assert reader.run("no-such-run") is None


def test_a_rebuild_lists_the_same_runs(tmp_path: Path) -> None:
    engine = Engine(Home(tmp_path), memory=True)
    for capital in (1000.0, 2000.0):
        engine.portfolio_runs.record_run(portfolio_settings(capital), portfolio_report())
    engine.project()
    before = engine.portfolio_runs_reader().runs()
    engine.rebuild_projections()
    assert engine.portfolio_runs_reader().runs() == before
