"""HTTP hardening (issue 12): security headers on every response, a CSP the pages keep (no
inline script, handler or style), the Host check against DNS rebinding, static names no file
can have as 404, and commands that refuse a body they cannot read."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from adapters.services.engine import Engine
from adapters.store.home import Home
from config.loader import load_settings
from tests.web.conftest import API_KEY, paper_copy
from web.app import WEB, create_app
from web.security import CSP, HEADERS, ServedHosts, parse_host

KEY = {"X-API-Key": API_KEY}
HX = {"HX-Request": "true"}
FORM_TYPE = {"Content-Type": "application/x-www-form-urlencoded"}
PAGES = ["/scanner", "/positions", "/equity", "/live", "/research", "/explorer"]


@pytest.fixture(scope="module")
def paper_client(paper_source, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home, config = paper_copy(paper_source, tmp_path_factory.mktemp("hardening"))
    engine = Engine(Home(home))
    with TestClient(app=create_app(engine, API_KEY, settings=load_settings(config))) as c:
        yield c
    engine.close()


def assert_hardened(response) -> None:
    for name, value in HEADERS:
        assert response.headers.get(name) == value, name
    assert "server" not in response.headers


@pytest.mark.parametrize(
    ("method", "url", "headers", "status"),
    [
        ("GET", "/research", {}, 200),
        ("GET", "/research", HX, 200),  # a fragment
        ("GET", "/status", {}, 200),
        ("GET", "/static/app/app.css", {}, 200),
        ("GET", "/static/vendor/htmx/htmx.min.js", {}, 200),
        ("GET", "/nope", {}, 404),  # no route: litestar answers before any handler
        ("DELETE", "/research", {}, 405),
        ("GET", "/equity?page=x", {}, 400),
        ("POST", "/explorer/jobs", {}, 403),
        ("GET", "/", {}, 302),
    ],
)
def test_every_response_carries_the_security_headers(
    client: TestClient, method: str, url: str, headers: dict, status: int
) -> None:
    response = client.request(method, url, headers=headers, follow_redirects=False)
    assert response.status_code == status
    assert_hardened(response)


def test_a_page_from_the_cache_carries_them_too(client: TestClient) -> None:
    client.get("/explorer")
    hits = client.app.state.page_cache.hits
    response = client.get("/explorer")
    assert client.app.state.page_cache.hits == hits + 1
    assert_hardened(response)


def test_the_policy_allows_this_server_only_and_no_framing() -> None:
    rules = dict(rule.split(" ", 1) for rule in CSP.split("; "))
    assert rules["default-src"] == "'none'"
    assert rules["script-src"] == rules["style-src"] == rules["connect-src"] == "'self'"
    assert rules["frame-ancestors"] == "'none'"
    assert "unsafe" not in CSP


INLINE = [
    (r"<script(?![^>]*\ssrc=)[^>]*>", "an inline <script>"),
    (r"<style[\s>]", "a <style> element"),
    (r"\sstyle\s*=", "a style attribute"),
    (r"\son[a-z]+\s*=", "an on* handler"),
    (r"\shx-on", "an hx-on handler (needs eval)"),
    (r"javascript:", "a javascript: URL"),
    (r"hx-vals\s*=\s*['\"]\s*js:", "a js: hx-vals (needs eval)"),
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_hold_nothing_the_policy_refuses(client: TestClient, url: str) -> None:
    html = client.get(url).text
    for pattern, what in INLINE:
        assert not re.search(pattern, html, re.IGNORECASE), f"{url}: {what}"


def test_no_template_holds_inline_script_handlers_or_styles() -> None:
    for template in sorted((WEB / "templates").rglob("*.html")):
        text = template.read_text()
        for pattern, what in INLINE:
            assert not re.search(pattern, text, re.IGNORECASE), f"{template.name}: {what}"


def test_htmx_injects_no_style_and_evaluates_nothing(client: TestClient) -> None:
    """htmx would add its indicator styles as an inline <style>: switched off by the meta
    config, the styles live in app.css."""
    html = client.get("/research").text
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert meta is not None
    assert '"includeIndicatorStyles": false' in meta[1] and '"allowEval": false' in meta[1]
    css = client.get("/static/app/app.css").text
    assert ".htmx-indicator { opacity: 0;" in css and ".htmx-request .htmx-indicator" in css


def test_the_portfolio_choice_submits_without_an_inline_handler(paper_client) -> None:
    html = paper_client.get("/scanner").text
    assert '<select name="portfolio" data-autosubmit>' in html
    assert "select[data-autosubmit]" in paper_client.get("/static/app/app.js").text


def test_no_api_docs_are_served(client: TestClient) -> None:
    """litestar's OpenAPI pages load their scripts from a CDN: off."""
    for url in ("/schema", "/schema/swagger", "/schema/openapi.json"):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/static/app/%00",
        "/static/app/app.css%00.js",
        "/static/app/" + "a" * 5000,
        "/static/vendor/htmx/" + "b" * 300 + "/" + "c" * 300,
        "/static/app/../app.py",
        "/static/app/%2e%2e/app.py",
        "/static/vendor/htmx/..%2f..%2fpackage.json",
    ],
)
def test_static_names_no_file_can_have_are_404(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert len(response.text) < 600  # the name is not echoed back in full
    assert_hardened(response)


# -- the Host check ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served_client(populated) -> Iterator[TestClient]:
    engine: Engine = populated[0]
    app = create_app(engine, API_KEY, settings=load_settings(), served=("127.0.0.1", 8000))
    with TestClient(app=app, base_url="http://127.0.0.1:8000") as c:
        yield c


@pytest.mark.parametrize(
    "host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST:8000"]
)
def test_the_served_address_and_its_loopback_names_are_answered(
    served_client: TestClient, host: str
) -> None:
    assert served_client.get("/research", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:8000",  # a rebinding page: its own name, resolved to 127.0.0.1
        "evil.example",
        "127.0.0.1:8001",
        "127.0.0.1",  # port 80
        "localhost.evil.example:8000",
        "127.0.0.1:8000:8000",
        "127.0.0.1:+8000",
        "127.0.0.1:\uff18\uff10\uff10\uff10",  # fullwidth digits
        "[::1",
        "::1:8000",
        "",
        "127.0.0.1:" + "9" * 5000,
    ],
)
def test_any_other_host_is_400_before_routing(served_client: TestClient, host: str) -> None:
    for url in ("/research", "/equity/trades.csv", "/nope", "/static/app/app.css"):
        response = served_client.get(url, headers={"Host": host.encode()})
        assert response.status_code == 400, (host, url)
        assert "Host header" in response.text
        assert_hardened(response)


