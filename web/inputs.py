"""Checks on query parameters and form fields: bad input is a 400 that names the field and why.

Handlers take every parameter as an optional string and validate it here, so the message is
ours ("sort: must be one of ...") rather than a generic validation dump.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from litestar.exceptions import ClientException

MAX_TEXT = 64  # strategy and symbol names are short; anything longer is not a name


def bad_request(field: str, reason: str) -> ClientException:
    return ClientException(detail=f"{field}: {reason}")


def choice(field: str, value: str | None, allowed: Collection[str], default: str) -> str:
    if value is None or value == "":
        return default
    if value not in allowed:
        raise bad_request(field, f"must be one of {', '.join(sorted(allowed))}, got {value!r}")
    return value


def optional_choice(field: str, value: str | None, allowed: Collection[str]) -> str | None:
    if value is None or value == "":
        return None
    return choice(field, value, allowed, "")


def name(field: str, value: str | None) -> str | None:
    """A free-text name filter (strategy, symbol): bounded and printable, else 400."""
    if value is None or value == "":
        return None
    if len(value) > MAX_TEXT or not value.isprintable():
        raise bad_request(field, f"not a valid name (at most {MAX_TEXT} printable characters)")
    return value


def required(field: str, value: str | None) -> str:
    checked = name(field, value)
    if checked is None:
        raise bad_request(field, "is required")
    return checked


FREE = "*"  # form value of a parameter left free (every grid value is tried)


def grid_value(field: str, text: str, values: Sequence[Any]) -> Any:
    """The grid value whose text form is ``text`` (forms send strings, grids hold numbers)."""
    for value in values:
        if str(value) == text:
            return value
    shown = ", ".join(str(v) for v in values)
    raise bad_request(field, f"{text!r} is not a value of the grid ({shown}) nor {FREE!r}")


def fixed_params(form: Mapping[str, str], grid: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
    """Fixed parameters from ``p_<name>`` fields: ``*`` (or absent) leaves a parameter free."""
    fixed: dict[str, Any] = {}
    for key, text in form.items():
        if not key.startswith("p_"):
            continue
        param = key[2:]
        if param not in grid:
            raise bad_request(key, f"{param!r} is not a parameter of this strategy's grid")
        if text != FREE:
            fixed[param] = grid_value(key, text, grid[param])
    return fixed


def page_number(field: str, value: str | None, pages: int | None = None) -> int:
    """A page number from 1 (and at most ``pages`` when known), else 400."""
    if value is None or value == "":
        return 1
    if not value.isdigit() or int(value) < 1:
        raise bad_request(field, f"must be a whole number from 1, got {value!r}")
    number = int(value)
    if pages is not None and number > pages:
        raise bad_request(field, f"there are {pages} pages, got {number}")
    return number


def sequence_number(field: str, value: str | None) -> int | None:
    """An event sequence number (>= 0) or None when absent, else 400."""
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise bad_request(field, f"must be a whole number >= 0, got {value!r}")
    return int(value)
