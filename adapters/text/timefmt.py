"""UTC epoch milliseconds to and from the text people type and read."""

from __future__ import annotations

import time
from datetime import UTC, datetime

_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%MZ",  # what domain.market.iso_utc writes (--json, trade exports): pasted back
    "%Y-%m-%dT%H:%M:%SZ",
)


def wall_ms() -> int:
    """The machine's clock in epoch ms: the time people live in (one place, so a test can set
    it for a command that asks "what is closed by now?")."""
    return int(time.time() * 1000)


def fmt_ts(ms: int | None) -> str:
    """``1672531200000`` -> ``2023-01-01 00:00`` (UTC); ``None`` -> ``-``. A time no date
    holds (year 1,142,764, beyond 64 bits: a bad row being refused, an event an older version
    stored) is shown as its number rather than raising while an error is being reported."""
    if ms is None:
        return "-"
    try:
        return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError, TypeError):
        return f"ts={ms!r:.40}"


def parse_date(text: str) -> int:
    """``2025-01-01`` or ``2025-01-01 08:00`` (UTC) -> epoch ms; ValueError names the formats."""
    for fmt in _FORMATS:
        try:
            parsed = datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        return int(parsed.replace(tzinfo=UTC).timestamp() * 1000)
    raise ValueError(f"bad date {text!r} (expected YYYY-MM-DD or 'YYYY-MM-DD HH:MM', UTC)")
