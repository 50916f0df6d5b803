"""The Live page over the hand-made account (``account_kit``) in Debian's chromium, at a
desktop's and a phone's width: no console error nor policy violation, the page never scrolls
sideways, the halted symbol and the position without a stop are alerts in view (screenshots
in var/screenshots)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config.loader import DEFAULT_CONFIG_DIR
from tests.web.account_kit import account_home
from tests.web.serving import serving
from tests.web.test_browser import CSP_WATCH, VIEWPORTS, browser, shot  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = account_home(tmp_path_factory.mktemp("browser_account"))
    with serving(home, DEFAULT_CONFIG_DIR, "browser-account-key") as base:
        yield base


@pytest.mark.parametrize("screen", sorted(VIEWPORTS))
def test_account_page_fits_the_screen_and_shows_the_alerts(
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
        page.click("header nav a:text('Live')")
        page.wait_for_url(server + "/live")
        page.wait_for_load_state("networkidle")
        halted = page.locator("p.halted:has-text('HALTED')")
        assert halted.is_visible() and "ETH/USDT:USDT" in halted.inner_text()
        assert page.locator("tr[data-symbol='ETH/USDT:USDT'] td.stop-missing").is_visible()
        # the 0.1 tick of Bitget's BTC perpetual (the quantity is folded on a phone)
        assert "long\t" + ("" if width < 700 else "2.000000\t") + "95.0\t85.0\t" in page.inner_text(
            "tr[data-symbol='BTC/USDT:USDT']"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate("window.cspViolations") == []
        shot(page, f"account_{screen}")
        assert errors == []
    finally:
        context.close()
