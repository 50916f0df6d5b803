"""``adapters.services.params_commands``, the one path of ``optimize --apply``, the demo and the
dashboard: the command-line side of its refusals (a grade, or a run of the earlier rule, is
said on stderr and writes nothing; the run stays recorded)."""

from __future__ import annotations

import shutil
from pathlib import Path

import msgspec
import pytest

from adapters.cli import research
from adapters.services import params_commands
from adapters.services.engine import Engine
from adapters.store.home import Home
from config.loader import DEFAULT_CONFIG_DIR
from tests.web.kit import old_summary, summary

EARLIER = (
    "cannot apply grid_atr BTC/USDT: graded with the earlier rule (the best combination was "
    "chosen on its out-of-sample results, so its figures are optimistic): re-run optimize"
)


@pytest.fixture
def engine(tmp_path: Path):
    engine = Engine(Home(tmp_path / "home"))
    yield engine
    engine.close()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    target.mkdir()
    for path in DEFAULT_CONFIG_DIR.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    return target


def test_the_cli_refuses_a_run_of_the_earlier_rule_and_writes_nothing(
    engine: Engine, config: Path, capsys
) -> None:
    run_id = engine.research.record_run(old_summary(grade="A", score=95.0))
    text = (config / "strategies.yaml").read_text()
    assert research.apply(engine, run_id, config) is None
    assert capsys.readouterr().err.strip() == f"not applied: {EARLIER}"
    assert (config / "strategies.yaml").read_text() == text
    assert engine.research_reader().applied() == []
    with pytest.raises(params_commands.EarlierRuleError, match="re-run optimize"):
        params_commands.apply_run(engine, config, run_id)


def test_the_grade_is_said_first_for_an_old_run_of_a_refused_grade(engine, config) -> None:
    run_id = engine.research.record_run(old_summary(grade="D", score=61.0))
    with pytest.raises(params_commands.GradeNotApplicableError) as refused:
        params_commands.apply_run(engine, config, run_id)
    assert not isinstance(refused.value, params_commands.EarlierRuleError)
    assert "grade D (weak, needs work) is not applied" in str(refused.value)


def test_a_run_of_the_in_sample_rule_is_applied(engine: Engine, config: Path) -> None:
    run_id = engine.research.record_run(summary(grade="B"))
    applied = research.apply(engine, run_id, config)
    assert applied is not None and applied.params == {
        "ma_period": 14,
        "sl_percent": 20.0,
        "num_levels": 3,
    }
    (row,) = engine.research_reader().applied()
    assert row["run_id"] == run_id


def test_run_refusal_tells_the_page_why() -> None:
    # runs as the page has them: read-model rows, the summaries' fields
    c, d = msgspec.to_builtins(summary(grade="C")), msgspec.to_builtins(summary(grade="D"))
    earlier = msgspec.to_builtins(old_summary(grade="A"))
    assert params_commands.run_refusal(c) is None  # C: paper trading only, what applying is for
    assert params_commands.run_refusal(earlier) == params_commands.EARLIER_RULE
    assert params_commands.run_refusal(d) == (
        "grade D (weak, needs work) is not applied: only grade A, B or C parameters are"
    )
