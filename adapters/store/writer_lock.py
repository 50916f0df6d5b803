"""One writer per paper portfolio: an exclusive lock file held while a process writes it.

Two processes writing the same Simulator would conflict at their next save (optimistic
concurrency); the lock turns that into a clear message at start. The OS releases the lock
when the process dies, even by SIGKILL, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

_POLL_S = 0.1  # how often a waiting lock is retried


class WriterLockBusy(RuntimeError):
    pass


class WriterLock:
    """An exclusive OS lock on ``path`` for the ``with`` block. A busy lock is retried for up to
    ``wait_s`` seconds (``on_wait`` is told once), then ``busy_error`` says who holds it."""

    busy_error: type[RuntimeError] = WriterLockBusy

    def __init__(
        self, path: Path, wait_s: float = 0.0, on_wait: Callable[[str], None] | None = None
    ) -> None:
        self.path = path
        self.wait_s = wait_s
        self.on_wait = on_wait
        self._fd: int | None = None

    def busy_message(self) -> str:
        return f"another process is writing this portfolio (lock {self.path})"

    def waiting_message(self) -> str:
        return f"waiting for the lock {self.path}"

    def __enter__(self) -> Self:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait_s
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise self.busy_error(self.busy_message()) from None
                if not told and self.on_wait is not None:
                    self.on_wait(self.waiting_message())
                    told = True
                time.sleep(_POLL_S)
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def held(path: Path) -> bool:
    """Whether a live process holds the lock at ``path`` (the OS drops a dead one's lock, so a
    crash never reads as held)."""
    if not path.exists():
        return False
    try:
        with WriterLock(path):
            return False
    except WriterLockBusy:
        return True
