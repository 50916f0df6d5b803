"""HTTP hardening of every response: security headers, and the Host check against DNS rebinding.

The headers go on every response, pages, fragments, streams, static files and errors alike
(a ``before_send`` hook, so responses litestar makes before any route, a 404 or a 405, get
them too). The Content-Security-Policy allows scripts and styles from this server only: no
inline ``<script>``, ``on*=`` handler or ``style`` attribute in the templates (``app.js`` wires
the few behaviours; htmx's own indicator styles are in ``app.css``, its injection switched off
by the ``htmx-config`` meta tag of ``_base.html``) and no ``eval`` (htmx's ``allowEval`` is off
as well, so a stray ``hx-on`` fails loudly instead of needing ``unsafe-eval``).

DNS rebinding: a page of another site can make the browser resolve its own name to 127.0.0.1
and read the dashboard as if it were that site; the request then carries the other site's name
as its Host. ``ServedHosts`` accepts only the address ``serve`` listens on (with its port), plus
``localhost``/``127.0.0.1``/``[::1]`` when that address is loopback; anything else is a 400
before routing. A wildcard bind (``0.0.0.0``, ``::``) accepts the machine's names, ``localhost``
and any IP literal: a rebinding attack needs a DNS name, and every address of the machine is
served.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # the empty data: favicon (no request for /favicon.ico)
        "connect-src 'self'",  # htmx requests and the SSE streams
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
)
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})
BAD_HOST = "the Host header does not name this server (DNS rebinding is refused)"


async def add_security_headers(message: Message, _scope: Scope) -> None:
    """``before_send`` hook: the headers of ``HEADERS`` on every response start."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for name, value in HEADERS:
            headers[name] = value


@dataclass(frozen=True, slots=True)
class ServedHosts:
    """The Host header values this server answers: ``names`` (lower case, IPv6 without
    brackets) on ``port``; ``any_ip``: every IP literal too (a wildcard bind)."""

    names: frozenset[str]
    port: int
    any_ip: bool = False

    @classmethod
    def for_bind(cls, host: str, port: int) -> ServedHosts:
        """What a server bound to ``host``:``port`` (``serve --host --port``) answers."""
        name = host.strip().strip("[]").lower()
        if name in WILDCARDS:
            local = {socket.gethostname().lower(), socket.getfqdn().lower(), "localhost"}
            return cls(frozenset(local - {""}), port, any_ip=True)
        names = {name}
        if _is_loopback(name):
            names |= LOOPBACK_NAMES
        return cls(frozenset(names), port)

    def allows(self, header: str | None) -> bool:
        parsed = parse_host(header)
        if parsed is None:
            return False
        name, port = parsed
        if port != self.port:
            return False
        return name in self.names or (self.any_ip and _is_ip(name))


def parse_host(header: str | None) -> tuple[str, int] | None:
    """(name, port) of a Host header (port 80 when absent: plain HTTP), None if malformed."""
    if not header:
        return None
    text = header.strip().lower()
    if text.startswith("["):  # [v6]:port
        name, sep, rest = text[1:].partition("]")
        if not sep or not _is_ip(name) or ":" not in name:
            return None
        port_text = rest[1:] if rest.startswith(":") else None if rest else ""
    else:
        name, _, port_text = text.partition(":")
        if ":" in port_text:
            return None
    if port_text is None or not name:
        return None
    if port_text == "":
        return name, 80
    if not (port_text.isascii() and port_text.isdigit() and len(port_text) <= 5):
        return None
    return name, int(port_text)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _is_loopback(name: str) -> bool:
    """Whether ``name`` is (or resolves only to) a loopback address."""
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


class HostGuard:
    """ASGI wrapper: a request whose Host is not served is a plain-text 400, before routing."""

    def __init__(self, app: ASGIApp, hosts: ServedHosts) -> None:
        self.app, self.hosts = app, hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = next((v for k, v in scope["headers"] if k == b"host"), None)
            if not self.hosts.allows(host.decode("latin-1") if host is not None else None):
                await _refuse(send, scope["type"])
                return
        await self.app(scope, receive, send)


async def _refuse(send: Send, kind: str) -> None:
    if kind == "websocket":  # none are served; refuse before accepting
        await send({"type": "websocket.close", "code": 1008})
        return
    body = BAD_HOST.encode()
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
