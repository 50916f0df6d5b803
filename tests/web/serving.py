"""Start ``scalp-radar serve`` in a subprocess for tests: a free port, the API key, the wait."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited: {proc.stdout.read() if proc.stdout else ''}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"serve did not listen on {port}")


# the CLI of this checkout; an installed one is its ``scalp-radar`` script
THIS_CHECKOUT = (sys.executable, "-m", "adapters.cli.main")


@contextmanager
def serving(
    home: Path,
    config: Path | None,
    api_key: str,
    program: tuple[str, ...] = THIS_CHECKOUT,
    cwd: Path | None = None,
) -> Iterator[str]:
    """The base URL of a dashboard serving ``home`` (with the ``config`` folder's settings,
    None: the installed defaults) until the block ends."""
    port = free_port()
    env = os.environ | {"SCALP_RADAR_API_KEY": api_key}
    cmd = [*program, "--home", str(home)]
    cmd += ["--config-dir", str(config)] if config else []
    cmd += ["serve", "--port", str(port)]
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith(f"dashboard on http://127.0.0.1:{port}/"), first
        wait_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)
