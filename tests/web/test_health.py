"""``/healthz`` and ``/metrics`` (and the same verdict in ``status``): down for a live position
without a stop, degraded for a portfolio nobody is running or a stale market while one runs;
the Prometheus figures of a home whose replay spans are known."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from adapters.cli.main import main
from adapters.services.engine import Engine
from adapters.services.portfolio_commands import writer_lock
from adapters.store.home import Home
from config.loader import load_settings
from tests.web.account_kit import account_home
from tests.web.conftest import paper_copy
from web.app import create_app


@pytest.fixture
def paper(paper_source, tmp_path: Path) -> Iterator[tuple[TestClient, Engine]]:
    home, config = paper_copy(paper_source, tmp_path)
    engine = Engine(Home(home))
    with TestClient(app=create_app(engine, None, settings=load_settings(config))) as client:
        yield client, engine
    engine.close()


def _metrics(client: TestClient) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for line in response.text.splitlines():
        if not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def test_a_live_position_without_a_stop_is_down(tmp_path: Path) -> None:
    engine = Engine(Home(account_home(tmp_path)))
    engine.project()
    with TestClient(app=create_app(engine, None, settings=load_settings())) as client:
        response = client.get("/healthz")
        metrics = _metrics(client)
    engine.close()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert any(r.endswith("ETH/USDT:USDT has no stop on the venue") for r in body["reasons"])
    assert any(r.endswith("ETH/USDT:USDT halted by reconciliation") for r in body["reasons"])
    unprotected = [v for k, v in metrics.items() if k.startswith("scalp_radar_live_unprotected")]
    assert unprotected == [1.0] and metrics["scalp_radar_health"] == 2.0


def test_a_portfolio_nobody_runs_is_degraded_and_its_figures_are_metrics(paper) -> None:
    client, _engine = paper
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert "paper: no trading process is running" in body["reasons"]
    assert "tight: kill switch tripped (global)" in body["reasons"]  # TIGHT_LIMITS trip it
    metrics = _metrics(client)
    # the replays of kit.paper_home: 2025-01-01 to 05-01 (120 days) and to 01-08 (7), hourly
    assert metrics['scalp_radar_candles_processed{portfolio="paper"}'] == 120 * 24
    assert metrics['scalp_radar_candles_processed{portfolio="tight"}'] == 7 * 24
    assert metrics['scalp_radar_writer_online{portfolio="paper"}'] == 0
    assert metrics["scalp_radar_health"] == 1.0
    lags = [v for k, v in metrics.items() if k.startswith("scalp_radar_projector_lag_events")]
    assert len(lags) >= 4 and set(lags) == {0.0}  # projected when the home was built


def test_while_a_process_runs_an_old_market_is_stale(paper) -> None:
    client, engine = paper
    with writer_lock(engine, "paper"):  # what a running paper process holds
        body = client.get("/healthz").json()
        metrics = _metrics(client)
    assert "paper: no trading process is running" not in body["reasons"]
    # the sample's candles end in 2025: every market the runners trade is stale now
    assert "paper: BTC/USDT 1h is stale" in body["reasons"]
    assert metrics['scalp_radar_writer_online{portfolio="paper"}'] == 1
    assert metrics['scalp_radar_market_stale{portfolio="paper",market="BTC/USDT 1h"}'] == 1
    age = metrics['scalp_radar_market_age_seconds{portfolio="paper",market="BTC/USDT 1h"}']
    assert age > 300 * 86_400  # the sample ends in 2025: this machine's clock is far past it


def test_status_says_the_same(paper_source, tmp_path: Path, capsys) -> None:
    home, config = paper_copy(paper_source, tmp_path)
    assert main(["--home", str(home), "--config-dir", str(config), "status"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"^health: degraded\n  - paper: no trading process is running$", text, re.M)
