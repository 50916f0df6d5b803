"""Errors inside the layout for a browser (the navigation to go on from), one plain line for
htmx and scripts."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

from web import research_data

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
NAV = ("/scanner", "/positions", "/equity", "/live", "/research", "/explorer", "/portfolio")


def _nav_links(html: str) -> tuple[str, ...]:
    (nav,) = re.findall(r"<nav>(.*?)</nav>", html, re.S)
    return tuple(re.findall(r'<a href="([^"]+)"', nav))


def test_a_404_is_a_page_with_the_navigation(client: TestClient) -> None:
    response = client.get("/no-such-page", headers=BROWSER)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert _nav_links(response.text) == NAV
    assert "<h1>Page not found</h1>" in response.text


def test_a_400_from_a_bad_query_parameter_is_a_page_naming_it(client: TestClient) -> None:
    response = client.get("/research?dir=up", headers=BROWSER)
    assert response.status_code == 400 and _nav_links(response.text) == NAV
    # jinja escapes the quotes of the reason
    assert "dir: must be one of asc, desc, got &#39;up&#39;" in response.text


def test_htmx_and_scripts_get_the_plain_line(client: TestClient) -> None:
    htmx = client.get("/research?dir=up", headers={**BROWSER, "HX-Request": "true"})
    script = client.get("/no-such-page")  # httpx asks for */*
    assert (htmx.status_code, htmx.text) == (400, "dir: must be one of asc, desc, got 'up'")
    assert htmx.headers["content-type"].startswith("text/plain")
    assert script.status_code == 404 and "<nav>" not in script.text


def test_a_500_is_a_page_without_the_internals(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(research_data, "filter_options", broken)
    page = client.get("/research?grade=A&case=500", headers=BROWSER)  # a URL no cache holds
    line = client.get("/research?grade=A&case=500b")
    assert page.status_code == 500 and _nav_links(page.text) == NAV
    assert "secret" not in page.text and "Server error" in page.text
    assert line.status_code == 500 and line.text.startswith("Internal server error")
