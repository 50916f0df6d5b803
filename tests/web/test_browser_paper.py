"""Paper pages in Debian's chromium: no console errors (screenshots in var/screenshots), a
scanner row opens its grid, the kill-switch reset is refused without the key and shows its
outcome with it, the journal row it causes arrives over SSE without a reload, and so does the
positions page's kill-switch status after a reset sent from elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.web.conftest import paper_copy
from tests.web.serving import serving
from tests.web.test_browser import browser, page, shot  # noqa: F401 (fixtures)

API_KEY = "browser-paper-key"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(paper_source, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home, config = paper_copy(paper_source, tmp_path_factory.mktemp("browser_paper"))
    with serving(home, config, API_KEY) as base:
        yield base


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/scanner?portfolio=tight", "paper_scanner"),
        ("/positions?portfolio=tight", "paper_positions"),
        ("/equity", "paper_equity"),
        ("/positions/detail?portfolio=tight&key=grid_atr:ETH/USDT", "paper_runner"),
    ],
)
def test_paper_page_loads_without_console_errors(server: str, page, path: str, name: str) -> None:  # noqa: F811
    response = page.goto(server + path)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert "engine offline — last state at" in page.inner_text("#engine-status")
    shot(page, name)
    assert page.errors == []


def test_choosing_a_portfolio_loads_its_page(server: str, page) -> None:  # noqa: F811
    """The portfolio list submits on change through app.js (the CSP refuses inline handlers)."""
    page.goto(server + "/scanner")
    page.select_option("select[name=portfolio]", "tight")
    page.wait_for_url(re.compile(r"/scanner\?portfolio=tight$"))
    assert page.locator("select[name=portfolio] option[selected]").inner_text() == "tight"
    assert page.errors == []


def test_the_chosen_portfolio_stays_across_the_navigation(server: str, page) -> None:  # noqa: F811
    """tight stopped at 2025-01-07 23:00 UTC (the kit), paper four months later."""
    page.goto(server + "/equity")
    page.select_option("select[name=portfolio]", "tight")
    page.wait_for_url(re.compile(r"/equity\?portfolio=tight$"))
    page.click("header nav a:text-is('Research')")
    page.wait_for_url(re.compile(r"/research\?portfolio=tight$"))
    page.click("header nav a:text-is('Positions')")
    page.wait_for_url(re.compile(r"/positions\?portfolio=tight$"))
    assert page.locator("select[name=portfolio] option[selected]").inner_text() == "tight"
    badge = "engine offline — last state at 2025-01-07 23:00 UTC"
    assert page.inner_text("#engine-status") == badge
    # the badge's poll, run now: the URL it polls carries the portfolio too
    page.evaluate(
        "() => htmx.ajax('GET', document.getElementById('engine-status').getAttribute('hx-get'),"
        " {target: '#engine-status', swap: 'innerHTML'})"
    )
    assert page.inner_text("#engine-status") == badge and page.errors == []


def test_a_404_on_a_phone_is_a_page_with_the_navigation(server: str, browser) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    try:
        response = phone.goto(server + "/equity/no-such-page?portfolio=tight")
        assert response.status == 404 and phone.inner_text("h1") == "Page not found"
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        shot(phone, "error_404_phone")
        phone.click("header nav a:text-is('Scanner')")  # the way on, portfolio kept
        phone.wait_for_url(re.compile(r"/scanner\?portfolio=tight$"))
    finally:
        context.close()


def test_scanner_row_opens_the_grid_detail(server: str, page) -> None:  # noqa: F811
    page.goto(server + "/scanner?portfolio=tight")
    page.click("tr[data-key='grid_atr:ETH/USDT'] td:nth-child(2)")
    page.wait_for_selector("#detail .runner-detail[data-key='grid_atr:ETH/USDT']")
    assert page.locator("#detail table.levels tbody tr").count() == 3
    shot(page, "paper_scanner_detail")
    assert page.errors == []


def test_kill_switch_reset_needs_the_key_then_shows_the_outcome_and_journal(
    server: str,
    page,  # noqa: F811
) -> None:
    page.goto(server + "/positions?portfolio=tight")
    page.click("#kill-reset button[type=submit]")
    page.wait_for_selector("#flash.error:not([hidden])")
    assert "403" in page.inner_text("#flash") and "API key" in page.inner_text("#flash")
    page.errors.clear()  # the browser logs the refused request itself: expected here
    page.fill("#api-key", API_KEY)
    page.click("#kill-reset button[type=submit]")
    page.wait_for_selector("#kill-outcome")
    assert "applied now: refused: global kill switch is in its cooldown" in page.inner_text(
        "#kill-outcome"
    )
    shot(page, "paper_kill_switch_refused")
    # the journal page, open, receives the next request's row over SSE
    page.goto(server + "/equity?portfolio=tight")
    page.wait_for_load_state("networkidle")
    rows = page.locator("#journal-body tr").count()
    page.evaluate(
        """key => htmx.ajax('POST', '/positions/kill-switch/reset',
            {values: {portfolio: 'tight', runner: 'grid_atr:BTC/USDT'}, swap: 'none',
             headers: {'X-API-Key': key}})""",
        API_KEY,
    )
    page.wait_for_function(f"() => document.querySelectorAll('#journal-body tr').length > {rows}")
    assert "kill switch reset" in page.locator("#journal-body tr").first.inner_text()
    shot(page, "paper_equity_journal_live")
    assert page.errors == []


def test_positions_follow_the_read_model_without_a_reload(server: str, page) -> None:  # noqa: F811
    """A reset posted by someone else (here: outside the browser) clears the ETH runner's
    trip; the open page's kill-switch status drops it over /live/changes, not by reloading."""
    page.goto(server + "/positions?portfolio=tight")
    page.wait_for_load_state("networkidle")
    assert "grid_atr:ETH/USDT" in page.inner_text("#kill-status")
    page.evaluate("window.notReloaded = true")
    response = httpx.post(
        f"{server}/positions/kill-switch/reset",
        data={"portfolio": "tight", "runner": "grid_atr:ETH/USDT"},
        headers={"X-API-Key": API_KEY},
    )
    assert response.status_code == 200 and "applied now" in response.text
    page.wait_for_function(
        "() => !document.querySelector('#kill-status').innerText.includes('grid_atr:ETH/USDT')",
        timeout=5000,
    )
    assert page.evaluate("window.notReloaded") is True
    shot(page, "paper_positions_live")
    assert page.errors == []
