"""A numba compilation that takes time says so, once; the instant ones of a warm cache do not."""

from __future__ import annotations

import io
import time

import numba
from numba.core import event

from adapters.text.compile_notice import MESSAGE, ColdCompileNotice


def _listening(delay_s: float) -> tuple[ColdCompileNotice, io.StringIO]:
    stream = io.StringIO()
    return ColdCompileNotice(stream, delay_s), stream


def test_long_compilations_print_one_line_while_the_first_runs() -> None:
    notice, stream = _listening(0.05)
    for _ in range(2):
        notice.on_start(None)
        time.sleep(0.3)
        assert stream.getvalue() == MESSAGE + "\n"  # said during the compilation
        notice.on_end(None)


def test_a_real_compilation_is_heard() -> None:
    notice, stream = _listening(0.0)
    with event.install_listener("numba:compile", notice):

        @numba.njit  # no cache: compiled now
        def add(x, y):
            return x + y

        add(1, 2)
    assert stream.getvalue() == MESSAGE + "\n"


def test_instant_compilations_say_nothing() -> None:
    notice, stream = _listening(0.5)
    notice.on_start(None)
    notice.on_end(None)  # a warm cache's literal typing: milliseconds
    time.sleep(0.6)
    assert stream.getvalue() == "" and not notice.said
