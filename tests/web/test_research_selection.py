"""The research pages of issue 11: a run of the in-sample rule shows its stitched OOS equity
curve, each window's selection and what its headline figures are; a run of the earlier rule
renders under a banner, is tagged in the list, the scanner and the Explorer, and is never
applied. Every figure asserted comes from ``tests.web.kit``'s hand-made summaries."""

from __future__ import annotations

import re
from html import unescape

import msgspec
import pytest
from litestar.testing import TestClient

from tests.web import kit
from web.templating import day

HX = {"HX-Request": "true"}


def _section(html: str, element_id: str) -> str:
    """The element with that id, up to its closing tag (tables, figures, sections)."""
    at = html.index(f'id="{element_id}"')
    tag = html[html.rindex("<", 0, at) + 1 : at].split()[0]
    start = html.index(">", at) + 1
    return html[start : html.index(f"</{tag}>", start)]


def _text(html: str) -> str:
    """What a reader sees: tags dropped, white space collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def _cells(row: str) -> list[str]:
    return [_text(t) for t in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


@pytest.fixture
def new_run(client: TestClient, run_ids: list[str]) -> str:
    return client.get(f"/research/runs/{run_ids[0]}").text  # grid_atr BTC/USDT, in-sample rule


@pytest.fixture
def old_run(client: TestClient, run_ids: list[str]) -> str:
    return client.get(f"/research/runs/{run_ids[1]}").text  # grid_atr ETH/USDT, earlier rule


def test_the_stitched_curve_is_drawn_from_the_summary(new_run: str) -> None:
    figure = _section(new_run, "stitched-chart")
    assert (
        "the out-of-sample record of each window's in-sample selection, stitched "
        "(one point per UTC day)" in figure
    )
    assert "Equity from 10000" in figure
    assert (
        'aria-label="stitched out-of-sample equity of each window\'s in-sample selection"' in figure
    )
    # one hover strip per day: 180 OOS days after the first OOS start's point
    hovers = re.findall(r'<rect class="hover"[^>]*><title>([^<]+)</title>', figure)
    assert len(hovers) == kit.STITCHED_DAYS + 1
    assert hovers[0] == f"{day(kit.OOS_START)}: stitched OOS equity 10000.00"
    assert hovers[-1] == (
        f"{day(kit.OOS_START + kit.STITCHED_DAYS * kit.DAY)}: stitched OOS equity 10550.00"
    )
    assert hovers[60] == f"{day(kit.OOS_START + 60 * kit.DAY)}: stitched OOS equity 10400.00"


def test_the_selection_table_lists_each_window_with_its_figures(new_run: str) -> None:
    table = _section(new_run, "selections")
    rows = re.findall(r'<tr data-window="(\d)"[^>]*>(.*?)</tr>', table, re.S)
    assert [int(i) for i, _ in rows] == [0, 1, 2]
    cells = [_cells(row) for _, row in rows]
    assert cells[0] == [
        "1 validation",
        "2023-01-01 → 2023-06-22",
        "7 d",
        "2023-06-30 → 2023-08-28",
        "ma_period=14, sl_percent=20.0",
        "2.90",
        "8.0 %",
        "45",
        "2.90",
        "1.80",
        "4.0 %",
        "40",
        "bull market +25.0 %, largest fall 12.0 %",  # the kit's bull window: +25 %, dd 12 %
    ]
    assert cells[1][4] == "ma_period=10, sl_percent=20.0"  # window 2 selected combo 1
    assert cells[1][5:12] == ["2.20", "6.5 %", "40", "2.20", "2.40", "3.0 %", "35"]
    # the last window: its selection is the parameters to trade; IS score discounted
    # (20 trades: 2.4 x 20 / 30)
    assert cells[2][0] == "3 to trade"
    assert cells[2][1:4] == ["2023-05-01 → 2023-10-20", "7 d", "2023-10-28 → 2023-12-26"]
    assert cells[2][5:13] == [
        "2.40",
        "5.0 %",
        "20",
        "1.60",
        "-0.50",
        "-1.5 %",
        "45",
        "bear market -22.0 %, largest fall 12.0 %",
    ]
    assert re.search(r'<tr data-window="2" class="best">', table)
    assert 'title="combo 4: ma_period=14, sl_percent=20.0, num_levels=3"' in table
    # on a phone the table scrolls inside its box instead of widening the page
    assert 'class="scroll" id="selections-scroll"' in new_run


def test_the_headline_says_what_each_figure_is(new_run: str) -> None:
    headline = _section(new_run, "headline")
    text = _text(headline)
    assert "OOS Sharpe 2.10 (stitched)" in text
    assert "mean of the windows' OOS Sharpes 1.23" in text
    assert "IS Sharpe 2.50 (mean of the selections)" in text
    assert "OOS return 5.5 %" in text and "OOS trades 120" in text
    assert "Embargo 7 days" in text
    assert "Parameters to trade: the selection of the most recent window (window 3)." in text
    assert (
        "Stability and transfer measured on window 1, periods the parameters to trade were "
        "not chosen on." in text
    )
    assert "earlier-rule" not in new_run


def test_the_window_chart_plots_the_selected_combination(new_run: str) -> None:
    figure = _section(new_run, "window-chart")
    assert 'aria-label="IS vs OOS Sharpe of each window\'s selected combination"' in figure
    points = re.findall(r"<title>([^<]+)</title></circle>", figure)
    assert points == [
        "IS Sharpe (selected) w1 2023-06-30: 2.90",
        "IS Sharpe (selected) w2 2023-08-29: 2.20",
        "IS Sharpe (selected) w3 2023-10-28: 2.40",
        "OOS Sharpe (selected) w1 2023-06-30: 1.80",
        "OOS Sharpe (selected) w2 2023-08-29: 2.40",
        "OOS Sharpe (selected) w3 2023-10-28: -0.50",
    ]
    assert "of each window's selected combination</h2>" in unescape(new_run)


def test_the_parameters_to_trade_are_named_so(new_run: str) -> None:
    assert ">Parameters to trade</abbr></h2>" in new_run
    assert ">Best parameters</abbr>" not in new_run


@pytest.mark.parametrize(
    "key", ["stitched OOS", "selection (in-sample)", "embargo", "parameters to trade"]
)
def test_the_new_terms_are_explained_on_the_page(new_run: str, key: str) -> None:
    from web.glossary import GLOSSARY

    assert GLOSSARY[key]
    assert f'title="{GLOSSARY[key][:30]}' in unescape(new_run)


def test_a_run_of_the_earlier_rule_renders_under_a_banner(old_run: str) -> None:
    banner = _section(old_run, "earlier-rule")
    text = _text(banner)
    assert text.startswith(
        "Computed with the earlier rule (the best combination was chosen on its "
        "out-of-sample results): its figures are optimistic; re-run scalp-radar optimize."
    )
    assert 'id="stitched-chart"' not in old_run and 'id="selections"' not in old_run
    assert 'id="headline"' not in old_run
    # the old windows table and chart still show what was recorded
    windows = _section(old_run, "windows")
    assert len(re.findall(r"<tr><td>\d</td>", windows)) == 3
    assert "OOS Sharpe w3 2023-10-28: -0.50" in old_run
    assert ">Best parameters</abbr>" in old_run
    assert '<span class="tag rule">' in old_run  # beside the grade


def test_an_old_run_of_a_good_grade_says_why_it_cannot_be_applied(tmp_path) -> None:
    from adapters.services.engine import Engine
    from adapters.store.home import Home
    from config.loader import load_settings
    from web.app import create_app

    engine = Engine(Home(tmp_path))
    try:
        run_id = engine.research.record_run(kit.old_summary(grade="A", score=95.0))
        engine.project()
        with TestClient(app=create_app(engine, "k", settings=load_settings())) as client:
            html = client.get(f"/research/runs/{run_id}").text
        assert re.search(r'<button type="submit" class="primary" disabled[^>]*>Apply these', html)
        assert (
            "graded with the earlier rule (the best combination was chosen on its "
            "out-of-sample results, so its figures are optimistic): re-run optimize." in html
        )
    finally:
        engine.close()


def test_the_list_tags_runs_of_the_earlier_rule(client: TestClient) -> None:
    html = client.get("/research").text
    rows = re.findall(r'<tr data-run="[^"]+">(.*?)</tr>', html, re.S)
    tagged = [(_cells(r)[0], _cells(r)[1], ">earlier rule</span>" in r) for r in rows]
    assert tagged == [
        ("envelope_dca", "BTC/USDT", False),
        ("grid_atr", "BTC/USDT", False),
        ("grid_atr", "ETH/USDT", True),
    ]
    assert _cells(rows[2])[2] == "D earlier rule"
    caption = _text(_section(html, "earlier-note"))
    assert caption.startswith(
        "1 result tagged earlier rule was computed with the earlier rule (the best combination "
        "was chosen on its out-of-sample results): its figures are optimistic"
    )
    # the htmx fragment (filters, sorting) keeps the tag and the note
    fragment = client.get("/research?grade=D", headers=HX).text
    assert 'id="earlier-note"' in fragment and ">earlier rule</span>" in fragment
    assert 'id="earlier-note"' not in client.get("/research?grade=B", headers=HX).text


def test_the_explorer_labels_the_score_as_a_view(client: TestClient, run_ids: list[str]) -> None:
    html = client.get(f"/explorer/analysis?run_id={run_ids[0]}").text
    assert ">OOS robustness score</abbr></h3>" in html
    note = _text(_section(html, "top10-note"))
    assert note == (
        "The seed's cross-window view of OOS results, not the selection: each window selects "
        "on its in-sample score, and the parameters to trade (ma_period=14, sl_percent=20.0) "
        "are the most recent window's selection."
    )
    top = _section(html, "top10")
    # selected in: combo 4 by two of the three windows, combo 1 by one
    rows = re.findall(r"<tr[^>]*><td>\d+</td>(.*?)</tr>", top, re.S)
    assert [_cells(r)[-1] for r in rows] == ["2 / 3", "1 / 3", "0 / 3", "0 / 3", "0 / 3", "0 / 3"]
    assert "ma_period=14, sl_percent=20.0 parameters to trade" in _cells(rows[0])[0]
    assert "large dot: <abbr" in html and ">parameters to trade</abbr></figcaption>" in html
    # the scatter's tooltips name the parameters to trade and how many windows selected them
    assert (
        "ma_period=14, sl_percent=20.0 (parameters to trade) selected in 2 of the windows "
        "IS Sharpe 2.50, OOS Sharpe 2.10" in html
    )
    assert '<option value="score">OOS robustness score</option>' in html


def test_the_explorer_of_an_old_run_keeps_best_and_no_selection_counts(
    client: TestClient, run_ids: list[str]
) -> None:
    html = client.get(f"/explorer?run_id={run_ids[1]}").text
    assert ">selected in</abbr>" not in html
    assert ">earlier rule</abbr></span>" in html  # beside the grade of the run explored
    top = _section(html, "top10")
    assert '<span class="tag">best</span>' in top


def test_the_page_says_how_a_windows_return_is_measured(new_run: str) -> None:
    assert (
        "A window's OOS return: the selection traded from a fresh account of 10000 over the "
        "window's out-of-sample span, its equity at the end over that capital, minus 1."
    ) in _text(new_run)
    assert "before liquidation" not in _text(_section(new_run, "selections"))


def test_a_window_below_minus_100_percent_is_labelled_from_before_liquidation(
    tmp_path, empty_client: TestClient
) -> None:
    """A run stored before liquidation and the ruin guard: window 1 lost 130 % of its capital,
    which a run today cannot."""
    run = kit.summary("bollinger_mr", "SOL/USDT", "F", 20.0, 0.5)
    lost = msgspec.structs.replace(run.windows[0], oos_return_pct=-130.0)
    engine = empty_client.app.state.engine
    run_id = engine.research.record_run(
        msgspec.structs.replace(run, windows=[lost, *run.windows[1:]])
    )
    engine.project()
    table = _section(empty_client.get(f"/research/runs/{run_id}").text, "selections")
    first = _cells(re.search(r'<tr data-window="0"[^>]*>(.*?)</tr>', table, re.S)[1])
    assert first[10] == "-130.0 % before liquidation"


def test_the_glossary_states_the_regime_rule_crash_first(new_run: str) -> None:
    assert (
        "checked in this order: crash (the closes fall more than 30 % from a peak to a trough "
        "less than 14 days later, even if the window ends higher)"
    ) in unescape(new_run)
