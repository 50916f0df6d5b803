"""The Portfolio page on a home with real BTC and ETH candles and two hand-made recorded runs
(``tests.domain.portfolio_kit``): the list, a run's figures as recorded, the comparator's
deltas, and the launch (key-guarded, checked field by field, a real run recorded at the end)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import msgspec
import pytest
from litestar.testing import TestClient

from adapters.services.engine import Engine
from adapters.store.home import Home
from config.loader import load_settings
from tests.adapters.paper_kit import make_config, make_home
from tests.domain.portfolio_kit import portfolio_report, portfolio_settings
from tests.web.conftest import API_KEY
from web.app import create_app

KEY = {"X-API-Key": API_KEY}


@pytest.fixture(scope="module")
def portfolio_client(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, Engine, list[str]]]:
    root = tmp_path_factory.mktemp("portfolio_page")
    engine = Engine(Home(make_home(root)))
    # run 1 (recorded first) gained 4.5 %, run 2 lost 2 % with a bigger capital
    first = engine.portfolio_runs.record_run(portfolio_settings(1000.0), portfolio_report(4.5))
    second = engine.portfolio_runs.record_run(portfolio_settings(5000.0), portfolio_report(-2.0))
    engine.project()
    settings = load_settings(make_config(root, "BTC/USDT"))
    with TestClient(app=create_app(engine, API_KEY, settings=settings)) as client:
        yield client, engine, [first, second]
    engine.close()


def _cells(html: str, element_id: str) -> list[list[str]]:
    """The text of each row's cells of the table ``element_id``."""
    table = re.search(rf'id="{element_id}".*?</table>', html, re.S)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    strip = lambda cell: re.sub(r"<[^>]+>", "", cell).strip()  # noqa: E731
    cells = [[strip(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]
    return [row for row in cells if row]  # the header's row has none


def _listed(html: str) -> list[str]:
    """The run ids of the list of recorded runs, in its order."""
    runs = html[html.index('id="portfolio-runs"') :]
    return re.findall(r'href="/portfolio/runs/([0-9a-f-]+)"', runs)


def test_the_runs_are_listed_newest_first(portfolio_client) -> None:
    client, _, (first, second) = portfolio_client
    html = client.get("/portfolio").text
    assert 'aria-current="page">Portfolio</a>' in html
    assert _listed(html) == [second, first]
    rows = _cells(html, "portfolio-runs")
    assert rows[0][5:] == [
        "5,000.00",
        "2023-01-01 to 2023-01-02",
        "-2.00 %",
        "10.00 %",
        "1.20",
        "1",
    ]
    assert rows[1][7] == "+4.50 %"


def test_a_run_shows_its_recorded_figures(portfolio_client) -> None:
    client, _, (first, _) = portfolio_client
    html = client.get(f"/portfolio/runs/{first}").text
    # the kit's report, by hand: final 1,000 x 1.045; peak margin 500 = 50 % on day 2 00:00
    expected = {
        "return_pct": "+4.50 %",
        "final_equity": "1,045.00",
        "max_drawdown_pct": "10.00 %",
        "sharpe": "1.20",
        "sortino": "1.50",
        "peak_margin": '500.00 <span class="note">(50.0 % of the capital, 2023-01-02 00:00 UTC)',
        "trips": "1",
        "realized_pnl": "+50.00",
        "forced_close_pnl": "-5.00",
        "funding_paid": "+1.00",
        "worst_stop_loss": "80.00",
        "benchmark_return_pct": "+10.00 %",
        "win_rate_pct": "33.33 %",
    }
    for key, text in expected.items():
        assert f'id="m-{key}"' in html
        shown = re.search(rf'id="m-{key}"[^>]*>(.*?)</dd>', html, re.S)[1]
        assert shown.startswith(text), (key, shown)
    assert _cells(html, "runners") == [
        ["grid_atr:BTC/USDT", "3", "33.30 %", "+45.00", "+1.00", "500.00"]
    ]
    assert _cells(html, "regimes") == [["bull", "3", "33.30 %", "+45.00"]]
    # open grids 20/20/8 of 48 closes; fills 44/3/1
    assert _cells(html, "open-grids") == [
        ["0", "20", "41.7 %"],
        ["1", "20", "41.7 %"],
        ["2", "8", "16.7 %"],
    ]
    assert _cells(html, "fills")[1] == ["1", "3", "6.2 %"]
    assert _cells(html, "trips") == [["2023-01-02 06:00 UTC", "global", "drawdown"]]
    # the config's global kill switch (make_config's 99 %) drawn: the run overrode none
    assert "kill switch at -99.00%" in html and "99.00 % (the config&#39;s" in html
    assert html.count("<svg") == 3


def test_the_comparator_shows_deltas_against_the_first(portfolio_client) -> None:
    client, _, (first, second) = portfolio_client
    html = client.get(f"/portfolio/compare?runs={first},{second}").text
    rows = {row[0]: row[1:] for row in _cells(html, "comparison")}
    # by hand: -2.0 - 4.5 = -6.5 points; 980 - 1,045 = -65; same drawdown; same trips
    assert rows["Return"] == ["+4.50 %", "-2.00 %", "-6.50 pts"]
    assert rows["Final equity"] == ["1,045.00", "980.00", "-65.00"]
    assert rows["Max drawdown"] == ["10.00 %", "10.00 %", "+0.00 pts"]
    assert rows["Kill-switch trips"] == ["1", "1", "+0"]
    # the curves normalised: run 1's last day 1,045 / 1,000 of capital = 104.50
    assert "1. " + first[:8] in html and "104.50" in html
    # the list's checkboxes send the ids one by one: the same page
    same = client.get("/portfolio/compare", params=[("runs", first), ("runs", second)])
    assert same.status_code == 200 and "-6.50 pts" in same.text


def test_the_comparator_needs_known_runs(portfolio_client) -> None:
    client, _, (first, _) = portfolio_client
    one = client.get(f"/portfolio/compare?runs={first}")
    assert one.status_code == 400 and one.text.startswith("runs: pick 2 to 6 runs")
    assert client.get(f"/portfolio/compare?runs={first},nope").status_code == 404
    assert client.get("/portfolio/runs/nope").status_code == 404


def _form(**fields: str) -> dict[str, str]:
    base = {"source": "strategies", "strategy_grid_atr": "on", "asset_BTC/USDT": "on"}
    return base | {"days": "10", "guards": "on"} | fields


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"days": "-3"}, "days", "whole number"),
        ({"days": "", "from": "2025-13-01"}, "from", "bad date"),
        ({"capital": "1e9"}, "capital", "positive number"),
        ({"kill_switch_dd": "150"}, "kill_switch_dd", "global_max_drawdown_percent"),
        ({"max_margin_ratio": "0.01"}, "max_margin_ratio", "max_margin_ratio"),
        ({"from": "2025-01-01"}, "days", "not both"),
        ({"days": "", "from": "2025-02-01", "to": "2025-01-01"}, "to", "after"),
        ({"source": "preset", "preset": "huge"}, "preset", "not in risk.yaml"),
        ({"source": "applied"}, "source", "no runner to trade"),
        ({"strategy_grid_atr": "", "asset_BTC/USDT": "on"}, "strategy_grid_atr", ""),
        ({"asset_DOGE/USDT": "on"}, "asset_DOGE/USDT", "not one of the choices"),
        ({"asset_BTC/USDT": "", "strategy_grid_atr": "on"}, "asset_BTC/USDT", ""),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_records_nothing(
    portfolio_client, fields: dict[str, str], field: str, reason: str
) -> None:
    client, engine, _ = portfolio_client
    stored = engine.store.recorder.max_notification_id()
    form = _form(**fields)
    for name in [k for k, v in form.items() if v == "" and k.startswith(("strategy_", "asset_"))]:
        del form[name]  # an unticked box is not sent
    response = client.post("/portfolio/jobs", data=form, headers=KEY)
    assert response.status_code == 400
    named = {"strategy_grid_atr": "strategies", "asset_BTC/USDT": "assets"}.get(field, field)
    assert response.text.startswith(f"{named}: ") and reason in response.text, response.text
    assert client.app.state.jobs.active() is None
    assert engine.store.recorder.max_notification_id() == stored


