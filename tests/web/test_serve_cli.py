"""``scalp-radar serve`` (issue 12): a busy port or an unknown host is one line and exit 2, a
bind beyond loopback warns, the key comes from the home's ``.env`` (not the current
directory's), no server banner, and a Host that is not the served address is a 400."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from adapters.cli.main import main
from tests.web.serving import free_port, wait_port
from web.auth import WRONG

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCALP_RADAR_API_KEY", raising=False)


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("scalp-radar: error: "), err
    return lines[0].removeprefix("scalp-radar: error: ")


def test_a_busy_port_is_one_line_and_exit_2(tmp_path: Path, capsys, no_key) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["--home", str(tmp_path), "serve", "--port", str(port)])
    assert code == 2
    line = one_error_line(capsys)
    assert line.startswith(f"cannot listen on 127.0.0.1:{port}: Address already in use")
    assert "--port" in line


def test_an_unresolvable_host_is_one_line_and_exit_2(tmp_path: Path, capsys, no_key) -> None:
    code = main(["--home", str(tmp_path), "serve", "--host", "no-such-host.invalid"])
    assert code == 2
    assert one_error_line(capsys).startswith("--host 'no-such-host.invalid': cannot resolve it")


def test_an_address_of_no_interface_here_is_one_line_and_exit_2(
    tmp_path: Path, capsys, no_key
) -> None:
    code = main(["--home", str(tmp_path), "serve", "--host", "192.0.2.1", "--port", "8765"])
    assert code == 2
    assert one_error_line(capsys).startswith("cannot listen on 192.0.2.1:8765: ")


@pytest.mark.parametrize(
    ("content", "why"), [(b"SCALP_RADAR_API_KEY=\xff\n", "invalid UTF-8"), (b"\x00" * 8, "NUL")]
)
def test_a_dotenv_that_is_not_text_is_one_line_naming_it_and_exit_2(
    tmp_path: Path, capsys, no_key, content: bytes, why: str
) -> None:
    (tmp_path / ".env").write_bytes(content)
    assert main(["--home", str(tmp_path), "serve", "--port", str(free_port())]) == 2
    line = one_error_line(capsys)
    assert line.startswith(f"{tmp_path / '.env'}: not a text file") and why in line


@contextmanager
def serve(home: Path, cwd: Path, host: str, port: int) -> Iterator[subprocess.Popen]:
    env = {k: v for k, v in os.environ.items() if k != "SCALP_RADAR_API_KEY"}
    env["PYTHONPATH"] = str(REPO)
    cmd = [sys.executable, "-m", "adapters.cli.main", "--home", str(home), "serve"]
    proc = subprocess.Popen(
        [*cmd, "--host", host, "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(10)


def test_serving_every_interface_warns_reads_the_homes_key_and_checks_the_host(
    tmp_path: Path,
) -> None:
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir(), elsewhere.mkdir()
    (home / ".env").write_text("SCALP_RADAR_API_KEY=home-key\n")
    (elsewhere / ".env").write_text("SCALP_RADAR_API_KEY=cwd-key\n")  # where it is started
    port = free_port()
    with serve(home, elsewhere, "0.0.0.0", port) as proc:
        first = proc.stdout.readline()
        assert first.startswith(f"dashboard on http://0.0.0.0:{port}/ (commands need the API key)")
        warning = proc.stderr.readline()
        assert warning.startswith("scalp-radar: warning: serving on 0.0.0.0: the pages are")
        assert "TLS proxy" in warning and "API key travels in clear" in warning
        wait_port(port, proc)
        base = f"http://127.0.0.1:{port}"
        page = httpx.get(f"{base}/research", timeout=30)
        assert page.status_code == 200
        assert "server" not in page.headers  # no uvicorn banner
        assert page.headers["x-frame-options"] == "DENY"
        # the home's key, not the one of the directory serve was started in
        cancel = f"{base}/explorer/jobs/nope/cancel"
        assert httpx.post(cancel, headers={"X-API-Key": "home-key"}).status_code == 404
        wrong = httpx.post(cancel, headers={"X-API-Key": "cwd-key"})
        assert (wrong.status_code, wrong.text) == (403, WRONG)
        # DNS rebinding: another name resolved to this machine is refused
        rebound = httpx.get(f"{base}/research", headers={"Host": f"evil.example:{port}"})
        assert rebound.status_code == 400
        assert (
            httpx.get(f"{base}/research", headers={"Host": f"10.9.8.7:{port}"}).status_code == 200
        )


def test_serving_loopback_says_nothing_more_and_answers_its_names_only(tmp_path: Path) -> None:
    port = free_port()
    with serve(tmp_path, tmp_path, "127.0.0.1", port) as proc:
        first = proc.stdout.readline()
        assert first.startswith(f"dashboard on http://127.0.0.1:{port}/ (commands disabled")
        wait_port(port, proc)
        base = f"http://127.0.0.1:{port}"
        for host, status in (
            (f"127.0.0.1:{port}", 200),
            (f"localhost:{port}", 200),
            (f"10.9.8.7:{port}", 400),
            (f"evil.example:{port}", 400),
        ):
            response = httpx.get(f"{base}/status", headers={"Host": host}, timeout=30)
            assert response.status_code == status, host
        proc.terminate()
        proc.wait(10)
        assert proc.stderr.read() == ""  # no warning
