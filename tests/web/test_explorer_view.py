"""The Explorer's view (issue 18, section 3): it opens on the run the pair trades with, a
selector lists the pair's runs, the axes and the metric live in the URL (x and y differ), every
heatmap value is readable as text, the histogram marks the parameters to trade, and the
Research verdicts panel shows. Over ``explorer_kit.explorer_home``."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from config.loader import load_settings
from tests.web.explorer_kit import explorer_home
from web.app import create_app
from web.svg import histogram

BTC = "strategy=grid_atr&symbol=BTC/USDT"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    engine, ids = explorer_home(tmp_path_factory.mktemp("explorer"))
    with TestClient(app=create_app(engine, None, settings=load_settings())) as client:
        yield client, ids
    engine.close()


@pytest.fixture
def client(home) -> TestClient:
    return home[0]


@pytest.fixture
def ids(home) -> dict[str, str]:
    return home[1]


def selected_run(html: str) -> str:
    return re.search(r'<option value="([^"]+)" selected>run \d', html)[1]


def options(html: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="run_id" id="run-select">(.*?)</select>', html, re.S)[1]
    return re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select)


def test_it_opens_on_the_run_the_pair_trades_with(client: TestClient, ids) -> None:
    html = client.get(f"/explorer?{BTC}").text
    assert selected_run(html) == ids["btc_applied"]  # not the newer full run nor the probe
    assert "the run the pair trades with" in html


def test_without_applied_parameters_it_opens_on_the_full_run_not_the_probe(
    client: TestClient, ids
) -> None:
    html = client.get("/explorer?strategy=grid_atr&symbol=ETH/USDT").text
    assert selected_run(html) == ids["eth_full"]


def test_without_a_pair_it_opens_on_the_newest_runs_pair(client: TestClient, ids) -> None:
    # the newest run is ETH's probe: ETH's full run is the one explored
    assert selected_run(client.get("/explorer").text) == ids["eth_full"]


def test_the_selector_lists_the_pairs_runs_newest_first(client: TestClient, ids) -> None:
    shown = options(client.get(f"/explorer?{BTC}").text)
    assert shown == [
        (ids["btc_probe"], "run 3 · data to 2023-12-26 · grade C · probe"),
        (ids["btc_newer"], "run 2 · data to 2023-12-26 · grade D · the pair's result"),
        (ids["btc_applied"], "run 1 · data to 2023-12-26 · grade B · applied"),
    ]


def test_the_url_chooses_run_axes_and_metric(client: TestClient, ids) -> None:
    run = ids["btc_newer"]
    html = client.get(f"/explorer?run_id={run}&x=sl_percent&y=ma_period&metric=score&agg=mean")
    assert html.status_code == 200
    for name, value in (("x", "sl_percent"), ("y", "ma_period"), ("agg", "mean")):
        select = re.search(rf'<select name="{name}">(.*?)</select>', html.text, re.S)[1]
        assert re.search(rf"<option selected>{value}</option>", select), name
    assert '<option value="score" selected>' in html.text
    link = re.search(r'<a id="view-link" href="([^"]+)"', html.text)[1].replace("&amp;", "&")
    assert link == f"/explorer?run_id={run}&x=sl_percent&y=ma_period&metric=score&agg=mean"


def test_x_equal_to_y_is_a_400_naming_y(client: TestClient, ids) -> None:
    run = ids["btc_applied"]
    for url in ("/explorer", "/explorer/analysis"):
        response = client.get(f"{url}?run_id={run}&x=sl_percent&y=sl_percent")
        assert response.status_code == 400
        assert "y: must differ from x (both are 'sl_percent')" in response.text


def test_y_defaults_to_another_parameter_than_x(client: TestClient, ids) -> None:
    html = client.get(f"/explorer?run_id={ids['btc_applied']}&x=sl_percent").text
    y = re.search(r'<select name="y">(.*?)</select>', html, re.S)[1]
    assert "<option selected>ma_period</option>" in y
    # the form offers no equal pair: y's option of the x parameter is disabled
    assert "<option disabled>sl_percent</option>" in y


def test_a_switch_of_run_pushes_the_views_url(client: TestClient, ids) -> None:
    run = ids["btc_newer"]
    response = client.get(f"/explorer/analysis?run_id={run}&x=ma_period&y=sl_percent")
    assert response.headers["HX-Push-Url"] == (
        f"/explorer?run_id={run}&x=ma_period&y=sl_percent&metric=oos_sharpe&agg=max"
    )
    assert selected_run(response.text) == run


def test_every_heatmap_value_is_in_a_table_with_the_traded_cell_marked(
    client: TestClient, ids
) -> None:
    url = f"/explorer?run_id={ids['btc_applied']}&x=ma_period&y=sl_percent&metric=oos_sharpe"
    html = client.get(url).text
    table = re.search(r'<table class="data compact" id="heatmap-values">(.*?)</table>', html, re.S)
    rows = re.findall(r"<tr><th>([\d.]+)</th>(.*?)</tr>", table[1], re.S)
    values = {y: re.findall(r">([-\d.]+)</td>", cells) for y, cells in rows}
    # kit.COMBO_OOS over ma 10, 14 x sl 15, 20, 25; the highest sl on top, as drawn
    assert list(values) == ["25.0", "20.0", "15.0"]
    assert values == {"25.0": ["-0.30", "0.10"], "20.0": ["1.20", "2.10"], "15.0": ["0.40", "0.90"]}
    assert re.findall(r"<td[^>]*data-selected>([^<]+)</td>", table[1]) == ["2.10"]


def test_the_histogram_marks_the_parameters_to_trade(client: TestClient, ids) -> None:
    html = client.get(f"/explorer?run_id={ids['btc_newer']}").text
    figure = html[html.index('<figure id="histogram">') :]
    label = re.search(r'<text class="mark-label"[^>]*>([^<]+)</text>', figure)[1]
    assert label == "parameters to trade 1.40"  # explorer_kit.NEWER_OOS, combo 4


def test_the_explorer_shows_the_research_verdicts_panel(client: TestClient, ids) -> None:
    run = ids["btc_applied"]

    def verdicts(html: str) -> list[str]:
        panel = re.search(
            r'<section class="verdicts level-\w+" id="verdicts">(.*?)</section>', html, re.S
        )
        return re.findall(r'<li class="verdict \w+">.*?</span>([^<]+)</li>', panel[1])

    shown = verdicts(client.get(f"/explorer?run_id={run}").text)
    assert shown[0] == "Grade B (82/100): good, paper trade then live."
    assert shown == verdicts(client.get(f"/research/runs/{run}").text)


def test_a_histogram_mark_is_named_in_text_and_left_out_when_not_a_number() -> None:
    marked = histogram([0.0, 1.0, 2.0, 3.0], bins=3, mark=(1.5, "traded"))
    assert re.findall(r'<text class="mark-label"[^>]*>([^<]+)</text>', marked) == ["traded 1.50"]
    assert 'class="mark"' not in histogram([0.0, 1.0], bins=2, mark=(float("nan"), "traded"))


def test_the_launch_form_starts_on_the_explored_runs_pair(client: TestClient, ids) -> None:
    # ETH, not the first asset in the list (BTC), nor the first strategy (alphabetical)
    html = client.get(f"/explorer?run_id={ids['eth_full']}").text
    launch = html[html.index('<form id="launch"') :]
    launch = launch[: launch.index("</form>")]
    assert "<option selected>grid_atr</option>" in launch
    assert re.search(r"<option[^>]*selected[^>]*>ETH/USDT</option>", launch)
