"""Route tests: every page renders, filters and sorting, result detail, explorer figures,
bad input as 400 with its reason, and the API key on commands."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

from tests.web.conftest import API_KEY
from web.auth import MISSING, NOT_CONFIGURED, WRONG

HX = {"HX-Request": "true"}


def row_pairs(html: str) -> list[tuple[str, str]]:
    """(strategy, symbol) of each result row, in page order."""
    return re.findall(
        r'<tr data-run="[^"]+">\s*<td><a [^>]+>([^<]+)</a></td>\s*<td>([^<]+)</td>', html
    )


@pytest.mark.parametrize(
    "url", ["/scanner", "/positions", "/equity", "/live", "/research", "/explorer", "/status"]
)
def test_every_page_renders(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]


def test_home_redirects_to_research(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert (
        response.status_code in (301, 302, 307, 308) and response.headers["location"] == "/research"
    )


@pytest.mark.parametrize("url", ["/scanner", "/positions", "/equity"])
def test_paper_pages_without_a_portfolio_say_how_to_get_one(client: TestClient, url: str) -> None:
    assert "No paper portfolio yet" in client.get(url).text


def test_layout_links_every_screen_and_loads_htmx_from_our_server(client: TestClient) -> None:
    html = client.get("/research").text
    for href in ("/scanner", "/positions", "/equity", "/live", "/research", "/explorer"):
        assert f'href="{href}"' in html
    assert '<script src="/static/vendor/htmx/htmx.min.js"' in html
    assert "https://" not in html  # nothing from a CDN


def test_vendored_scripts_are_the_pinned_npm_files(client: TestClient) -> None:
    htmx = client.get("/static/vendor/htmx/htmx.min.js")
    sse = client.get("/static/vendor/htmx-ext-sse/sse.min.js")
    assert htmx.status_code == sse.status_code == 200
    assert 'version:"2.0.11"' in htmx.text.replace(" ", "")
    assert "sse-connect" in sse.text


def test_engine_offline_when_no_paper_process_ever_ran(client: TestClient) -> None:
    assert "engine offline — no paper state yet" in client.get("/research").text


def test_newest_run_per_pair_sorted_by_score_by_default(client: TestClient) -> None:
    pairs = row_pairs(client.get("/research").text)
    # scores 93 (envelope BTC), 82 (grid_atr BTC), 61 (grid_atr ETH); the older ETH F run hidden
    assert pairs == [
        ("envelope_dca", "BTC/USDT"),
        ("grid_atr", "BTC/USDT"),
        ("grid_atr", "ETH/USDT"),
    ]


def test_sorting_by_a_column_both_ways(client: TestClient) -> None:
    asc = row_pairs(client.get("/research?sort=oos_sharpe&dir=asc").text)
    assert asc == [("grid_atr", "ETH/USDT"), ("envelope_dca", "BTC/USDT"), ("grid_atr", "BTC/USDT")]
    desc = row_pairs(client.get("/research?sort=oos_sharpe&dir=desc").text)
    assert desc == asc[::-1]


def test_missing_values_sort_last_whatever_the_direction(client: TestClient) -> None:
    for direction in ("asc", "desc"):
        pairs = row_pairs(client.get(f"/research?sort=dsr&dir={direction}").text)
        assert pairs[-1] == ("envelope_dca", "BTC/USDT")  # its DSR is unknown


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("grade=B", [("grid_atr", "BTC/USDT")]),
        ("strategy=grid_atr", [("grid_atr", "BTC/USDT"), ("grid_atr", "ETH/USDT")]),
        ("symbol=BTC/USDT", [("envelope_dca", "BTC/USDT"), ("grid_atr", "BTC/USDT")]),
        ("strategy=grid_atr&grade=A", []),
    ],
)
def test_filters(client: TestClient, query: str, expected) -> None:
    assert row_pairs(client.get(f"/research?{query}").text) == expected


def test_htmx_request_gets_only_the_table(client: TestClient) -> None:
    html = client.get("/research?grade=D", headers=HX).text
    assert html.lstrip().startswith('<table id="runs-table"') and "<html" not in html
    assert row_pairs(html) == [("grid_atr", "ETH/USDT")]
    # the sort links keep the filter, and offer the other direction for the sorted column
    assert "grade=D&amp;sort=score&amp;dir=asc" in html


def test_no_match_says_so(client: TestClient) -> None:
    assert "No walk-forward results match these filters" in client.get("/research?grade=C").text


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("sort=bogus", "sort: must be one of"),
        ("dir=up", "dir: must be one of asc, desc, got 'up'"),
        ("grade=Z", "grade: must be one of A, B, C, D, F, got 'Z'"),
        ("strategy=" + "x" * 65, "strategy: not a valid name"),
    ],
)
def test_bad_query_is_400_with_the_reason(client: TestClient, query: str, reason: str) -> None:
    response = client.get(f"/research?{query}")
    assert response.status_code == 400 and reason in response.text


def test_result_detail(client: TestClient, run_ids: list[str]) -> None:
    html = client.get(f"/research/runs/{run_ids[0]}").text  # grid_atr BTC/USDT
    best = re.search(r'<table class="data compact" id="best-params">(.*?)</table>', html, re.S)
    assert best and re.findall(r"<th>(\w+)</th><td class=\"num\">([^<]+)</td>", best[1]) == [
        ("ma_period", "14"),
        ("sl_percent", "20.0"),
        ("num_levels", "3"),
    ]
    assert "16.4 / 20" in html  # the OOS/IS criterion: 82 % of its 20 points (kit._derived)
    # regime table: one window each; avg OOS Sharpe bull 1.80, bear -0.50, range 2.40
    regimes = re.findall(
        r"<tr><th>(\w+)</th><td class=\"num\">1</td><td class=\"num\">([-\d.]+)", html
    )
    assert regimes == [("bull", "1.80"), ("bear", "-0.50"), ("range", "2.40")]
    # the recorded verdicts first (the grading rules over the kit's figures: windows returns
    # 4, 3, -1.5; IS 2.5 vs OOS 2.1; combo OOS Sharpes 0.4 1.2 -0.3 0.9 2.1 0.1; 120 trades),
    # then the dashboard's: MC, DSR, transfer, regimes
    verdicts = re.findall(r'<li class="verdict (\w+)"><span[^>]*></span>([^<]+)</li>', html)
    assert verdicts == [
        ("ok", "Grade B (82/100): good, paper trade then live."),
        ("warn", "Profitable in 2/3 OOS windows (67%)."),
        ("ok", "Out of sample keeps 84% of the in-sample Sharpe (2.10 vs 2.50)."),
        (
            "ok",
            "OOS Sharpe of the 6 combos: 33% &gt; 1, 50% &gt; 0.5, 83% &gt; 0: a structural edge, "
            "most parameter sets work.",
        ),
        ("ok", "120 OOS trades."),
        ("ok", "Unlikely to be chance: Monte Carlo p = 0.010."),
        (
            "ok",
            "After trying 6 combinations, the probability that the true Sharpe is positive is 97%.",
        ),
        ("ok", "The edge carries over to the perpetual (60% of the Sharpe)."),
        (
            "warn",
            "Mean-reversion profile: works in range markets (Sharpe 2.40), loses in bear markets.",
        ),
    ]
    assert 'class="verdicts level-warn"' in html
    # IS vs OOS per window of each window's selection: 2 series x 3 windows, hover values
    assert html.count('class="point"') == 6 and "OOS Sharpe (selected) w3 2023-10-28: -0.50" in html


def test_result_detail_explains_terms(client: TestClient, run_ids: list[str]) -> None:
    html = client.get(f"/research/runs/{run_ids[0]}").text
    for key in ("DSR", "Monte Carlo p-value", "regime", "consistency", "OOS", "IS"):
        assert f">{key}</abbr>" in html


def test_stability_and_score_each_have_one_meaning(client: TestClient, run_ids: list[str]) -> None:
    """kit.summary: stability variance 0.05 (0 is best), stability score 0.8 (1 is best), 82
    grade points; the Explorer's 0-ish figures are its "OOS robustness score"."""
    html = client.get(f"/research/runs/{run_ids[0]}").text
    criteria = html[html.index('id="criteria"') :]
    assert re.search(r">stability variance</abbr></th>\s*<td class=\"num\">0.05</td>", criteria)
    assert re.search(r">stability score</abbr></th><td class=\"num\">0.80</td>", html)
    assert ">stability</abbr>" not in html.replace(">Stability</abbr>", "")
    assert ">Grade points</abbr> 82.0/100" in html
    research = client.get("/research").text
    assert ">Points</abbr>" in research and ">Score</abbr>" not in research