def test_launch_without_the_key_is_refused(portfolio_client) -> None:
    client, engine, _ = portfolio_client
    stored = engine.store.recorder.max_notification_id()
    for headers in ({}, {"X-API-Key": "wrong"}):
        response = client.post("/portfolio/jobs", data=_form(), headers=headers)
        assert response.status_code == 403
    assert client.app.state.jobs.active() is None
    assert engine.store.recorder.max_notification_id() == stored


def test_a_launched_run_reports_progress_and_is_recorded(portfolio_client) -> None:
    client, engine, (first, second) = portfolio_client
    response = client.post("/portfolio/jobs", data=_form(days="5"), headers=KEY)
    assert response.status_code == 200, response.text
    assert "1 runner on 10,000" in response.text
    job_id = re.search(r"/portfolio/jobs/(\w+)/events", response.text)[1]
    stream = client.get(f"/portfolio/jobs/{job_id}/events").text.replace("\r\n", "\n")
    assert stream.rstrip().endswith("event: done\ndata: done")
    progress = re.findall(r"([\d,]+)/([\d,]+) candle times", stream)
    assert progress and progress[-1][0] == progress[-1][1] == "120"  # 5 days of 1h candles
    deadline = time.monotonic() + 60
    while 'data-state="done"' not in (html := client.get(f"/portfolio/jobs/{job_id}").text):
        assert time.monotonic() < deadline and 'data-state="failed"' not in html, html
        time.sleep(0.2)
    run_id = re.search(r'href="/portfolio/runs/([0-9a-f-]+)"', html)[1]
    run = engine.portfolio_runs_reader().run(run_id)
    assert msgspec.to_builtins(run.settings)["runners"][0]["key"] == "grid_atr:BTC/USDT"
    assert run.settings.mode == "strategies" and run.report.candles == 120
    assert _listed(client.get("/portfolio").text) == [run_id, second, first]  # old runs stay
