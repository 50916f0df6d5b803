"""Errors answered for who asked: a browser navigating (a GET or HEAD asking for HTML, not htmx)
gets a page inside the layout, with the navigation to go on from; htmx, scripts and JSON clients
get one plain-text line (htmx shows it in the page's message area as it is)."""

from __future__ import annotations

import logging

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from web.templating import page

MAX_ERROR = 500  # characters of an error message (the longest of ours: about 200)
SERVER_ERROR = "Internal server error: the server's log has the details"
TITLES = {400: "Bad request", 404: "Page not found", 405: "Method not allowed"}

log = logging.getLogger(__name__)


def http_error(request: Request, exc: HTTPException) -> Response:
    """A 4xx (or a handler's own 5xx): its reason, as a page or as a line."""
    return _answer(request, exc.status_code, _detail(exc))


def server_error(request: Request, exc: Exception) -> Response:
    """Any other exception is a 500 whose text names no internals (the log has them)."""
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return _answer(request, HTTP_500_INTERNAL_SERVER_ERROR, SERVER_ERROR)


def wants_page(request: Request) -> bool:
    """A browser's navigation: GET or HEAD, HTML accepted, not an htmx request."""
    accept = request.headers.get("accept", "")
    return (
        request.method in ("GET", "HEAD")
        and "text/html" in accept
        and "hx-request" not in request.headers
    )


def _answer(request: Request, status: int, detail: str) -> Response:
    if wants_page(request):
        try:
            title = TITLES.get(status, "Server error" if status >= 500 else "Error")
            response = page(request, "error.html", "", status=status, title=title, detail=detail)
            response.status_code = status
            return response
        except Exception:  # the layout reads the read model: when it fails too, the line
            log.exception("the error page could not be drawn")
    return Response(content=detail, status_code=status, media_type=MediaType.TEXT)


def _detail(exc: HTTPException) -> str:
    detail = exc.detail
    if isinstance(exc, ValidationException) and exc.extra:
        extra = exc.extra if isinstance(exc.extra, list) else [exc.extra]
        detail += ": " + "; ".join(
            f"{e.get('key', '?')}: {e.get('message', '')}" if isinstance(e, dict) else str(e)
            for e in extra
        )
    if len(detail) > MAX_ERROR:  # a 404 names the path asked for: not 5,000 characters of it
        detail = detail[:MAX_ERROR] + "..."
    return detail
