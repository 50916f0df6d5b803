"""Research read model: an Explorer run on a narrowed grid (``fixed``) never replaces the pair's
full run as its result, but stands for the pair while no full run exists."""

from __future__ import annotations

from pathlib import Path

from adapters.engine import Engine
from adapters.home import Home
from tests.web.kit import summary


def _latest(engine: Engine) -> list[str]:
    engine.project()
    return [r["run_id"] for r in engine.research_reader().latest("grid_atr", "BTC/USDT")]


def test_an_exploration_stands_in_only_until_a_full_run_exists(tmp_path: Path) -> None:
    engine = Engine(Home(tmp_path / "home"))
    try:
        probe = {"fixed": {"ma_period": 10}, "n_combos": 3}
        first = engine.research.record_run(summary() | probe)
        assert _latest(engine) == [first]  # nothing better known for the pair yet
        full = engine.research.record_run(summary())
        assert _latest(engine) == [full]
        later = engine.research.record_run(summary() | probe)
        assert _latest(engine) == [full]  # the probe is kept, not promoted
        run = engine.research_reader().run(later)
        assert run["fixed"] == {"ma_period": 10} and not run["is_latest"]
        newer = engine.research.record_run(summary(grade="C"))
        assert _latest(engine) == [newer]  # a newer full run replaces the full one
        # other pairs are not touched
        eth = engine.research.record_run(summary(symbol="ETH/USDT") | probe)
        engine.project()
        assert [r["run_id"] for r in engine.research_reader().latest(symbol="ETH/USDT")] == [eth]
    finally:
        engine.close()
