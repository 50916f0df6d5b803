"""One line on stderr when numba compiles instead of loading its cache, so a long first run says
why it waits.

numba announces every compilation (``numba:compile`` events), including the instant ones of a
warm cache (a kernel taking literal arguments is typed twice). A compilation still running after
``DELAY_S`` is a real one: the line is printed then, once per process.
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from numba.core import event

DELAY_S = 1.0
MESSAGE = (
    "scalp-radar: compiling the numba kernels, their cache is cold (the first run after an "
    "install or an upgrade; `scalp-radar warm-cache` does it ahead): a minute, once"
)


class ColdCompileNotice(event.Listener):
    def __init__(self, stream: TextIO | None = None, delay_s: float = DELAY_S) -> None:
        self._stream = stream
        self._delay_s = delay_s
        self._depth = 0  # nested compilations: the kernel's callees
        self._timer: threading.Timer | None = None
        self.said = False

    def on_start(self, event: event.Event) -> None:
        self._depth += 1
        if self._depth == 1 and not self.said:
            self._timer = threading.Timer(self._delay_s, self._say)
            self._timer.daemon = True
            self._timer.start()

    def on_end(self, event: event.Event) -> None:
        self._depth -= 1
        if self._depth == 0 and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _say(self) -> None:
        if not self.said:
            self.said = True
            print(MESSAGE, file=self._stream or sys.stderr, flush=True)


_installed: list[ColdCompileNotice] = []


def install() -> None:
    """Listen to this process's numba compilations from now on (once per process)."""
    if not _installed:
        _installed.append(ColdCompileNotice())
        event.register("numba:compile", _installed[0])
