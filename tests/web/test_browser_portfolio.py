"""The Portfolio page in Debian's chromium, at a desktop's and a phone's width: a small run
launched from the form with the key, its progress then its result, the comparator of two
runs; no console error nor policy violation, the page never scrolls sideways (screenshots in
test-artifacts/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.services.engine import Engine
from adapters.store.home import Home
from tests.adapters.paper_kit import make_config, make_home
from tests.domain.portfolio_kit import portfolio_report, portfolio_settings
from tests.web.serving import serving
from tests.web.test_browser import CSP_WATCH, VIEWPORTS, browser  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser
API_KEY = "browser-portfolio-key"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browser_portfolio")
    home = make_home(root)
    engine = Engine(Home(home))
    engine.portfolio_runs.record_run(portfolio_settings(1000.0), portfolio_report(4.5))
    engine.close()  # serve projects it at start
    with serving(home, make_config(root, "BTC/USDT"), API_KEY) as base:
        yield base


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("screen", sorted(VIEWPORTS))
def test_launch_a_run_see_it_then_compare_two(
    server: str,
    browser,  # noqa: F811
    screen: str,
) -> None:
    width, height = VIEWPORTS[screen]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(server + "/")
        page.click("header nav a:text('Portfolio')")
        page.wait_for_url(server + "/portfolio")
        _fits(page, width)
        before = page.locator("#portfolio-runs tbody tr").count()
        page.fill("#api-key", API_KEY)
        page.check("input[name='strategy_grid_atr']")
        for asset in ("BTC/USDT", "ETH/USDT"):  # two runners
            page.check(f"input[name='asset_{asset}']")
        page.fill("input[name=days]", "20")
        page.click("#portfolio-launch button[type=submit]")
        # the panel follows the job over SSE, then links its result; the list gains the run
        page.wait_for_selector("#portfolio-job[sse-connect]")
        assert "2 runners on 10,000" in page.inner_text("#portfolio-job")
        page.wait_for_selector("#portfolio-job .state[data-state='done']", timeout=120_000)
        assert "480/480 candle times" in page.inner_text("#portfolio-job")
        page.wait_for_function(
            f"() => document.querySelectorAll('#portfolio-runs tbody tr').length > {before}"
        )
        _fits(page, width)
        _shot(page, f"portfolio_launched_{screen}")
        page.click("#portfolio-result")
        page.wait_for_selector("#drawdown-chart svg")
        assert page.locator("#runners tbody tr").count() == 2
        assert page.inner_text("#m-return_pct").strip().endswith("%")
        _fits(page, width)
        _shot(page, f"portfolio_run_{screen}")
        page.goto(server + "/portfolio")
        boxes = page.locator("#portfolio-runs input[name=runs]")
        boxes.nth(0).check()
        boxes.last.check()  # the hand-made run, recorded first
        page.click("#portfolio-runs button[type=submit]")
        page.wait_for_selector("#normalised-chart svg")
        assert page.locator("#comparison tbody tr").count() > 10
        assert page.locator("#normalised-chart svg text.legend").count() == 2
        _fits(page, width)
        _shot(page, f"portfolio_compare_{screen}")
        assert page.evaluate("window.cspViolations") == []
        assert errors == []
    finally:
        context.close()
