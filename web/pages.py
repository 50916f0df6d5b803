"""The home redirect and the engine-status fragment the layout polls."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Redirect, Template

from web.page_cache import NO_CACHE
from web.templating import fragment, selected_portfolio


@get("/", sync_to_thread=False)
def home() -> Redirect:
    return Redirect(path="/research")


@get("/status", sync_to_thread=False, opt={NO_CACHE: True})
def status(request: Request) -> Template:
    """The engine badge, polled by the layout so a stopped engine shows as offline."""
    return fragment("partials/engine_status.html", engine=selected_portfolio(request)[0])


HANDLERS = [home, status]
