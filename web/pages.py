"""The home redirect, the engine-status fragment and the paper-trading pages' placeholders
(Scanner, Positions, Equity: filled once paper trading runs)."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Redirect, Template

from adapters.engine_status import engine_status
from web.templating import fragment, page

PLACEHOLDERS = {
    "scanner": "Scanner",
    "positions": "Positions",
    "equity": "Equity and journal",
}


@get("/", sync_to_thread=False)
def home() -> Redirect:
    return Redirect(path="/research")


@get("/status", sync_to_thread=False)
def status(request: Request) -> Template:
    """The engine badge, polled by the layout so a stopped engine shows as offline."""
    online, last_seen = engine_status(request.app.state.read.db())
    return fragment("partials/engine_status.html", engine_online=online, engine_last_seen=last_seen)


def _placeholder(key: str, title: str):
    @get(f"/{key}", name=key, sync_to_thread=False)
    def handler(request: Request) -> Template:
        return page(request, "placeholder.html", key, title=title)

    return handler


HANDLERS = [home, status, *(_placeholder(k, t) for k, t in PLACEHOLDERS.items())]
