"""Applying a run's parameters from the dashboard: key-guarded, one ``ParamsApplied`` event and
one ``per_asset`` line (read back independently), refusals that store nothing and say why, and
the research detail page's button and "currently applied" line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from litestar.testing import TestClient

from adapters.services.engine import Engine
from adapters.store.home import Home
from config.loader import DEFAULT_CONFIG_DIR, load_settings
from domain.research import ParamsApplied
from tests.web.conftest import API_KEY
from tests.web.kit import old_summary, summary
from tests.web.test_browser import _free_port, _wait_port, browser, page, shot  # noqa: F401
from web.app import create_app
from web.auth import MISSING, NOT_CONFIGURED, WRONG

KEY = {"X-API-Key": API_KEY}
BEST = {"ma_period": 14, "sl_percent": 20.0, "num_levels": 3}  # kit.summary's best_params
GRADES = ("A", "B", "C", "D", "F")
OUTCOME = re.compile(r'id="apply-outcome"[^>]*>([^<]+)<')
STATE = re.compile(r'id="applied-state"[^>]*>(.+?)</p>', re.S)


@dataclass
class Setup:
    client: TestClient
    engine: Engine
    config: Path
    runs: dict[str, str]  # grade -> run id, all grid_atr on BTC/USDT (the B run is the newest)

    def events(self) -> int:
        return self.engine.store.recorder.max_notification_id() or 0

    def strategies_text(self) -> str:
        return (self.config / "strategies.yaml").read_text()

    def per_asset(self, strategy: str = "grid_atr") -> dict:
        """Read back with a plain YAML parser, not the project's loader."""
        return yaml.safe_load(self.strategies_text())[strategy]["per_asset"]

    def applied_rows(self) -> list[dict]:
        return self.engine.research_reader().applied()

    def apply(self, run_id: str, headers: dict | None = None):
        return self.client.post(f"/research/runs/{run_id}/apply", headers=headers or {})


def _config_copy(root: Path) -> Path:
    target = root / "config"
    target.mkdir()
    for path in DEFAULT_CONFIG_DIR.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    return target


def _app(engine: Engine, config: Path, api_key: str | None):
    app = create_app(engine, api_key, settings=load_settings(config))
    app.state.config_dir = config  # never the shipped files
    return app


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    engine = Engine(Home(tmp_path / "home"))
    config = _config_copy(tmp_path)
    runs = {
        grade: engine.research.record_run(summary("grid_atr", "BTC/USDT", grade, 50.0 + i))
        for i, grade in enumerate(g for g in GRADES if g != "B")
    }
    runs["B"] = engine.research.record_run(summary("grid_atr", "BTC/USDT", "B", 82.0))
    engine.project()
    with TestClient(app=_app(engine, config, API_KEY)) as client:
        yield Setup(client, engine, config, runs)
    engine.close()


@pytest.mark.parametrize(("headers", "reason"), [({}, MISSING), ({"X-API-Key": "wrong"}, WRONG)])
def test_refused_without_the_key_or_with_a_wrong_one(setup: Setup, headers, reason) -> None:
    events, text = setup.events(), setup.strategies_text()
    response = setup.apply(setup.runs["B"], headers)
    assert (response.status_code, response.text) == (403, reason)
    assert setup.events() == events and setup.strategies_text() == text
    assert setup.applied_rows() == []


def test_refused_when_the_server_has_no_key(tmp_path: Path) -> None:
    engine = Engine(Home(tmp_path / "home"))
    config = _config_copy(tmp_path)
    run_id = engine.research.record_run(summary(grade="A"))
    engine.project()
    text = (config / "strategies.yaml").read_text()
    try:
        with TestClient(app=_app(engine, config, None)) as client:
            response = client.post(f"/research/runs/{run_id}/apply", headers=KEY)
        assert (response.status_code, response.text) == (403, NOT_CONFIGURED)
        assert (config / "strategies.yaml").read_text() == text
        assert engine.research_reader().applied() == []
    finally:
        engine.close()


