"""The console script skips the interpreter's teardown (numba's kernels take a quarter of a
second to free) but not the exit steps a command may rely on: threads still running are
joined, atexit handlers run, everything written reaches the reader, the exit code stays."""

from __future__ import annotations

import subprocess
import sys
import textwrap

COMMAND = textwrap.dedent(
    """
    import atexit, threading, time
    from adapters.cli import main as cli

    def command():
        def late():
            time.sleep(0.3)
            print("thread done", flush=False)
        threading.Thread(target=late).start()
        atexit.register(lambda: print("atexit ran", flush=False))
        print("x" * 100_000, flush=False)  # more than one buffer: all of it must arrive
        return 3

    cli.main = command
    cli.run()
    """
)


def test_the_exit_joins_threads_runs_atexit_and_flushes() -> None:
    done = subprocess.run([sys.executable, "-c", COMMAND], capture_output=True, text=True)
    assert done.returncode == 3, done.stderr
    assert done.stdout.splitlines() == ["x" * 100_000, "thread done", "atexit ran"]


def test_a_real_command_keeps_its_exit_code_and_output() -> None:
    code = "from adapters.cli.main import run; run()"
    done = subprocess.run(
        [sys.executable, "-c", code, "config", "check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    bad = subprocess.run([sys.executable, "-c", code, "bogus"], capture_output=True, text=True)
    assert bad.returncode == 2 and "invalid choice: 'bogus'" in bad.stderr
