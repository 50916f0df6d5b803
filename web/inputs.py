"""Checks on query parameters and form fields: bad input is a 400 that names the field and why.

Handlers take every parameter as an optional string and validate it here, so the message is
ours ("sort: must be one of ...") rather than a generic validation dump. Numbers go through
``whole_number`` only. Commands read their body through ``command_form``: a body that is not a
readable form is refused, never read as "no fields" (which could widen what the command does).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request
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


MAX_INT = 2**63 - 1  # SQLite's INTEGER: a larger number can name no row
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII digits only: str.isdigit() also takes "²" and "٣"


def whole_number(field: str, value: str, low: int = 0, high: int = MAX_INT) -> int:
    """``value`` as an integer in ``low..high``, written in plain ASCII digits, else 400.

    The one parser of numbers from URLs and headers: a superscript, a sign, spaces or a
    5,000-digit string are refused here, before they reach ``int()`` or SQLite."""
    if not _DIGITS.fullmatch(value) or not low <= int(value) <= high:
        top = "2^63 - 1" if high == MAX_INT else str(high)
        shown = value if len(value) <= 24 else value[:24] + "..."
        raise bad_request(
            field, f"must be a whole number from {low} to {top} in digits 0-9, got {shown!r}"
        )
    return int(value)


def page_number(field: str, value: str | None, pages: int | None = None) -> int:
    """A page number from 1 (and at most ``pages`` when known), else 400."""
    if value is None or value == "":
        return 1
    number = whole_number(field, value, 1)
    if pages is not None and number > pages:
        raise bad_request(field, f"there are {pages} pages, got {number}")
    return number


def sequence_number(field: str, value: str | None) -> int | None:
    """An event sequence number (0 to 2**63 - 1) or None when absent, else 400."""
    if value is None or value == "":
        return None
    return whole_number(field, value)


FORM = "application/x-www-form-urlencoded"  # what htmx sends
MAX_FORM_FIELDS = 100
MAX_FORM_BYTES = 64 * 1024  # a command's form is a few names; the route refuses more (413)


async def command_form(
    request: Request, fields: Collection[str], prefixes: tuple[str, ...] = ()
) -> dict[str, str]:
    """The fields of a command's body, read strictly, else 400: an empty body has none; any
    other body must be ``application/x-www-form-urlencoded`` in UTF-8, each field given once
    and named in ``fields`` or starting with one of ``prefixes``. A JSON or garbled body is
    refused rather than taken as a form without fields."""
    body = await request.body()
    if not body:
        return {}
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != FORM:
        raise bad_request("body", f"must be a form ({FORM}), got {media or 'no content type'!r}")
    try:
        pairs = parse_qsl(
            body.decode("ascii"),
            keep_blank_values=True,
            strict_parsing=True,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise bad_request("body", "not a readable form (name=value pairs in UTF-8)") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key not in fields and not key.startswith(prefixes):
            raise bad_request(_shown(key), "is not a field of this command")
        if key in form:
            raise bad_request(_shown(key), "is given twice")
        form[key] = value
    return form


def present(form: Mapping[str, str], field: str) -> str:
    """A field the command needs to be given (it may be empty when empty means something)."""
    if field not in form:
        raise bad_request(field, "is required")
    return form[field]


def _shown(key: str) -> str:
    return repr(key[:MAX_TEXT]) if not key.isprintable() or len(key) > MAX_TEXT else key
