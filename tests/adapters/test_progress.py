"""Progress output in logs (not a terminal): one line per 10 % step, no repeated final line."""

from __future__ import annotations

import io

from adapters.text.progress import Progress


def test_log_output_prints_each_decile_once() -> None:
    out = io.StringIO()
    progress = Progress("importing", total=20, unit="files", stream=out)
    for _ in range(20):
        progress.advance(1)
    progress.close()
    percents = [line.split("]")[1].split()[0] for line in out.getvalue().splitlines()]
    # the first step shows that work started; then one line per decile, the last one only once
    assert percents == ["5.0%"] + [f"{p}.0%" for p in range(10, 101, 10)]


def test_unknown_total_still_reports_the_count() -> None:
    out = io.StringIO()
    progress = Progress("fetching", unit="candles", stream=out)
    progress.advance(300, note="up to 2025-01-01")
    progress.close(note="done")
    assert "fetching 300 candles" in out.getvalue() and "done" in out.getvalue()
