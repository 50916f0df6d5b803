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
    "research_compare": "/research/compare?a={in_sample_id}&b={other_id}",
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
    runs = {
        "in_sample_run": btc,
        "earlier_run": eth,
        "in_sample_id": btc.rsplit("/", 1)[1],
        "other_id": eth.rsplit("/", 1)[1],
    }
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


def test_a_heatmap_cell_opens_its_pairs_detail(urls: dict[str, str], screen) -> None:
    _load(screen, urls["research"])
    screen.click("#heatmap td[data-pair='grid_atr ETH/USDT'] a")
    screen.wait_for_url(urls["research_detail_earlier_rule"])
    assert screen.inner_text("h1").startswith("grid_atr on ETH/USDT 1h")
    assert screen.locator("#history tbody tr").count() == 1


def test_a_click_on_a_research_row_opens_it(urls: dict[str, str], screen) -> None:
    _load(screen, urls["research"])
    # the asset's cell holds no link: the row itself opens the run
    screen.click("#runs-body tr:has-text('envelope_dca') td:nth-child(2)")
    screen.wait_for_url("**/research/runs/*")
    assert screen.inner_text("h1").startswith("envelope_dca on BTC/USDT 1h")
    assert screen.errors == []


# each filled level of the open grid (its table) and, in the price chart, the fill circle
# titled with its time, the candle of that time and the y axis's ticks
FILL_GEOMETRY = """() => {
  const chart = document.querySelector('#price-chart svg');
  const filled = [...document.querySelectorAll('table.levels tr.filled')].map(tr => ({
    price: tr.children[2].textContent.trim(),
    when: tr.children[4].textContent.trim().replace('filled ', '')}));
  return filled.map(f => {
    const mark = [...chart.querySelectorAll('circle.mark.fill')].find(c =>
      c.querySelector('title').textContent.endsWith(f.when));
    const candle = [...chart.querySelectorAll('g.candle')].find(g =>
      g.querySelector('title').textContent.startsWith(f.when + ':'));
    const box = mark && mark.getBoundingClientRect();
    return {...f, visible: !!box && box.width > 0,
      cx: mark && +mark.getAttribute('cx'), cy: mark && +mark.getAttribute('cy'),
      candle_x: candle && +candle.querySelector('line').getAttribute('x1')};
  });
}"""
Y_TICKS = """() => [...document.querySelectorAll('#price-chart svg text.tick[text-anchor=end]')]
  .map(t => [t.textContent, +t.getAttribute('y') - 4])"""


def test_the_price_chart_shows_each_fill_at_its_time_and_price(
    urls: dict[str, str], screen
) -> None:
    _load(screen, urls["runner"])  # tight's BTC grid: open, its levels filled in the window
    fills = screen.evaluate(FILL_GEOMETRY)
    ticks = [(float(text.replace(",", "")), y) for text, y in screen.evaluate(Y_TICKS)]
    (p0, y0), (p1, y1) = ticks[0], ticks[-1]
    assert fills and p0 != p1
    for f in fills:
        assert f["visible"] and f["cx"] == f["candle_x"], f  # on its candle
        price = float(f["price"].replace(",", ""))
        expected = y0 + (price - p0) * (y1 - y0) / (p1 - p0)  # the axis's scale
        assert abs(f["cy"] - expected) < 0.6, (f, expected)
    assert screen.errors == []


JOURNAL_TYPES = (
    "() => [...document.querySelectorAll('#journal-body td.type')].map(t => t.textContent)"
)
HTMX_IDLE = (
    "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
)
JOURNAL_TEXTS = (
    "() => [...document.querySelectorAll('#journal-body tr[data-seq]')].map(t => t.innerText)"
)


def test_the_journal_filters_by_type_and_runner_in_place(urls: dict[str, str], screen) -> None:
    _load(screen, urls["equity"].replace("/equity", "/equity?portfolio=tight"))
    assert len(set(screen.evaluate(JOURNAL_TYPES))) > 2  # fills, exits, set-up ...
    screen.select_option("#journal-filter select[name=type]", "fill")
    screen.wait_for_function(f"() => ({JOURNAL_TYPES})().every(t => t === 'fill')")
    # the swapped-in form listens once htmx has settled it: a change before is not sent
    screen.wait_for_function(HTMX_IDLE)
    screen.select_option("#journal-filter select[name=runner]", "grid_atr:ETH/USDT")
    screen.wait_for_function(
        f"() => ({JOURNAL_TEXTS})().every(t => t.includes('grid_atr:ETH/USDT long level'))"
    )
    # tight's ETH grid filled levels 0, 1 and 2 (its positions page says so)
    assert len(screen.evaluate(JOURNAL_TEXTS)) == 3
    assert screen.url.endswith("/equity?portfolio=tight") and screen.errors == []


def test_older_adds_the_journals_earlier_rows(urls: dict[str, str], screen) -> None:
    _load(screen, urls["equity"])  # the "paper" portfolio: months of events
    first = screen.locator("#journal-body tr[data-seq]").count()
    screen.click("#journal-body tr.older a")
    screen.wait_for_function(
        f"() => document.querySelectorAll('#journal-body tr[data-seq]').length > {first}"
    )
    rows = "#journal-body tr[data-seq]"
    seqs = screen.evaluate(
        f"() => [...document.querySelectorAll('{rows}')].map(t => +t.dataset.seq)"
    )
    assert seqs == sorted(seqs, reverse=True) and len(seqs) == 2 * first
