"""SSE latency in a real browser: from a command's POST to its effect in Chromium's page.

Builds the web tests' paper home (``tests.web.kit.paper_home``: real BTC/ETH candles, a
"tight" portfolio whose global kill switch is in its cooldown), starts ``scalp-radar serve``
and opens Debian's chromium with Playwright on two pages. Each round POSTs a global
kill-switch reset from outside the browser (refused in the cooldown: one new event and one
journal row each time) and times, from the moment the POST is sent:

* the journal row arriving in the Equity page (its SSE stream, ``/equity/journal/events``);
* the Positions page swapping its kill-switch region (``/live/changes``, then an htmx refetch).

Prints median and max per page. The issue's target: within 1 s of the event.
Usage: ``.venv/bin/python benchmarks/bench_sse_browser.py [--rounds 10]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web.kit import paper_home  # noqa: E402
from tests.web.serving import serving  # noqa: E402
from tests.web.test_browser import ARGS, CHROMIUM  # noqa: E402

API_KEY = "bench-sse"
RESET = {"portfolio": "tight", "runner": ""}
ROWS = "document.querySelectorAll('#journal-body tr').length"
# function expressions, not bare ones: the dashboard's CSP forbids eval, which Playwright uses
# to run a bare expression string


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        home, config = paper_home(Path(tmp))
        with serving(home, config, API_KEY) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            journal, positions = browser.new_page(), browser.new_page()
            journal.goto(f"{base}/equity?portfolio=tight")
            positions.goto(f"{base}/positions?portfolio=tight")
            for page in (journal, positions):
                page.wait_for_load_state("networkidle")
            rows, swaps = [], []
            for _ in range(args.rounds):
                before = journal.evaluate(f"() => {ROWS}")
                positions.evaluate(
                    "() => { document.querySelector('#kill-status').dataset.old = '1' }"
                )
                sent = time.perf_counter()
                response = httpx.post(
                    f"{base}/positions/kill-switch/reset",
                    data=RESET,
                    headers={"X-API-Key": API_KEY},
                )
                assert response.status_code == 200, response.text
                journal.wait_for_function(f"() => {ROWS} > {before}", polling="raf", timeout=10_000)
                rows.append((time.perf_counter() - sent) * 1000)
                positions.wait_for_function(
                    "() => !document.querySelector('#kill-status').dataset.old",
                    polling="raf",
                    timeout=10_000,
                )
                swaps.append((time.perf_counter() - sent) * 1000)
                time.sleep(0.5)  # let both pages settle before the next event
            browser.close()
    for name, values in (("journal row (Equity page)", rows), ("kill-switch region", swaps)):
        print(
            f"{name:<28} n={len(values)} median {statistics.median(values):.0f} ms, "
            f"max {max(values):.0f} ms (target < 1000 ms)"
        )


if __name__ == "__main__":
    main()
