"""The Live page in Debian's chromium over a rehearsal on the local Bitget, at a desktop's and a
phone's width: the position shows its exchange-side stop, "Flatten all" with the key (confirmed)
records the request and the shadow's entries show as stopped, the page never scrolls sideways
and logs no script error nor policy violation (screenshots in var/screenshots)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.conftest import paper_copy
from tests.web.rehearsal_home import RehearsalHome
from tests.web.serving import serving
from tests.web.test_browser import CSP_WATCH, VIEWPORTS, browser, shot  # noqa: F401 (fixture)

API_KEY = "browser-live-key"
BTC = "BTC/USDT:USDT"
pytestmark = pytest.mark.browser


@pytest.fixture
def server(rehearsal_source: RehearsalHome, tmp_path) -> Iterator[str]:
    """A dashboard over a copy of the rehearsal of its own: the flatten changes the shadow."""
    home, config = paper_copy((rehearsal_source.home, rehearsal_source.config), tmp_path)
    with serving(home, config, API_KEY) as base:
        yield base


@pytest.mark.parametrize("screen", sorted(VIEWPORTS))
def test_live_page_shows_the_stop_and_flattens_with_the_key(
    server: str,
    browser,  # noqa: F811
    rehearsal_source: RehearsalHome,
    screen: str,
) -> None:
    width, height = VIEWPORTS[screen]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda dialog: dialog.accept())  # "Close every live position ...?"
    try:
        page.goto(server + "/")
        page.click("header nav a:text('Live')")
        page.wait_for_url(server + "/live")
        page.wait_for_load_state("networkidle")
        [stop] = rehearsal_source.venue.open_plans
        cell = page.locator(f"tr[data-symbol='{BTC}'] td.stop")
        assert cell.inner_text() == f"{stop.trigger:,.1f}"  # the venue's own trigger
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate("document.body.scrollWidth") <= width
        shot(page, f"live_{screen}")
        assert page.inner_text("#entries-state") == "New entries allowed."
        page.fill("#api-key", API_KEY)
        page.click("#flatten button")
        outcome = page.locator("#command-outcome")
        outcome.wait_for()
        assert outcome.inner_text().startswith("request #1 applied now")
        assert "New entries stopped since" in page.inner_text("#entries-state")
        assert "(asked by web)" in page.inner_text("#entries-state")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate("window.cspViolations") == []
        assert errors == []
    finally:
        context.close()
