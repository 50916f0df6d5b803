"""Research at a glance (issue 18 part 3): the strategy x asset heatmap, every run of a pair,
and two runs side by side, over ``kit.populated_home`` (BTC: grid_atr B 82, envelope_dca A 93;
ETH: grid_atr F 10 then D 61 of the earlier rule)."""

from __future__ import annotations

import re
import uuid

from litestar.testing import TestClient

from web.research import comparison


def cells(html: str) -> dict[str, str]:
    """Each heatmap cell's text by its pair: "grade points" or "not researched"."""
    found = re.findall(r'<td class="cell[^"]*" data-pair="([^"]+)">(.*?)</td>', html, re.S)
    return {pair: " ".join(re.sub(r"<[^>]+>", " ", text).split()) for pair, text in found}


def test_the_heatmap_shows_each_pairs_newest_grade_and_points(client: TestClient) -> None:
    html = client.get("/research").text
    assert cells(html) == {
        "envelope_dca BTC/USDT": "A 93",
        "envelope_dca ETH/USDT": "not researched",
        "grid_atr BTC/USDT": "B 82",
        "grid_atr ETH/USDT": "D 61",  # not the older F
    }


def test_a_heatmap_cell_is_coloured_by_grade_and_opens_the_pairs_run(
    client: TestClient, run_ids: list[str]
) -> None:
    html = client.get("/research").text
    cell = re.search(
        r'<td class="cell (heat-\w)" data-pair="grid_atr ETH/USDT"><a href="([^"]+)"', html
    )
    assert cell and cell.groups() == ("heat-D", f"/research/runs/{run_ids[1]}")


def test_the_heatmap_keeps_every_pair_when_the_table_is_filtered(client: TestClient) -> None:
    assert len(cells(client.get("/research?symbol=ETH/USDT").text)) == 4


def test_a_run_lists_every_run_of_its_pair_newest_first(
    client: TestClient, run_ids: list[str]
) -> None:
    html = client.get(f"/research/runs/{run_ids[1]}").text  # grid_atr ETH, the D
    history = html[html.index('id="history"') : html.index("</table>", html.index('id="history"'))]
    rows = re.findall(r'>(run \d)</a>.*?grade-(\w)".*?<td class="num">(\d+)</td>', history, re.S)
    assert rows == [("run 2", "D", "61"), ("run 1", "F", "10")]
    assert history.count('class="compare"') == 1  # the shown run is not compared with itself


def test_the_history_compares_the_shown_run_with_another(
    client: TestClient, run_ids: list[str]
) -> None:
    html = client.get(f"/research/runs/{run_ids[1]}").text
    link = re.search(r'<a class="compare" href="([^"]+)"', html)
    compare = client.get(link[1].replace("&amp;", "&"))
    assert compare.status_code == 200
    heads = re.findall(r'<th id="run-\d"><a href="/research/runs/([^"]+)"', compare.text)
    assert heads[0] == run_ids[1] and heads[1] not in run_ids  # the F, recorded before RUNS


def test_two_runs_side_by_side_flag_what_differs(client: TestClient, run_ids: list[str]) -> None:
    html = client.get(f"/research/compare?a={run_ids[0]}&b={run_ids[2]}").text
    rows = dict(re.findall(r'<tr data-figure="(\w+)">.*?</th>(.*?)</tr>', html, re.S))
    # grid_atr BTC: 82 points, OOS Sharpe 2.10, DSR 0.97; envelope_dca BTC: 93, 1.50, no DSR
    assert rows["score"] == '<td class="num differs">82.0</td><td class="num differs">93.0</td>'
    assert rows["dsr"] == '<td class="num differs">0.970</td><td class="num differs">n/a</td>'
    assert rows["is_sharpe"] == '<td class="num">2.50</td><td class="num">2.50</td>'


def test_comparison_rows_cover_both_runs_parameters() -> None:
    rows = comparison(
        {"best_params": {"ma": 7, "sl": 20.0}}, {"best_params": {"ma": 7, "levels": 3}}
    )["params"]
    assert rows == [
        {"name": "ma", "a": 7, "b": 7, "differs": False},
        {"name": "sl", "a": 20.0, "b": None, "differs": True},
        {"name": "levels", "a": None, "b": 3, "differs": True},
    ]


def test_compare_refuses_a_bad_id_and_does_not_find_an_unknown_one(
    client: TestClient, run_ids: list[str]
) -> None:
    bad = client.get(f"/research/compare?a={run_ids[0]}&b=nope")
    assert bad.status_code == 400 and "b: not a run id" in bad.text
    unknown = client.get(f"/research/compare?a={uuid.uuid4()}&b={run_ids[0]}")
    assert unknown.status_code == 404 and "a: no walk-forward result" in unknown.text
