"""Real-browser tests: Debian's chromium driven by Playwright against ``scalp-radar serve``.

Every page loads without console errors, the research table sorts in place, and the Explorer
refuses a launch without the key, then launches a job with it and shows its progress over SSE.
Screenshots of each page go to ``var/screenshots`` (gitignored) for review. Without chromium
the tests skip, except under ``TEST_BROWSER_REQUIRED=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.services.engine import Engine
from adapters.store.home import Home
from tests.web.kit import RUNS
from tests.web.test_jobs import btc_home, small_config

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
API_KEY = "browser-key-456"
pytestmark = pytest.mark.browser


def _unavailable(reason: str) -> None:
    if os.environ.get("TEST_BROWSER_REQUIRED") == "1":
        pytest.fail(f"browser tests are required here but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("serve")
    home = btc_home(root)
    engine = Engine(Home(home))
    for summary in RUNS:
        engine.research.record_run(summary)
    engine.close()  # serve projects them at start
    port = _free_port()
    env = os.environ | {"SCALP_RADAR_API_KEY": API_KEY}
    cmd = [sys.executable, "-m", "adapters.cli.main", "--home", str(home)]
    cmd += ["--config-dir", str(small_config(root)), "serve", "--port", str(port)]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith(f"dashboard on http://127.0.0.1:{port}/"), first
        _wait_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited: {proc.stdout.read()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"serve did not listen on {port}")


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.errors = []  # console errors and uncaught exceptions of this page
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/scanner", "scanner"),
        ("/positions", "positions"),
        ("/equity", "equity"),
        ("/research", "research"),
        ("/explorer", "explorer"),
    ],
)
def test_page_loads_without_console_errors(server: str, page, path: str, name: str) -> None:
    response = page.goto(server + path)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof htmx") == "object"  # the npm-installed htmx loaded
    shot(page, name)
    assert page.errors == []


def test_result_detail_and_research_sorting(server: str, page) -> None:
    page.goto(server + "/research")
    strategies = page.locator("#runs-body tr td:first-child a")
    assert strategies.all_inner_texts() == ["envelope_dca", "grid_atr", "grid_atr"]
    page.click("a.sort[data-column='oos_sharpe']")  # desc first: 2.1 (BTC), 1.5, 0.4
    page.wait_for_url(re.compile(r"sort=oos_sharpe"))
    page.wait_for_selector("a.sort.sorted[data-column='oos_sharpe']")
    assert page.locator("#runs-body tr td:nth-child(2)").all_inner_texts() == [
        "BTC/USDT",
        "BTC/USDT",
        "ETH/USDT",
    ]
    page.select_option("select[name=grade]", "D")
    page.wait_for_function("() => document.querySelectorAll('#runs-body tr').length === 1")
    page.click("#runs-body tr a")
    page.wait_for_selector("#verdicts")
    assert "grid_atr on ETH/USDT" in page.inner_text("h1")
    shot(page, "research_detail")
    assert page.errors == []


VIEWPORTS = {"desktop": (1440, 900), "phone": (390, 844)}


@pytest.mark.parametrize("screen", sorted(VIEWPORTS))
def test_research_detail_fits_the_screen(server: str, browser, screen: str) -> None:
    """A run of the in-sample rule (stitched curve, selection table) and one of the earlier
    rule (banner) at a desktop's and a phone's width: the page never scrolls sideways; on the
    phone the selection table scrolls inside its box."""
    width, height = VIEWPORTS[screen]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(server + "/research")
        assert page.locator("#runs-body tr .tag.rule").count() == 1  # ETH: earlier rule
        assert _page_width(page) <= width
        page.click("#runs-body tr:has-text('BTC/USDT') a:text('grid_atr')")
        page.wait_for_selector("#stitched-chart svg")
        assert page.locator("#selections tbody tr").count() == 3
        assert page.locator("#stitched-chart rect.hover").count() == 181
        assert _page_width(page) <= width
        box = page.evaluate(
            "() => { const e = document.querySelector('#selections-scroll');"
            " return [e.scrollWidth, e.clientWidth]; }"
        )
        if screen == "phone":
            assert box[0] > box[1]  # wider than the screen: it scrolls, the page does not
        else:
            assert box[0] == box[1]  # the whole table shows
        shot(page, f"research_selection_{screen}")
        page.goto(server + "/research")
        page.click("#runs-body tr:has-text('ETH/USDT') a")
        page.wait_for_selector("#earlier-rule")
        assert "Computed with the earlier rule" in page.inner_text("#earlier-rule")
        assert page.locator("#stitched-chart").count() == 0
        assert _page_width(page) <= width
        shot(page, f"research_earlier_rule_{screen}")
        assert errors == []
    finally:
        context.close()


# collected before any page script runs: every Content-Security-Policy violation of the page
CSP_WATCH = (
    "window.cspViolations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
)


@pytest.mark.parametrize("screen", sorted(VIEWPORTS))
def test_pages_keep_the_content_security_policy(server: str, browser, screen: str) -> None:
    """Each screen under the policy (no inline script or style, no eval): nothing is blocked,
    htmx runs (a sort swaps the table in place) and no console error is logged."""
    width, height = VIEWPORTS[screen]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        for path in ("/scanner", "/positions", "/equity", "/live", "/research", "/explorer"):
            response = page.goto(server + path)
            assert "script-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_load_state("networkidle")
            assert page.evaluate("window.cspViolations") == [], path
            # htmx's indicator styles come from app.css, not from an injected <style>
            assert page.evaluate("document.querySelectorAll('style').length") == 0, path
        page.goto(server + "/research")
        page.click("a.sort[data-column='oos_sharpe']")
        page.wait_for_selector("a.sort.sorted[data-column='oos_sharpe']")
        assert page.evaluate("window.cspViolations") == []
        assert errors == []
    finally:
        context.close()


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_explorer_launch_needs_the_key_then_shows_progress(server: str, page) -> None:
    page.goto(server + "/explorer")
    page.select_option("#p_ma_period", "10")
    page.wait_for_function(
        "() => document.querySelector('#combo-count strong').textContent === '4'"
    )
    page.click("#launch button[type=submit]")
    page.wait_for_selector("#flash.error:not([hidden])")
    assert "403" in page.inner_text("#flash") and "API key" in page.inner_text("#flash")
    page.errors.clear()  # the browser logs the refused request itself: expected here
    page.fill("#api-key", API_KEY)
    page.click("#launch button[type=submit]")
    page.wait_for_selector("#job[sse-connect]")
    # progress arrives over SSE until the job is done, with a link to its result
    page.wait_for_selector("#job .state[data-state='done']", timeout=180_000)
    assert re.search(r"15/15", page.inner_text("#job"))
    shot(page, "explorer_job_done")
    page.click("#job a[href^='/research/runs/']")
    page.wait_for_selector("#verdicts")
    assert page.errors == []
