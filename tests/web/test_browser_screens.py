"""Every page in Debian's chromium at a phone's width (390x844) and a desktop's (1440x900), over
the paper kit (two portfolios, research runs of both rules): no page is wider than the screen,
none logs a script error, chart text stays readable on the phone, the header stays short, and a
glossary term or a chart value opens on tap. Screenshots of every page at both sizes go to
``test-artifacts/`` (gitignored)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.conftest import paper_copy
from tests.web.serving import serving
from tests.web.test_browser import CSP_WATCH, VIEWPORTS, browser  # noqa: F401 (fixture)

API_KEY = "browser-screens-key"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = pytest.mark.browser

PAGES = {
    "scanner": "/scanner?portfolio=tight",
    "positions": "/positions?portfolio=tight",
    "equity": "/equity",
    "runner": "/positions/detail?portfolio=tight&key=grid_atr:BTC/USDT",
    "live": "/live",
    "research": "/research",
    "research_detail": "{in_sample_run}",
    "research_detail_earlier_rule": "{earlier_run}",
    "explorer": "/explorer?run_id={in_sample_id}",
}


@pytest.fixture(scope="module")
def server(paper_source, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home, config = paper_copy(paper_source, tmp_path_factory.mktemp("browser_screens"))
    with serving(home, config, API_KEY) as base:
        yield base


@pytest.fixture(scope="module")
def urls(server: str, browser) -> dict[str, str]:  # noqa: F811
    """Each page's URL; the research runs' from the research table (kit.RUNS: BTC's grid_atr run
    is of the in-sample rule, ETH's of the earlier rule)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/research")
    btc = page.get_attribute("#runs-body tr:has-text('BTC/USDT') a:text('grid_atr')", "href")
    eth = page.get_attribute("#runs-body tr:has-text('ETH/USDT') a", "href")
    context.close()
    runs = {"in_sample_run": btc, "earlier_run": eth, "in_sample_id": btc.rsplit("/", 1)[1]}
    return {name: server + path.format(**runs) for name, path in PAGES.items()}


@pytest.fixture(params=sorted(VIEWPORTS))
def screen(request, browser) -> Iterator:  # noqa: F811
    """A page of that screen's size, recording script errors and policy violations."""
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True)
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.screen_name = request.param
    yield page
    context.close()


def _load(page, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("networkidle")


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}_{page.screen_name}.png"), full_page=True)


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_fits_the_screen_without_a_script_error(
    urls: dict[str, str], screen, name: str
) -> None:
    _load(screen, urls[name])
    width = screen.viewport_size["width"]
    _shot(screen, name)
    assert screen.evaluate("document.documentElement.scrollWidth") <= width, name
    assert screen.evaluate("document.body.scrollWidth") <= width, name
    assert screen.evaluate("window.cspViolations") == [] and screen.errors == []


# the rendered size of a chart's text: its font size times the SVG's scale on screen
CHART_TEXT_PX = """() => [...document.querySelectorAll('svg.chart text')].map(t =>
  parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a)"""


@pytest.mark.parametrize("name", ["equity", "research_detail", "explorer"])
def test_chart_text_is_readable_on_a_phone(urls: dict[str, str], browser, name: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        _load(page, urls[name])
        sizes = page.evaluate(CHART_TEXT_PX)
        assert sizes and min(sizes) >= 10, (name, min(sizes or [0]))
        # no chart is cut by its column: each figure's chart fits or scrolls in its own box
        clipped = page.evaluate(
            "() => [...document.querySelectorAll('figure')].filter(f =>"
            " f.getBoundingClientRect().right > document.documentElement.clientWidth).length"
        )
        assert clipped == 0
    finally:
        context.close()


def test_the_header_folds_on_a_phone(urls: dict[str, str], browser) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        _load(page, urls["scanner"])
        height = page.evaluate("document.querySelector('header.top').offsetHeight")
        assert height <= 844 // 8, height  # a fifth of the screen before
    finally:
        context.close()


def test_a_glossary_term_opens_on_tap(urls: dict[str, str], browser) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    try:
        _load(page, urls["scanner"])
        page.tap("#scanner thead abbr.term:text('Grade')")
        tip = page.locator("#tip")
        assert tip.is_visible() and tip.inner_text().startswith("Grade: A to F from 100 points")
        page.tap("h1")
        assert not tip.is_visible()
        assert page.evaluate("window.cspViolations") == []
    finally:
        context.close()


def test_a_chart_value_opens_on_tap(urls: dict[str, str], browser) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    try:
        _load(page, urls["research_detail"])
        page.locator("#window-chart circle.point").first.tap()
        tip = page.locator("#tip")
        assert tip.is_visible()
        # kit.WINDOWS: window 1's selection has an IS Sharpe of 2.9, its OOS starts 2023-06-30
        assert tip.inner_text() == "IS Sharpe (selected) w1 2023-06-30: 2.90"
    finally:
        context.close()