def test_unknown_result_is_404(client: TestClient) -> None:
    response = client.get("/research/runs/nope")
    assert response.status_code == 404 and "no walk-forward result 'nope'" in response.text


def test_explorer_figures_of_a_run(client: TestClient, run_ids: list[str]) -> None:
    url = f"/explorer/analysis?run_id={run_ids[0]}&x=ma_period&y=sl_percent&metric=oos_sharpe"
    html = client.get(url).text
    cells = re.findall(r'<rect class="cell"[^>]*><title>([^<]+)</title>', html)
    assert len(cells) == 6
    assert "ma_period=14, sl_percent=20.0: max oos_sharpe 2.10" in cells
    assert "ma_period=10, sl_percent=25.0: max oos_sharpe -0.30" in cells
    top = re.search(r'<table class="data compact" id="top10">(.*?)</table>', html, re.S)
    ranks = re.findall(r"<td>\d+</td>\s*<td>([^<]+?)\s*(?:<span|</td>)", top[1])
    # scores 1.9, 1.0, 0.8, 0.3, 0.0, -0.5: combos 4, 1, 3, 0, 5, 2
    assert ranks == [
        "ma_period=14, sl_percent=20.0",
        "ma_period=10, sl_percent=20.0",
        "ma_period=14, sl_percent=15.0",
        "ma_period=10, sl_percent=15.0",
        "ma_period=14, sl_percent=25.0",
        "ma_period=10, sl_percent=25.0",
    ]
    assert html.count('<circle class="point') == 6 and html.count('class="point best"') == 1
    assert html.count('<rect class="bar"') == 6  # min(20, 6 combos) bins


