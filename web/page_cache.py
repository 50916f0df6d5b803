"""Rendered pages remembered until the data under them changes.

Pages read only the read DB, the engine's online state and the jobs of this server, so a GET's
HTML is a function of its URL (path, query, htmx headers) and of a *version*: the tracking
positions (``_tracking``: they move exactly when a projector commits new rows) of the
projectors its family of pages reads, the engine status and the jobs' change counter. Between
two events a page is rendered once and every later request costs one small query and a dict
lookup, which is how 50 concurrent clients get their pages in a few milliseconds on one event
loop.

Concurrent misses on the same URL wait for the first render instead of all rendering it (a
lock per key). Only complete ``200 text/html`` responses are kept; streams (SSE), commands,
errors and static files pass through.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

NO_CACHE = "no_page_cache"  # handler opt key: never cache this route (streams, live views)
_VARY = (b"hx-request", b"hx-target")  # htmx asks for fragments of the same URL


@dataclass(slots=True)
class CachedPage:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass
class PageCache:
    """Pages by the version of what they read. ``version(path)`` returns (family, version): the
    pages of one family (say the research pages) read the same data, so a new version drops
    them all, while the other families' pages stay (a paper candle leaves research alone)."""

    version: Callable[[str], tuple[str, Hashable]]
    max_entries: int = 512
    hits: int = 0
    misses: int = 0
    _current: dict[str, Hashable] = field(default_factory=dict)
    _pages: dict[str, OrderedDict[Hashable, CachedPage]] = field(default_factory=dict)
    _locks: dict[Hashable, asyncio.Lock] = field(default_factory=dict)

    def lookup(self, key: Hashable) -> tuple[Hashable, CachedPage | None]:
        """(the current version of the page's family, its page for ``key`` if rendered);
        ``key[0]`` is the path."""
        family, version = self.version(key[0])
        pages = self._pages.setdefault(family, OrderedDict())
        if version != self._current.get(family):
            self._current[family] = version
            pages.clear()
            return (family, version), None
        page = pages.get(key)
        if page is not None:
            pages.move_to_end(key)
        return (family, version), page

    def store(self, key: Hashable, page: CachedPage, version: Hashable) -> None:
        family, seen = version
        if seen != self._current.get(family):  # the data moved while rendering: stale page
            return
        pages = self._pages[family]
        pages[key] = page
        if len(pages) > self.max_entries:
            pages.popitem(last=False)

    def lock(self, key: Hashable) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            if len(self._locks) > self.max_entries:
                self._locks = {k: v for k, v in self._locks.items() if v.locked()}
            lock = self._locks[key] = asyncio.Lock()
        return lock


class PageCacheMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    exclude_opt_key = NO_CACHE
    # static files are not HTML (never kept): skip the version query for them
    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith("/static/"))

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        cache: PageCache | None = getattr(scope["app"].state, "page_cache", None)
        if cache is None or scope["method"] != "GET":
            await next_app(scope, receive, send)
            return
        key = _key(scope)
        _, page = cache.lookup(key)
        if page is None:
            async with cache.lock(key):
                version, page = cache.lookup(key)  # rendered by the request we waited for?
                if page is None:
                    cache.misses += 1
                    page = await _render(scope, receive, send, next_app)
                    if page is not None:
                        cache.store(key, page, version)
                    return
        cache.hits += 1
        await _send(page, send)


def _key(scope: Scope) -> Hashable:
    headers = dict(scope["headers"])
    return (scope["path"], scope["query_string"], *(headers.get(h) for h in _VARY))


async def _render(
    scope: Scope, receive: Receive, send: Send, next_app: ASGIApp
) -> CachedPage | None:
    """Run the handler, passing its response through; return it when it can be kept."""
    start: dict = {}
    chunks: list[bytes] = []
    complete = False

    async def capture(message: Message) -> None:
        nonlocal complete
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            complete = not message.get("more_body", False)
        await send(message)

    await next_app(scope, receive, capture)
    headers = list(start.get("headers", []))
    html = any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers)
    if start.get("status") != 200 or not html or not complete or len(chunks) != 1:
        return None
    return CachedPage(200, headers, chunks[0])


async def _send(page: CachedPage, send: Send) -> None:
    await send({"type": "http.response.start", "status": page.status, "headers": page.headers})
    await send({"type": "http.response.body", "body": page.body, "more_body": False})