def test_a_command_with_a_rebound_host_is_refused_even_with_the_key(
    served_client: TestClient,
) -> None:
    jobs = served_client.app.state.jobs.version
    response = served_client.post(
        "/explorer/jobs",
        data={"strategy": "grid_atr", "symbol": "BTC/USDT"},
        headers=KEY | {"Host": "evil.example:8000"},
    )
    assert response.status_code == 400
    assert served_client.app.state.jobs.version == jobs


def test_served_hosts_of_each_kind_of_bind() -> None:
    loopback = ServedHosts.for_bind("localhost", 8000)
    assert loopback.allows("127.0.0.1:8000") and loopback.allows("localhost:8000")
    assert not loopback.allows("10.0.0.5:8000")
    lan = ServedHosts.for_bind("192.168.1.5", 80)
    assert lan.allows("192.168.1.5") and lan.allows("192.168.1.5:80")
    assert not lan.allows("localhost") and not lan.allows("evil.example")
    every = ServedHosts.for_bind("0.0.0.0", 8000)
    # any IP of the machine (a rebinding attack needs a name), not any name
    assert every.allows("10.1.2.3:8000") and every.allows("[fe80::1]:8000")
    assert every.allows("localhost:8000")
    assert not every.allows("evil.example:8000") and not every.allows("10.1.2.3:8001")
    v6 = ServedHosts.for_bind("::1", 8000)
    assert v6.allows("[::1]:8000") and v6.allows("127.0.0.1:8000")


@pytest.mark.parametrize(
    ("header", "parsed"),
    [
        ("example.org", ("example.org", 80)),
        ("Example.ORG:8080", ("example.org", 8080)),
        ("[::1]:8000", ("::1", 8000)),
        ("[::1]", ("::1", 80)),
        ("[example.org]:80", None),
        ("a:b:c", None),
        ("host:", ("host", 80)),  # an empty port is the default (RFC 3986)
        (":8000", None),
        ("host:123456", None),
        (None, None),
    ],
)
def test_host_headers_are_parsed_strictly(header, parsed) -> None:
    assert parse_host(header) == parsed


# -- commands refuse a body they cannot read --------------------------------------------------
@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b'{"anything": 1}', {"Content-Type": "application/json"}),
        (b"x=1", FORM_TYPE),  # apply has no fields
        (b"%ff=1", FORM_TYPE),
        (b"\x00\x01", {"Content-Type": "application/octet-stream"}),
    ],
)
def test_apply_refuses_a_body_it_cannot_read(
    client: TestClient, run_ids: list[str], content: bytes, headers: dict
) -> None:
    engine = client.app.state.engine
    before = engine.store.recorder.max_notification_id()
    response = client.post(
        f"/research/runs/{run_ids[0]}/apply", content=content, headers=KEY | headers
    )
    assert response.status_code == 400 and response.text.startswith(("body: ", "x: "))
    assert engine.store.recorder.max_notification_id() == before


@pytest.mark.parametrize(
    ("url", "content", "headers", "reason"),
    [
        ("/explorer/jobs", b'{"strategy": "grid_atr", "symbol": "BTC/USDT"}',
         {"Content-Type": "application/json"}, "body: must be a form"),
        ("/explorer/jobs", b"strategy=grid_atr&symbol=BTC/USDT&strategy=grid_atr", FORM_TYPE,
         "strategy: is given twice"),
        ("/explorer/jobs", b"strategy=grid_atr&symbol=BTC%2FUSDT&extra=1", FORM_TYPE,
         "extra: is not a field of this command"),
        ("/explorer/jobs", b"strategy=grid_atr&symbol=%c3%28", FORM_TYPE,
         "body: not a readable form"),
        ("/explorer/jobs/abc/cancel", b"[1]", {"Content-Type": "application/json"},
         "body: must be a form"),
    ],
)  # fmt: skip
def test_explorer_commands_refuse_a_body_they_cannot_read(
    client: TestClient, url: str, content: bytes, headers: dict, reason: str
) -> None:
    jobs = client.app.state.jobs.version
    response = client.post(url, content=content, headers=KEY | headers)
    assert response.status_code == 400 and response.text.startswith(reason)
    assert client.app.state.jobs.version == jobs


def test_a_command_body_too_large_is_413(client: TestClient) -> None:
    body = b"strategy=" + b"a" * (128 * 1024)
    response = client.post("/explorer/jobs", content=body, headers=KEY | FORM_TYPE)
    assert response.status_code == 413
