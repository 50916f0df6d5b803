"""The journal as a trader reads it: each event's type in words (never its class name), the
types one filters by, and the page of rows the Equity page shows (newest first, "older" for
more), filtered by runner and type."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from projections.paper.reader import PaperReader
from web import inputs

Row = dict[str, Any]
PAGE_ROWS = 15  # the Equity page stays light (under 60 KB); "older" loads the next
# a filter's type -> the journal kinds (the Simulator's event names) it holds, in menu order
TYPES: dict[str, tuple[str, ...]] = {
    "fill": ("GridLevelOpened", "PositionOpened"),
    "exit": ("GridCycleClosed", "PositionClosed"),
    "funding": ("FundingCharged",),
    "entry block": ("EntryBlocked", "EntryUnblocked"),
    "kill switch": ("KillSwitchTripped", "KillSwitchReset", "KillSwitchResetRefused"),
    "operator": ("EntriesHalted", "EntriesResumed"),
    "warning": ("CollisionDetected",),
    "set-up": (
        "Started",
        "RiskLimitsSet",
        "ExchangeSelected",
        "RunnerEnabled",
        "RunnerConfigured",
        "RunnerDisabled",
    ),
}
TYPE_OF = {kind: name for name, kinds in TYPES.items() for kind in kinds}


def type_of(kind: str) -> str:
    """The type a journal row shows for its event (an unknown one: "other")."""
    return TYPE_OF.get(kind, "other")


def query(runner: str | None, kind: str | None, runners: list[str]) -> dict[str, str]:
    """The filter asked for: a runner of the portfolio and a type, "" for all (400 otherwise)."""
    return {
        "runner": inputs.choice("runner", runner, [*runners, ""], ""),
        "type": inputs.choice("type", kind, [*TYPES, ""], ""),
    }


def rows(
    db: sqlite_utils.Database, portfolio: str, filters: dict[str, str], before: int | None = None
) -> tuple[list[Row], int | None]:
    """A page of rows newest first and the seq "older" continues before (None: no more)."""
    found = PaperReader(db).journal_newest(portfolio, before, PAGE_ROWS + 1, **_filters(filters))
    page = found[:PAGE_ROWS]
    return page, page[-1]["seq"] if len(found) > PAGE_ROWS else None


def newer(
    db: sqlite_utils.Database, portfolio: str, filters: dict[str, str], after: int, limit: int
) -> list[Row]:
    """Rows after ``after`` in event order (the live stream's), filtered."""
    return PaperReader(db).journal(portfolio, after, limit, **_filters(filters))


def _filters(filters: dict[str, str]) -> dict[str, Any]:
    return {"key": filters["runner"] or None, "kinds": TYPES.get(filters["type"], ())}
