"""The Explorer in Debian's chromium at a phone's width (390x844) and a desktop's (1440x900),
over ``explorer_kit.explorer_home``: the run selector switches runs in place (no reload, the
address bar following), and a chart value shows on a click. Screenshots to ``test-artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.explorer_kit import explorer_home
from tests.web.serving import serving
from tests.web.test_browser import browser  # noqa: F401 (fixture)
from tests.web.test_browser_screens import _load, _shot, screen  # noqa: F401 (fixture)

API_KEY = "browser-explorer-key"
BTC = "/explorer?strategy=grid_atr&symbol=BTC/USDT"
MARK = "#histogram .mark-label"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    home = tmp_path_factory.mktemp("browser_explorer")
    engine, ids = explorer_home(home)
    engine.close()
    with serving(home, None, API_KEY) as base:
        yield base, ids


def test_the_selector_switches_runs_in_place(site, screen) -> None:  # noqa: F811
    base, ids = site
    _load(screen, base + BTC)
    assert screen.input_value("#run-select") == ids["btc_applied"]
    assert screen.text_content(MARK) == "parameters to trade 2.10"  # kit.COMBO_OOS, combo 4
    screen.evaluate("window.notReloaded = true")
    screen.select_option("#run-select", ids["btc_newer"])
    screen.wait_for_function(
        "t => document.querySelector('#histogram .mark-label').textContent === t",
        arg="parameters to trade 1.40",  # explorer_kit.NEWER_OOS, combo 4
    )
    assert screen.evaluate("window.notReloaded") is True
    assert f"run_id={ids['btc_newer']}" in screen.url  # the link reproduces the view
    assert screen.input_value("#run-select") == ids["btc_newer"]
    _shot(screen, "explorer_switched_run")
    assert screen.errors == []


def test_a_chart_value_shows_on_a_click(site, screen) -> None:  # noqa: F811
    base, ids = site
    _load(screen, f"{base}/explorer?run_id={ids['btc_applied']}&x=ma_period&y=sl_percent")
    tip = screen.locator("#tip")
    screen.locator("#scatter circle.point.best").click()
    # kit: the parameters to trade (combo 4) have IS Sharpe 2.5, OOS Sharpe 2.1
    assert tip.is_visible() and tip.inner_text().endswith("IS Sharpe 2.50, OOS Sharpe 2.10")
    screen.locator("#heatmap rect.cell").first.click()  # ma 10, sl 15: drawn bottom left
    assert tip.inner_text() == "ma_period=10, sl_percent=15.0: max oos_sharpe 0.40"
    _shot(screen, "explorer_value_on_click")
    assert screen.errors == []