def test_explorer_opens_on_the_newest_runs_pair(client: TestClient, run_ids: list[str]) -> None:
    html = client.get("/explorer").text
    assert f'href="/research/runs/{run_ids[2]}"' in html  # envelope_dca BTC, recorded last


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("x=nope", "x: must be one of"),
        ("metric=pnl", "metric: must be one of"),
        ("agg=median", "agg: must be one of max, mean"),
    ],
)
def test_explorer_bad_choice_is_400(client: TestClient, run_ids, query: str, reason: str) -> None:
    response = client.get(f"/explorer/analysis?run_id={run_ids[0]}&{query}")
    assert response.status_code == 400 and reason in response.text


def test_combo_count_follows_fixed_parameters(client: TestClient) -> None:
    def count(query: str) -> str:
        return re.search(
            r"<strong>([\d,]+)</strong>", client.get(f"/explorer/combos?{query}").text
        )[1]

    # grid_atr: 4 x 3 x 5 x 3 x 3 x 6 = 3240
    assert count("strategy=grid_atr") == "3,240"
    assert count("strategy=grid_atr&p_ma_period=10") == "810"
    assert count("strategy=grid_atr&p_ma_period=10&p_sl_percent=15.0&p_num_levels=*") == "135"


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("strategy=nope", "strategy: must be one of"),
        ("strategy=grid_atr&p_ma_period=11", "p_ma_period: '11' is not a value of the grid"),
        ("strategy=grid_atr&p_colour=red", "p_colour: 'colour' is not a parameter"),
        ("", "strategy: is required"),
    ],
)
def test_combo_count_bad_input_is_400(client: TestClient, query: str, reason: str) -> None:
    response = client.get(f"/explorer/combos?{query}")
    assert response.status_code == 400 and reason in response.text


def test_strategy_form_lists_that_strategy_parameters(client: TestClient) -> None:
    html = client.get("/explorer/form?strategy=envelope_dca", headers=HX).text
    assert re.findall(r'name="(p_\w+)"', html) == [
        "p_ma_period",
        "p_num_levels",
        "p_envelope_start",
        "p_envelope_step",
        "p_sl_percent",
    ]
    assert "<strong>324</strong>" in html


@pytest.mark.parametrize(("headers", "reason"), [({}, MISSING), ({"X-API-Key": "wrong"}, WRONG)])
def test_commands_need_the_right_key(client: TestClient, headers, reason: str) -> None:
    form = {"strategy": "grid_atr", "symbol": "BTC/USDT"}
    launch = client.post("/explorer/jobs", data=form, headers=headers)
    cancel = client.post("/explorer/jobs/abc/cancel", headers=headers)
    assert (launch.status_code, launch.text) == (403, reason)
    assert (cancel.status_code, cancel.text) == (403, reason)


def test_with_the_key_the_command_is_accepted_and_checks_its_input(client: TestClient) -> None:
    key = {"X-API-Key": API_KEY}
    bad = client.post(
        "/explorer/jobs", data={"strategy": "nope", "symbol": "BTC/USDT"}, headers=key
    )
    assert bad.status_code == 400 and "strategy: must be one of" in bad.text
    # no candles in this home: refused before any work, naming the reason
    none = client.post(
        "/explorer/jobs", data={"strategy": "grid_atr", "symbol": "BTC/USDT"}, headers=key
    )
    assert none.status_code == 400 and "grid_atr on BTC/USDT" in none.text
    missing = client.post("/explorer/jobs/abc/cancel", headers=key)
    assert missing.status_code == 404


def test_without_a_configured_key_commands_are_refused(empty_client: TestClient) -> None:
    response = empty_client.post(
        "/explorer/jobs", data={"strategy": "grid_atr"}, headers={"X-API-Key": "anything"}
    )
    assert (response.status_code, response.text) == (403, NOT_CONFIGURED)


def test_empty_read_model_pages_still_render(empty_client: TestClient) -> None:
    assert "No walk-forward results yet" in empty_client.get("/research").text
    html = empty_client.get("/explorer").text
    assert "No walk-forward result yet" in html and "No market data stored" in html
    assert "commands disabled" in html
