"""The live journal: a row stored by another process reaches an SSE client, and so does the
row of a reset POSTed to the dashboard, without the client asking again.

A real ``scalp-radar serve`` runs over a copy of the paper home; this test process plays the
paper process (it holds the portfolio's writer lock, so the dashboard's reset request waits for
it, as with a running ``scalp-radar paper``) and the operator (a reset POSTed to the server).
How fast (the issue's 1 s) is measured by ``benchmarks/bench_sse_browser.py`` in Chromium and
``benchmarks/bench_web_load.py`` under load, not here: the latency is only printed.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.services.engine import Engine
from adapters.services.paper_trader import PaperTrader
from adapters.services.portfolio_commands import request_kill_switch_reset, writer_lock
from adapters.store.home import Home
from adapters.text.timefmt import parse_date
from config.loader import load_settings
from tests.web.conftest import paper_copy
from tests.web.kit import TIGHT_TO, paper_configs
from tests.web.serving import serving

API_KEY = "sse-key-789"


class Listener:
    """Reads the journal stream in a thread: (arrival time, seq) of every row received."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.rows: list[tuple[float, int]] = []
        self.connected = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            with httpx.stream("GET", self.url, timeout=30) as response:
                assert response.status_code == 200
                self.connected.set()
                for line in response.iter_lines():
                    now = time.monotonic()
                    self.rows += [(now, int(s)) for s in re.findall(r'data-seq="(\d+)"', line)]
                    if self.stop.is_set():
                        return
        except httpx.HTTPError:
            if not self.stop.is_set():  # the server stopping at the end of the module is fine
                raise

    def arrival(self, seq: int, timeout: float = 10) -> float:
        """When the journal row ``seq`` arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, s in self.rows:
                if s == seq:
                    return at
            time.sleep(0.01)
        raise AssertionError(f"journal row {seq} never arrived: {self.rows}")


@pytest.fixture(scope="module")
def served(paper_source, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    home, config = paper_copy(paper_source, tmp_path_factory.mktemp("sse"))
    with serving(home, config, API_KEY) as base:
        yield base, home


def _last_seq(engine: Engine, portfolio: str) -> int:
    engine.project()
    return engine.paper_reader().journal(portfolio, limit=1)[0]["seq"]


def test_rows_stored_by_the_paper_process_reach_the_stream(served, tmp_path: Path) -> None:
    base, home = served
    _, tight = paper_configs(tmp_path)
    engine = Engine(Home(home))
    after = engine.paper_reader().journal("tight", limit=1)[0]["seq"]
    listener = Listener(f"{base}/equity/journal/events?portfolio=tight&after={after}")
    assert listener.connected.wait(10)
    commits: list[float] = []
    try:
        with writer_lock(engine, "tight"):  # we are the running paper process
            outcome = request_kill_switch_reset(engine, load_settings(tight), "tight", "", "web")
            assert not outcome.applied  # left to the paper process's next step
            trader = PaperTrader(engine, load_settings(tight), "tight", on_note=lambda _n: None)
            save = trader.save
            trader.save = lambda *a: (save(*a), commits.append(time.monotonic()))[0]
            day = 86_400_000
            trader.replay(None, parse_date(TIGHT_TO) + day)  # boot applies the request
        # the first row after ``after`` is the refused reset, stored by boot's save
        refused = engine.store.recorder.max_notification_id()
        first = min(s for s in _seqs_after(engine, after) if s <= refused)
        latency = listener.arrival(first) - commits[0]
    finally:
        listener.stop.set()
        engine.close()
    print(f"journal row stored -> SSE client: {latency * 1000:.0f} ms")


def _seqs_after(engine: Engine, after: int) -> list[int]:
    engine.project()  # our own view; the server projected them for its stream
    return [r["seq"] for r in engine.paper_reader().journal("tight", after_seq=after)]


def test_a_reset_posted_to_the_dashboard_reaches_the_stream(served) -> None:
    base, home = served
    engine = Engine(Home(home))
    try:
        after = _last_seq(engine, "tight")
    finally:
        engine.close()
    listener = Listener(f"{base}/equity/journal/events?portfolio=tight&after={after}")
    assert listener.connected.wait(10)
    try:
        form = {"portfolio": "tight", "runner": "grid_atr:BTC/USDT"}
        response = httpx.post(
            f"{base}/positions/kill-switch/reset", data=form, headers={"X-API-Key": API_KEY}
        )
        answered = time.monotonic()
        assert response.status_code == 200 and "applied now" in response.text
        engine = Engine(Home(home))
        try:
            (reset,) = _seqs_after(engine, after)
        finally:
            engine.close()
        latency = listener.arrival(reset, timeout=10) - answered
    finally:
        listener.stop.set()
    print(f"reset answered -> SSE client: {latency * 1000:.0f} ms")
