"""Research read model: an Explorer run on a narrowed grid (``fixed``) never replaces the pair's
full run as its result, but stands for the pair while no full run exists; runs of the in-sample
rule and runs recorded before it both project (the newer columns NULL for the old ones)."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from adapters.services.engine import Engine
from adapters.store.home import Home
from domain.research import earlier_rule
from tests.web.kit import OLD_WINDOW_KEYS, SELECTED_IN, old_summary, stitched_curve, summary


def _latest(engine: Engine) -> list[str]:
    engine.project()
    return [r["run_id"] for r in engine.research_reader().latest("grid_atr", "BTC/USDT")]


def test_an_exploration_stands_in_only_until_a_full_run_exists(tmp_path: Path) -> None:
    engine = Engine(Home(tmp_path / "home"))
    try:
        probe = {"fixed": {"ma_period": 10}, "n_combos": 3}
        first = engine.research.record_run(msgspec.structs.replace(summary(), **probe))
        assert _latest(engine) == [first]  # nothing better known for the pair yet
        full = engine.research.record_run(summary())
        assert _latest(engine) == [full]
        later = engine.research.record_run(msgspec.structs.replace(summary(), **probe))
        assert _latest(engine) == [full]  # the probe is kept, not promoted
        run = engine.research_reader().run(later)
        assert run["fixed"] == {"ma_period": 10} and not run["is_latest"]
        newer = engine.research.record_run(summary(grade="C"))
        assert _latest(engine) == [newer]  # a newer full run replaces the full one
        # other pairs are not touched
        eth = engine.research.record_run(
            msgspec.structs.replace(summary(symbol="ETH/USDT"), **probe)
        )
        engine.project()
        assert [r["run_id"] for r in engine.research_reader().latest(symbol="ETH/USDT")] == [eth]
    finally:
        engine.close()


def test_both_summary_formats_are_projected(tmp_path: Path) -> None:
    """A run of the in-sample rule fills the issue-11 columns; one recorded before it (events
    are forever) projects with those columns NULL and is marked as of the earlier rule."""
    engine = Engine(Home(tmp_path / "home"))
    try:
        new = engine.research.record_run(summary())
        old = engine.research.record_run(old_summary(symbol="ETH/USDT"))
        engine.project()
        reader = engine.research_reader()
        run = reader.run(new)
        assert {
            k: run[k]
            for k in (
                "selection_rule",
                "embargo_days",
                "is_trades_full",
                "oos_return_pct",
                "params_window",
                "params_rule",
                "capital",
                "validation_windows",
            )
        } == {
            "selection_rule": "in_sample",
            "embargo_days": 7,
            "is_trades_full": 30,
            "oos_return_pct": 5.5,
            "params_window": 2,
            "params_rule": "the selection of the most recent window",
            "capital": 10_000.0,
            "validation_windows": [0],
        }
        assert run["oos_sharpe_mean"] == pytest.approx((1.8 + 2.4 - 0.5) / 3)
        assert msgspec.to_builtins(run["stitched"]) == stitched_curve()
        assert run["windows"][2].combo == 4 and run["windows"][2].is_score == 1.6
        assert not earlier_rule(run)
        combos = reader.combos(new)
        assert [c["selected_in"] for c in combos] == SELECTED_IN
        assert [c["is_best"] for c in combos] == [0, 0, 0, 0, 1, 0]

        before = reader.run(old)
        assert earlier_rule(before)
        for column in (
            "selection_rule",
            "embargo_days",
            "oos_sharpe_mean",
            "oos_return_pct",
            "params_window",
            "stitched",
            "validation_windows",
        ):
            assert before[column] is None, column
        assert set(msgspec.to_builtins(before["windows"][0])) == set(OLD_WINDOW_KEYS)
        assert [c["selected_in"] for c in reader.combos(old)] == [None] * 6
        assert before["grade"] == "B" and before["best_params"] == run["best_params"]
    finally:
        engine.close()