def test_with_the_key_one_event_and_the_per_asset_line(setup: Setup) -> None:
    before = setup.events()
    text = setup.strategies_text()
    response = setup.apply(setup.runs["B"], KEY)
    assert response.status_code == 200
    assert response.text.startswith('<section id="apply-params"')  # the fragment htmx swaps
    assert OUTCOME.search(response.text)[1] == (
        "applied grid_atr BTC/USDT (grade B): ma_period=14, sl_percent=20.0, num_levels=3, "
        f"written to {setup.config / 'strategies.yaml'} and recorded; a running paper process "
        "uses them from its next start"
    )
    # exactly one new event, a ParamsApplied naming the run and its best parameters
    (notification,) = setup.engine.store.recorder.select_notifications(before + 1, limit=10)
    assert notification.topic == ParamsApplied.TOPIC
    event = setup.engine.store.mapper.transcoder.decode(notification.state)
    assert {k: event[k] for k in ("strategy", "symbol", "grade", "run_id", "params")} == {
        "strategy": "grid_atr",
        "symbol": "BTC/USDT",
        "grade": "B",
        "run_id": setup.runs["B"],
        "params": BEST,
    }
    # the config: the pair's per_asset entry holds those parameters, nothing else changed
    assert setup.per_asset() == {"BTC/USDT": BEST}
    changed = [
        (a, b)
        for a, b in zip(text.splitlines(), setup.strategies_text().splitlines(), strict=True)
        if a != b
    ]
    assert len(changed) == 1 and changed[0][1].strip().startswith("per_asset:")
    assert load_settings(setup.config).strategies.grid_atr.per_asset == {"BTC/USDT": BEST}
    # projected at once: the read model's applied_params and the page show it
    (row,) = setup.applied_rows()
    assert (row["strategy"], row["symbol"], row["grade"], row["run_id"], row["params"]) == (
        "grid_atr",
        "BTC/USDT",
        "B",
        setup.runs["B"],
        BEST,
    )
    assert "the ones applied to grid_atr on BTC/USDT" in STATE.search(response.text)[1]
    html = setup.client.get(f"/research/runs/{setup.runs['B']}").text
    assert "(grade B, applied from this run)" in STATE.search(html)[1]


def test_an_a_run_is_applied_too(setup: Setup) -> None:
    assert setup.apply(setup.runs["A"], KEY).status_code == 200
    assert setup.per_asset() == {"BTC/USDT": BEST}
    assert [r["grade"] for r in setup.applied_rows()] == ["A"]


def test_a_c_run_is_applied_for_paper_trading_and_the_page_says_live_needs_a_or_b(
    setup: Setup,
) -> None:
    """The grading rules: C is "paper trading only"; the demo, optimize --apply and this page
    apply it alike (optimization.grading.PAPER_GRADES), and live trading skips it."""
    html = setup.client.get(f"/research/runs/{setup.runs['C']}").text
    assert (
        '<p class="note" id="apply-live">Grade C is paper trading only: '
        "live trading needs grade A or B.</p>"
    ) in html
    assert setup.apply(setup.runs["C"], KEY).status_code == 200
    assert [r["grade"] for r in setup.applied_rows()] == ["C"]


@pytest.mark.parametrize(
    ("grade", "why"),
    [
        ("D", "grade D (weak, needs work) is not applied"),
        ("F", "grade F (rejected: overfitting or no edge) is not applied"),
    ],
)
def test_a_grade_that_cannot_be_applied_is_refused_with_its_reason(
    setup: Setup, grade: str, why: str
) -> None:
    events, text = setup.events(), setup.strategies_text()
    response = setup.apply(setup.runs[grade], KEY)
    assert response.status_code == 409
    assert response.text == (
        f"cannot apply grid_atr BTC/USDT: {why}: only grade A, B or C parameters are"
    )
    assert setup.events() == events and setup.strategies_text() == text
    assert setup.applied_rows() == []
    # the page says so beside a disabled button
    html = setup.client.get(f"/research/runs/{setup.runs[grade]}").text
    assert re.search(r'<button type="submit" class="primary" disabled[^>]*>Apply these', html)
    assert f"{why}: only grade A, B or C parameters are." in html


@pytest.mark.parametrize("grade", ["A", "B"])
def test_a_run_of_the_earlier_rule_is_refused_whatever_its_grade(setup: Setup, grade) -> None:
    run_id = setup.engine.research.record_run(old_summary(grade=grade))
    setup.engine.project()
    events, text = setup.events(), setup.strategies_text()
    response = setup.apply(run_id, KEY)
    assert response.status_code == 409
    assert response.text == (
        "cannot apply grid_atr BTC/USDT: graded with the earlier rule (the best combination was "
        "chosen on its out-of-sample results, so its figures are optimistic): re-run optimize"
    )
    assert setup.events() == events and setup.strategies_text() == text
    assert setup.applied_rows() == []
    html = setup.client.get(f"/research/runs/{run_id}").text
    assert re.search(r'<button type="submit" class="primary" disabled[^>]*>Apply these', html)
    assert 'id="earlier-rule"' in html


