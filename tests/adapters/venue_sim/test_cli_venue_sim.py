"""``scalp-radar venue-sim`` as a user runs it: a subprocess on a free port, a tiny home."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CLI = [sys.executable, "-m", "adapters.cli.main"]


def _run(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "--home", str(home), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)  # fmt: skip


def test_bad_speed_is_one_line_and_exit_2(tmp_path):
    done = _run(tmp_path, "venue-sim", "--symbol", "BTC/USDT:USDT", "--from", "2025-01-01",
                "--speed", "0")  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "scalp-radar: error: --speed must be > 0 candles per second, got 0.0"
    ]


def test_serves_the_stored_candles_with_market_time(tmp_path):
    _run(tmp_path, "data", "import", str(ROOT / "sample_data" / "bitget-specs.csv"))
    _run(tmp_path, "data", "import", str(ROOT / "sample_data" / "BTC_USDT-1h.csv.gz"))
    cmd = [*CLI, "--home", str(tmp_path), "venue-sim", "--symbol", "BTC/USDT:USDT",
           "--from", "2025-06-01", "--port", "0"]  # fmt: skip
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True) as proc:
        try:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            url = line.split()[1]
            assert "sim-secret" not in line
            with urllib.request.urlopen(f"{url}/api/v2/public/time", timeout=5) as answer:
                server_time = json.load(answer)["data"]["serverTime"]
            assert server_time == "1748736000000"  # 2025-06-01T00:00:00Z
        finally:
            proc.terminate()
