"""Names a user gives that become paths, keys or stream ids (a portfolio's name)."""

from __future__ import annotations

import re

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


class BadNameError(ValueError):
    """A name that could escape a directory, collide or be empty."""


def checked_name(kind: str, value: str) -> str:
    """``value`` when it is 1-64 letters, digits, ``-`` or ``_``; else BadNameError saying so.

    A portfolio's name becomes its lock file's name and its aggregate's id: ``../x`` would
    write outside the state directory and ``""`` would be a portfolio nobody can name."""
    if not _NAME.fullmatch(value):
        raise BadNameError(f"{kind} name {value[:80]!r}: use 1-64 letters, digits, '-' or '_'")
    return value
