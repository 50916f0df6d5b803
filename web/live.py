"""Live pages: one SSE stream tells an open page that the read model moved.

A page lists its live regions (element ids); the base layout connects to ``/live/changes``
with the read-model version the page was rendered at, and on each ``changed`` message htmx
fetches the same URL again and swaps just those regions (``hx-select``), so the scanner, the
positions, the kill-switch status and the equity curve follow paper trading without a reload.
The version is the projectors' tracking positions: they move exactly when new rows commit. The
stream first compares with the page's version, so a change between render and connect is not
missed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import anyio
import sqlite_utils
from litestar import Controller, Request, get
from litestar.params import FromQuery
from litestar.response import ServerSentEvent, ServerSentEventMessage

from adapters.services.jobs import JobRunner
from projections.projector import TRACKING
from web.page_cache import NO_CACHE

POLL_S = 0.25  # how often a stream looks at the read model (the issue: updates within 1 s)


def tracking(db: sqlite_utils.Database) -> list[tuple[str, int]]:
    """(projector, position) of every projector: they move exactly when new rows commit."""
    if TRACKING not in db.table_names():
        return []
    return db.execute(f"SELECT projection, notification_id FROM {TRACKING} ORDER BY 1").fetchall()


def read_model_version(db: sqlite_utils.Database) -> str:
    """The projectors' positions as one short token (empty for a fresh read DB)."""
    return ".".join(str(position) for _, position in tracking(db))


class CatchUp:
    """Keeps the read model fresh for the live streams: when the app projects events other
    processes store (``enabled``), the streams trigger it every ``POLL_S`` instead of waiting
    for the app's slower catch-up loop; shared, so 50 streams cost one catch-up."""

    def __init__(self, jobs: JobRunner, enabled: bool) -> None:
        self.jobs, self.enabled = jobs, enabled
        self._lock = asyncio.Lock()
        self._at = -float("inf")

    async def refresh(self) -> None:
        if not self.enabled:
            return
        async with self._lock:
            if time.monotonic() - self._at < POLL_S:
                return
            await anyio.to_thread.run_sync(self.jobs.catch_up)
            self._at = time.monotonic()


class LiveController(Controller):
    path = "/live"

    @get("/changes", opt={NO_CACHE: True})
    async def stream_changes(
        self, request: Request, since: FromQuery[str | None] = None
    ) -> ServerSentEvent:
        return ServerSentEvent(_changes(request, since or ""))


async def _changes(request: Request, seen: str) -> AsyncIterator[ServerSentEventMessage]:
    catch_up: CatchUp = request.app.state.catch_up
    while True:
        await catch_up.refresh()
        version = read_model_version(request.app.state.read.db())
        if version != seen:
            seen = version
            yield ServerSentEventMessage(event="changed", data=version)
        await asyncio.sleep(POLL_S)