def test_an_unknown_or_malformed_run_id_is_refused(setup: Setup) -> None:
    events, text = setup.events(), setup.strategies_text()
    unknown = setup.apply("00000000-0000-4000-8000-000000000000", KEY)
    assert unknown.status_code == 404
    assert unknown.text == "no walk-forward result '00000000-0000-4000-8000-000000000000'"
    bad = setup.apply("not-a-run", KEY)
    assert (bad.status_code, bad.text) == (400, "run_id: not a run id (a UUID): 'not-a-run'")
    assert setup.events() == events and setup.strategies_text() == text


def test_a_config_the_parameters_would_break_stores_nothing(setup: Setup) -> None:
    engine = setup.engine
    broken = summary(best_params={**BEST, "sl_percent": -5.0})
    run_id = engine.research.record_run(broken)
    engine.project()
    events, text = setup.events(), setup.strategies_text()
    response = setup.apply(run_id, KEY)
    assert response.status_code == 409
    assert response.text.startswith("cannot apply grid_atr BTC/USDT: strategies.yaml: ")
    assert "sl_percent" in response.text
    assert setup.events() == events and setup.strategies_text() == text


def test_an_event_that_cannot_be_stored_puts_the_config_back(setup: Setup, monkeypatch) -> None:
    text = setup.strategies_text()

    def fails(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(setup.engine.research, "record_applied", fails)
    assert setup.apply(setup.runs["B"], KEY).status_code == 500
    assert setup.strategies_text() == text
    assert setup.applied_rows() == []


def test_the_page_tells_which_parameters_are_applied_for_the_pair(setup: Setup) -> None:
    url = f"/research/runs/{setup.runs['B']}"
    html = setup.client.get(url).text
    assert STATE.search(html)[1] == (
        "No parameters are applied to grid_atr on BTC/USDT: paper trading does not trade it."
    )
    assert '<button type="submit" class="primary">Apply these parameters</button>' in html
    assert f'hx-post="/research/runs/{setup.runs["B"]}/apply"' in html
    # the A run has the same best parameters: applying it makes B's "the same, another run"
    setup.apply(setup.runs["A"], KEY)
    shown = STATE.search(setup.client.get(url).text)[1]
    assert "These parameters are the ones applied to grid_atr on BTC/USDT" in shown
    assert f'<a href="/research/runs/{setup.runs["A"]}">another run</a>, grade A' in shown
    # other parameters applied (a run with another best combination)
    other = setup.engine.research.record_run(summary(best_params={**BEST, "ma_period": 10}))
    setup.apply(other, KEY)
    shown = STATE.search(setup.client.get(url).text)[1]
    assert "Other parameters are applied to grid_atr on BTC/USDT:" in shown
    assert "ma_period=10, num_levels=3, sl_percent=20.0" in " ".join(shown.split())


@pytest.mark.browser
def test_the_button_sends_the_key_of_the_page_field(tmp_path: Path, page) -> None:  # noqa: F811
    """Against ``scalp-radar serve``: refused (flash) until the key is typed, then applied."""
    home, config = tmp_path / "home", _config_copy(tmp_path)
    engine = Engine(Home(home))
    run_id = engine.research.record_run(summary(grade="B"))
    engine.close()  # serve projects it at start
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "adapters.cli.main",
        "--home",
        str(home),
        "--config-dir",
        str(config),
    ]
    env = os.environ | {"SCALP_RADAR_API_KEY": API_KEY}
    proc = subprocess.Popen(
        [*cmd, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        proc.stdout.readline()
        _wait_port(port, proc)
        page.goto(f"http://127.0.0.1:{port}/research/runs/{run_id}")
        page.wait_for_load_state("networkidle")
        page.click("#apply-form button")
        page.wait_for_selector("#flash.error:not([hidden])")
        assert page.inner_text("#flash") == f"403: {MISSING}"
        page.errors.clear()  # the browser logs the refused request itself: expected here
        page.fill("#api-key", API_KEY)
        page.click("#apply-form button")
        page.wait_for_selector("#apply-outcome")
        assert page.inner_text("#apply-outcome").startswith("applied grid_atr BTC/USDT (grade B)")
        assert "applied from this run" in page.inner_text("#applied-state")
        shot(page, "research_apply")
        assert yaml.safe_load((config / "strategies.yaml").read_text())["grid_atr"][
            "per_asset"
        ] == {"BTC/USDT": BEST}
        assert page.errors == []
    finally:
        proc.terminate()
        proc.wait(10)
