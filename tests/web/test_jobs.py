"""Walk-forward jobs from the Explorer on the bundled real BTC data: launch (with the key),
progress over SSE, the result recorded as an event and projected; cancel stores nothing."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from adapters.cli.main import main
from adapters.services.engine import Engine
from adapters.store.home import Home
from config.loader import DEFAULT_CONFIG_DIR, load_settings
from tests.stubs import SAMPLE_DATA
from tests.web.conftest import API_KEY
from web import research_data
from web.app import create_app

KEY = {"X-API-Key": API_KEY}
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


def small_config(root: Path) -> Path:
    target = root / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, target, ignore=shutil.ignore_patterns("*.py", "__*"))
    (target / "param_grids.yaml").write_text(SMALL_GRID)
    return target


def btc_home(root: Path) -> Path:
    """BTC's candles and funding, and the contract specs the walk-forwards obey."""
    home = root / "home"
    files = [str(p) for p in sorted(SAMPLE_DATA.glob("BTC_*.csv.gz"))]
    files.append(str(SAMPLE_DATA / "bitget-specs.csv"))
    assert main(["--home", str(home), "data", "import", *files]) == 0
    return home


@pytest.fixture(scope="module")
def job_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Engine]]:
    root = tmp_path_factory.mktemp("jobs")
    engine = Engine(Home(btc_home(root)))
    app = create_app(engine, API_KEY, settings=load_settings(small_config(root)))
    with TestClient(app=app) as client:
        yield client, engine
    engine.close()


def wait_state(client: TestClient, job_id: str, states: tuple[str, ...], timeout: float = 180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        html = client.get(f"/explorer/jobs/{job_id}").text
        state = re.search(r'data-state="(\w+)"', html)[1]
        if state in states:
            return state, html
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still not {states} after {timeout} s")


def launch(client: TestClient, **fixed: str):
    form = {"strategy": "grid_atr", "symbol": "BTC/USDT"} | {f"p_{k}": v for k, v in fixed.items()}
    return client.post("/explorer/jobs", data=form, headers=KEY)


def test_a_launched_job_reports_progress_and_records_its_result(job_client) -> None:
    client, _ = job_client
    db = client.app.state.read.db()
    before = research_data.latest_run_id(db, "grid_atr", "BTC/USDT")
    response = launch(client, ma_period="10", sl_percent="*")
    assert response.status_code == 200
    # 1 x 2 x 2 combos: the fixed ma_period leaves four
    assert "4 <abbr" in response.text and 'sse-connect="/explorer/jobs/' in response.text
    job_id = re.search(r"/explorer/jobs/(\w+)/events", response.text)[1]
    # the SSE stream ends once the job has: its body every change, then "done"
    stream = client.get(f"/explorer/jobs/{job_id}/events").text.replace("\r\n", "\n")
    assert stream.rstrip().endswith("event: done\ndata: done")
    progress = re.findall(r"(\d+)/(\d+) <abbr", stream)
    assert progress and progress[-1][0] == progress[-1][1] == "15"  # 15 windows on 3 years
    state, html = wait_state(client, job_id, ("done", "failed"))
    assert state == "done", html
    run_id = research_data.latest_run_id(db, "grid_atr", "BTC/USDT")
    assert run_id != before and f"/research/runs/{run_id}" in html
    run = research_data.get_run(db, run_id)
    assert run["n_combos"] == 4 and run["grid"]["ma_period"] == [10]
    # an exploration: kept as such, the pair's result only while it has no full run
    assert run["fixed"] == {"ma_period": 10} and run["is_latest"]
    assert len(research_data.combos(db, run_id)) == 4


def test_a_cancelled_job_stores_nothing(job_client) -> None:
    client, engine = job_client
    stored = engine.store.recorder.max_notification_id()
    job_id = re.search(r"/explorer/jobs/(\w+)/events", launch(client).text)[1]
    cancel = client.post(f"/explorer/jobs/{job_id}/cancel", headers=KEY)
    assert cancel.status_code == 200 and 'data-state="cancelling"' in cancel.text
    state, html = wait_state(client, job_id, ("cancelled", "done", "failed"))
    assert state == "cancelled" and "nothing was recorded" in html
    assert engine.store.recorder.max_notification_id() == stored


def test_one_job_at_a_time(job_client) -> None:
    client, _ = job_client
    first = re.search(r"/explorer/jobs/(\w+)/events", launch(client).text)[1]
    second = launch(client)
    assert second.status_code == 409 and "already running" in second.text
    client.post(f"/explorer/jobs/{first}/cancel", headers=KEY)
    wait_state(client, first, ("cancelled", "done", "failed"))


def test_unknown_job_is_404(job_client) -> None:
    client, _ = job_client
    assert client.get("/explorer/jobs/nope").status_code == 404
    assert client.get("/explorer/jobs/nope/events").status_code == 404
