"""``serve --cluster``: the option reaches the Explorer's JobRunner, whose walk-forwards then go
to that cluster (here one that does not answer: the job fails naming it)."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from litestar.testing import TestClient

from adapters.cli.main import main
from adapters.services.cluster_target import CLUSTER_ENV, ClusterTarget
from adapters.services.engine import Engine
from adapters.services.jobs import JobRunner
from adapters.store.home import Home
from config.loader import load_settings
from tests.web.conftest import API_KEY
from tests.web.test_jobs import btc_home, launch, small_config, wait_state
from web.app import create_app
from web.serve import app_from_env

pytest.importorskip("distributed")


def _nobody_listens() -> str:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{free.getsockname()[1]}"


def test_the_cluster_address_reaches_the_job_runner(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SCALP_RADAR_HOME", str(tmp_path))
    monkeypatch.setenv(CLUSTER_ENV, "tcp://10.1.2.3:8786")
    app = app_from_env()
    try:
        assert app.state.jobs.cluster.address == "tcp://10.1.2.3:8786"
    finally:
        app.state.jobs.engine.close()


def test_serve_with_a_cluster_that_is_not_an_address_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["--home", str(tmp_path), "serve", "--cluster", "nowhere"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--cluster 'nowhere'" in err, err


@pytest.mark.cluster
def test_an_explorer_job_goes_to_the_cluster(tmp_path: Path) -> None:
    address = _nobody_listens()
    settings = load_settings(small_config(tmp_path))
    engine = Engine(Home(btc_home(tmp_path)))
    runner = JobRunner(engine, settings, cluster=ClusterTarget(address, settings))
    app = create_app(engine, API_KEY, settings=settings, jobs=runner)
    try:
        with TestClient(app=app) as client:
            job_id = re.search(r"/explorer/jobs/(\w+)/events", launch(client).text)[1]
            state, html = wait_state(client, job_id, ("done", "failed"), timeout=60)
    finally:
        engine.close()
    assert state == "failed" and address in html
