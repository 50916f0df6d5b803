"""Fuzzing every route (issue 12): hypothesis draws the method, path parameters, query, headers
(Host, HX-Request, Last-Event-ID, Content-Type) and body of requests to each route of the app,
with the API key, a wrong one or none, and checks that

* no response is a 500 (bad input is a 4xx that says why), and each carries the security
  headers;
* without the right key (or with a Host that is not the served address) nothing changes: the
  event store's last notification, the read model's tracking positions, the jobs and the config
  files are the same after the request as before.

The app serves a copy of the paper home (two portfolios, real candles, research runs) over a
copy of its config, with the Host check of a server on 127.0.0.1:8000. Values are drawn from
what the app knows (portfolio and runner names, run ids, grid values) mixed with hostile text
(``²``, 5,000 digits, NUL, path traversal, 2**63), so both the valid paths and the refusals
run. SSE streams are cut after their first message (the in-process client waits for a
response's end). Under ``CI`` hypothesis is derandomized (``tests/conftest.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from adapters.services.engine import Engine
from adapters.store.home import Home
from config.loader import load_settings
from tests.web.conftest import paper_copy
from web import explorer, live, paper, paper_data, research_data
from web.app import create_app
from web.explorer_analysis import AGGREGATES
from web.research_data import COMBO_METRICS, GRADES, SORTABLE
from web.security import HEADERS

API_KEY = "fuzz-key-314"
SERVED = ("127.0.0.1", 8000)
BASE = "http://127.0.0.1:8000"
EXAMPLES = 600  # per test (with the key, a wrong one, none): about 5 s each here


def limited(make: Callable[..., AsyncIterator[Any]]) -> Callable[..., AsyncIterator[Any]]:
    """A stream that ends after its first message (or a quiet 0.2 s): its handler's checks
    and its first query run, as in a browser, and the test client gets a complete response."""

    async def stream(*args: Any) -> AsyncIterator[Any]:
        gen = make(*args)
        try:
            first = await asyncio.wait_for(anext(gen), 0.2)
        except (TimeoutError, StopAsyncIteration):
            return
        finally:
            await gen.aclose()
        yield first

    return stream


@pytest.fixture(scope="module")
def fuzzed(paper_source, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("fuzz")
    home, config = paper_copy(paper_source, root)
    config_dir = root / "config"
    shutil.copytree(config, config_dir)
    engine = Engine(Home(home))
    app = create_app(
        engine,
        API_KEY,
        settings=load_settings(config_dir),
        config_dir=config_dir,
        served=SERVED,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paper, "_journal_stream", limited(paper._journal_stream))
        patch.setattr(live, "_changes", limited(live._changes))
        patch.setattr(explorer, "job_stream", limited(explorer.job_stream))
        with TestClient(app=app, base_url=BASE, raise_server_exceptions=True) as client:
            yield {"client": client, "app": app, "config_dir": config_dir, **known(app)}
    engine.close()


def known(app: Litestar) -> dict[str, Any]:
    """Valid values of the fuzzed home, by field: the fuzz mixes them with hostile ones."""
    db = app.state.read.db()
    reader = app.state.engine.paper_reader()
    portfolios = paper_data.portfolio_names(db)
    runners = [r["key"] for p in portfolios for r in reader.runners(p)]
    grids = app.state.settings.param_grids.grids
    grid_values = sorted({str(v) for grid in grids.values() for vs in grid.values() for v in vs})
    by_field = {
        "portfolio": portfolios,
        "runner": ["", *runners],
        "key": runners,
        "run_id": [r["run_id"] for r in research_data.list_runs(db)],
        "job_id": ["0123456789ab"],
        "file_path": ["app.css", "app.js", "htmx.min.js", "sse.min.js", "htmx.js"],
        "strategy": sorted(grids),
        "symbol": ["BTC/USDT", "ETH/USDT", "SOL/USDT"],
        "grade": list(GRADES),
        "sort": sorted(SORTABLE),
        "dir": ["asc", "desc"],
        "x": sorted({k for grid in grids.values() for k in grid}),
        "metric": list(COMBO_METRICS),
        "agg": list(AGGREGATES),
        "page": ["1", "2"],
        "after": ["0", *(str(j["seq"]) for p in portfolios for j in reader.journal(p, limit=2))],
        "since": ["", "1.2.3"],
        "p_": ["*", *grid_values],
    }
    by_field["y"] = by_field["x"]
    routes = sorted(
        (method, route.path)
        for route in app.routes
        for method in route.methods  # type: ignore[attr-defined]
        if method not in ("OPTIONS", "HEAD")  # drawn now and then as other methods
    )
    return {"routes": routes, "by_field": by_field, "strategies": set(grids)}


HOSTILE = [
    "",
    " ",
    "²",
    "٣",
    "-1",
    "+1",
    "0",
    "1e3",
    "0x10",
    "1_000",
    "9" * 5000,
    str(2**63),
    str(2**63 - 1),
    "\x00",
    "a\x00b",
    "%00",
    "../../../etc/passwd",
    "..",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "x" * 300,
    "BTC/USDT\n",
    "NaN",
    "inf",
    "None",
    "null",
]
FIELDS = [
    "portfolio",
    "runner",
    "page",
    "after",
    "key",
    "strategy",
    "symbol",
    "grade",
    "sort",
    "dir",
    "run_id",
    "x",
    "y",
    "metric",
    "agg",
    "since",
    "p_ma_period",
    "p_sl_percent",
    "p_num_levels",
    "p_nope",
]
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
FORM = b"application/x-www-form-urlencoded; charset=UTF-8"  # what htmx sends
CONTENT_TYPES = [
    None,
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=UTF-8",
    "application/json",
    "multipart/form-data; boundary=x",
    "text/plain",
    "",
]
KEYS = ["right", "wrong", "none"]


NUMBERS = ("page", "after")  # and Last-Event-ID
# what str.isdigit(), int() or SQLite take differently from a plain bounded number
NUMERIC = [
    "²",
    "٣",
    "\uff11",  # fullwidth 1
    "9" * 5000,
    "9" * 19,
    str(2**63),
    str(2**63 - 1),
    "-0",
    "+1",
    " 1",
    "1.0",
]


def field_value(fuzz: dict[str, Any], field: str) -> st.SearchStrategy[str]:
    """A valid value of ``field`` half of the time, else hostile or random text (numbers:
    digits that are not ASCII, too many, out of range)."""
    pool = fuzz["by_field"].get("p_" if field.startswith("p_") else field)
    hostile = [st.sampled_from(HOSTILE), TEXT]
    if field in NUMBERS:
        hostile += [st.sampled_from(NUMERIC), st.integers(-(2**70), 2**70).map(str)]
    if not pool:
        return st.one_of(hostile)
    valid = st.sampled_from(pool)
    return st.one_of([valid] * len(hostile) + hostile)


# the fields each route reads (query, or form for the commands): drawn most of the time
ROUTE_FIELDS = {
    "/scanner": ["portfolio"],
    "/positions": ["portfolio"],
    "/positions/detail": ["portfolio", "key"],
    "/positions/kill-switch/reset": ["portfolio", "runner"],
    "/equity": ["portfolio", "page"],
    "/equity/trades": ["portfolio", "page"],
    "/equity/trades.csv": ["portfolio"],
    "/equity/journal/events": ["portfolio", "after"],
    "/account": [],
    "/live": ["portfolio"],
    "/live/entries": ["portfolio", "entries"],
    "/live/flatten": ["portfolio"],
    "/research": ["strategy", "symbol", "grade", "sort", "dir"],
    "/explorer": ["strategy", "symbol", "run_id", "x", "y", "metric", "agg"],
    "/explorer/form": ["strategy", "symbol"],
    "/explorer/combos": ["strategy"],  # and p_<name> of every grid parameter
    "/explorer/jobs": ["strategy", "symbol"],
    "/explorer/analysis": ["run_id", "x", "y", "metric", "agg"],
    "/live/changes": ["since"],
}


@st.composite
def fields(draw: st.DrawFn, fuzz: dict[str, Any], template: str) -> dict[str, str]:
    own = ROUTE_FIELDS.get(template)
    if template in ("/explorer/combos", "/explorer/jobs"):
        own = [*own, *(f"p_{name}" for name in fuzz["by_field"]["x"])]
    if own and draw(st.integers(0, 3)) > 0:
        subset = st.lists(st.sampled_from(own), max_size=len(own), unique=True)
        names = draw(st.one_of(st.just(list(own)), subset))
        if draw(st.integers(0, 4)) == 0:
            names.append(draw(st.one_of(st.sampled_from(FIELDS), TEXT)))
    else:
        names = draw(st.lists(st.one_of(st.sampled_from(FIELDS), TEXT), max_size=4))
    return {name: draw(field_value(fuzz, name)) for name in dict.fromkeys(names)}


@st.composite
def requests(draw: st.DrawFn, fuzz: dict[str, Any], key: str) -> dict[str, Any]:
    method, template = draw(st.sampled_from(fuzz["routes"]))
    if draw(st.integers(0, 9)) == 0:  # sometimes a method the route does not take
        method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD"]))
    path = template
    for name, param in (
        ("run_id", "{run_id:str}"),
        ("job_id", "{job_id:str}"),
        ("file_path", "{file_path:path}"),
    ):
        if param in path:
            raw = draw(field_value(fuzz, name))
            segment = quote(raw, safe="") if draw(st.booleans()) else quote(raw, safe="/%")
            path = path.replace(param, segment or "x")
    query = draw(fields(fuzz, template))
    headers: dict[str, bytes] = {}
    if draw(st.integers(0, 9)) < 8:  # mostly the served address: the routes behind it run
        host = draw(st.sampled_from(["127.0.0.1:8000", "localhost:8000", "[::1]:8000"]))
    else:
        bad = st.sampled_from(["evil.example:8000", "127.0.0.1:8001", "", "127.0.0.1"])
        host = draw(st.one_of(bad, HEADER_TEXT))
    headers["host"] = host.encode()
    if key != "none":
        headers["x-api-key"] = (API_KEY if key == "right" else draw(HEADER_TEXT) + "x").encode()
    if draw(st.booleans()):
        headers["hx-request"] = draw(st.sampled_from(["true", "false", ""])).encode()
    if draw(st.integers(0, 4)) == 0:
        headers["last-event-id"] = draw(field_value(fuzz, "after")).encode()
    form = draw(fields(fuzz, template))
    if draw(st.integers(0, 2)) > 0:  # mostly what htmx sends: the fields as a form
        content_type, body_kind = FORM.decode(), "form"
    else:
        content_type = draw(st.sampled_from(CONTENT_TYPES))
        body_kind = draw(st.sampled_from(["none", "form", "bytes", "json"]))
    if content_type is not None:
        headers["content-type"] = content_type.encode()
    body = {
        "none": b"",
        "form": urlencode(form).encode(),
        "bytes": draw(st.binary(max_size=64)),
        "json": json.dumps(form).encode(),
    }[body_kind]
    # a real walk-forward job would run for minutes in the background: its launch is tested
    # in test_jobs, not here (every other use of the key is)
    assume(
        not (
            key == "right"
            and method == "POST"
            and template == "/explorer/jobs"
            and form.get("strategy") in fuzz["strategies"]
            and form.get("symbol") in ("BTC/USDT", "ETH/USDT")  # stored: the job would run
        )
    )
    return {
        "method": method,
        "template": template,
        "path": path,
        "query": query,
        "headers": headers,
        "body": body,
    }


def state_of(fuzz: dict[str, Any]) -> tuple:
    """What a command changes: the event store, the read model, the jobs, the config files."""
    app_state = fuzz["app"].state
    files = sorted(fuzz["config_dir"].glob("*"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()
    return (
        app_state.engine.store.recorder.max_notification_id(),
        tuple(live.tracking(app_state.read.db())),
        app_state.jobs.version,
        tuple(p.name for p in files),
        digest,
    )


def send(fuzz: dict[str, Any], request: dict[str, Any]):
    client: TestClient = fuzz["client"]
    url = request["path"] + ("?" + urlencode(request["query"]) if request["query"] else "")
    return client.request(
        request["method"],
        url,
        headers=request["headers"],
        content=request["body"],
        follow_redirects=False,
    )


def check(fuzz: dict[str, Any], request: dict[str, Any], key: str) -> None:
    before = state_of(fuzz)
    response = send(fuzz, request)
    event(f"{request['template']} {response.status_code}")
    assert response.status_code < 500, (request, response.status_code, response.text[:300])
    for name, value in HEADERS:
        assert response.headers.get(name) == value, (request, name)
    host_ok = request["headers"]["host"] in (b"127.0.0.1:8000", b"localhost:8000", b"[::1]:8000")
    if not host_ok:
        assert response.status_code == 400, request
    if key != "right" or not host_ok:
        assert state_of(fuzz) == before, request


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def command(fuzz: dict[str, Any], key: str, path: str, form: dict[str, str]) -> dict[str, Any]:
    """A well-formed command, as the pages send it: always among the examples."""
    headers = {"host": b"127.0.0.1:8000", "content-type": FORM}
    if key != "none":
        headers["x-api-key"] = (API_KEY if key == "right" else "wrong").encode()
    return {
        "method": "POST",
        "template": path,
        "path": path,
        "query": {},
        "headers": headers,
        "body": urlencode(form).encode(),
    }


@pytest.mark.parametrize("key", KEYS)
def test_no_route_fails_or_changes_state_without_the_key(fuzzed, key: str) -> None:
    run_id = fuzzed["by_field"]["run_id"][0]
    commands = [
        ("/positions/kill-switch/reset", {"portfolio": "tight", "runner": ""}),
        ("/positions/kill-switch/reset", {"portfolio": "tight", "runner": "grid_atr:ETH/USDT"}),
        (f"/research/runs/{run_id}/apply", {}),
        ("/explorer/jobs/0123456789ab/cancel", {}),
        ("/explorer/jobs", {"strategy": "grid_atr", "symbol": "SOL/USDT"}),
        ("/live/entries", {"portfolio": "tight", "entries": "stop"}),
        ("/live/flatten", {"portfolio": "tight"}),
    ]

    @FUZZ_SETTINGS
    @given(request=requests(fuzzed, key))
    def run(request: dict[str, Any]) -> None:
        check(fuzzed, request, key)

    for path, form in commands:
        run = example(request=command(fuzzed, key, path, form))(run)
    run()


def test_every_route_is_fuzzed(fuzzed) -> None:
    """New routes join the fuzz by themselves (they are read from the app); this names them, so
    a route that needs a new kind of path parameter is noticed here."""
    templates = {path for _, path in fuzzed["routes"]}
    params = {part for t in templates for part in Path(t).parts if part.startswith("{")}
    assert params <= {"{run_id:str}", "{job_id:str}", "{file_path:path}"}
    assert ("POST", "/positions/kill-switch/reset") in fuzzed["routes"]
    assert len(templates) >= 24
