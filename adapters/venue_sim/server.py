"""``VenueSim``: the local Bitget, an HTTP server on 127.0.0.1 in a thread.

A threading stdlib HTTP server rather than an ASGI app: the ``lose_answer`` fault must close the
socket without any response, which ASGI servers do not allow. One lock serialises requests and
steps, so the matcher sees one change at a time. Control endpoints (unsigned, local only):
``POST /sim/step``, ``GET /sim/state``, ``POST /sim/faults``, ``POST /sim/close-position``.
The private websocket (``ws.PrivateWs``) listens on a port of its own (``ws_url``); after each
change of the account, the changes go out on it as Bitget's private-channel frames.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import msgspec

from adapters.venue_sim import signing, wire
from adapters.venue_sim.book import Fill, Order, Plan, Position, Refusal, SimMarket
from adapters.venue_sim.endpoints import Endpoints
from adapters.venue_sim.faults import Fault, Faults
from adapters.venue_sim.matching import Costs, Matcher, StepResult
from adapters.venue_sim.pushes import Watermark, pushes_since, skip
from adapters.venue_sim.signing import SIM_CREDENTIALS, Credentials
from adapters.venue_sim.ws import PrivateWs

PUBLIC = ("/api/v2/public/", "/api/v2/mix/market/", "/api/v2/spot/public/")
Reply = tuple[int, Any] | None  # (HTTP status, JSON body or raw bytes); None: drop the socket


class Unprotected(msgspec.Struct):
    """The longest time a position existed without a pos_loss covering its whole size."""

    pauses: int = 0
    wall_ms: float = 0.0


class SimState(msgspec.Struct):
    ts: int
    balance: float
    positions: list[Position]
    open_orders: list[Order]
    open_plans: list[Plan]
    fills: list[Fill]
    client_oids: list[str]
    duplicates_refused: list[str]
    unprotected: Unprotected


class VenueSim:
    def __init__(
        self,
        markets: list[SimMarket],
        start_ts: int,
        tf_ms: int,
        balance: float = 10_000.0,
        maker: float = 0.0002,
        taker: float = 0.0006,
        slippage: float = 0.0,
        credentials: Credentials = SIM_CREDENTIALS,
        lockstep: bool = True,
        hedge_mode: bool = False,
        speed: float = 1.0,
        reaction_ms: int = 500,
    ) -> None:
        self.matcher = Matcher(markets, start_ts, balance, Costs(maker, taker, slippage))
        self.faults = Faults()
        self.matcher.partial = self.faults.take_partial
        self.endpoints = Endpoints(self.matcher, tf_ms, hedge_mode)
        self.credentials, self.lockstep = credentials, lockstep
        self.speed, self.reaction_ms = speed, reaction_ms
        self.ws = PrivateWs(credentials, self.faults)
        self.url = self.ws_url = ""
        self._pushed = Watermark()
        self._routes = self.endpoints.routes()
        self._lock = threading.RLock()
        self._bare_since: dict[str, tuple[int, float]] = {}  # symbol -> (pauses, wall s)
        self._worst = Unprotected()
        self._stop = threading.Event()

    # --- Python API ------------------------------------------------------------------------------
    def step(self) -> StepResult:
        with self._lock:
            result = self.matcher.step()
            self._watch_protection()
            self._push()
            return result

    def state(self) -> SimState:
        with self._lock:
            self._watch_protection()
            m = self.matcher
            return SimState(
                m.now_ts, m.balance, list(m.positions.values()),
                [o for o in m.orders.values() if o.open],
                [p for p in m.plans.values() if p.status == "live"], list(m.fills),
                sorted(m.client_oids), list(m.duplicates), msgspec.structs.replace(self._worst),
            )  # fmt: skip

    def close_position(self, symbol: str) -> Fill | None:
        with self._lock:
            if symbol not in self.matcher.markets:
                raise ValueError(f"venue-sim close-position: unknown symbol {symbol!r}")
            fill = self.matcher.close_by_hand(symbol)
            self._watch_protection()
            self._push()
            return fill

    def inject(self, fault: Fault) -> None:
        """Arm ``fault``; a ``ws_disconnect`` acts at once: every private socket is cut."""
        if fault.kind == "ws_disconnect":
            self.ws.disconnect()
        else:
            self.faults.add(fault)

    @contextmanager
    def serve(self, port: int = 0, ws_port: int = 0) -> Iterator[VenueSim]:
        with ExitStack() as stack:
            self.ws_url = stack.enter_context(self.ws.serve(ws_port))
            yield stack.enter_context(self._serve_http(port))

    @contextmanager
    def _serve_http(self, port: int) -> Iterator[VenueSim]:
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        server.daemon_threads = True
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        threads = [threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)]
        if not self.lockstep:
            threads.append(threading.Thread(target=self._run, daemon=True))
        for t in threads:
            t.start()
        try:
            yield self
        finally:
            self._stop.set()
            server.shutdown()
            server.server_close()

    def _run(self) -> None:
        """Free-running: a candle every 1/speed s, ``reaction_ms`` after each fill pause."""
        while not self._stop.is_set():
            result = self.step()
            if result.paused == "end":
                return
            wait = self.reaction_ms / 1000 if result.paused == "fill" else 1.0 / self.speed
            self._stop.wait(wait)

    def _push(self) -> None:
        """The account's changes since the last push, out on the private websocket (skipped
        while nobody subscribes: Bitget replays nothing to a late subscriber either)."""
        if not self.ws.listening:
            skip(self.matcher, self._pushed)
            return
        frames = pushes_since(self.matcher, self._pushed)
        if frames:
            self.ws.publish(frames)

    def _watch_protection(self) -> None:
        bare = self.matcher.unprotected_symbols()
        now, pauses = time.monotonic(), self.matcher.pauses
        for s in list(self._bare_since):
            if s not in bare:
                del self._bare_since[s]
        for s in bare:
            since = self._bare_since.setdefault(s, (pauses, now))
            self._worst.pauses = max(self._worst.pauses, pauses - since[0])
            self._worst.wall_ms = max(self._worst.wall_ms, (now - since[1]) * 1000)

    # --- HTTP ---------------------------------------------------------------------------------
    def reply(self, method: str, path: str, query: str, body: str, headers: Any) -> Reply:
        if path.startswith("/sim/"):
            return self._control(method, path, body)
        now = self.matcher.now_ts
        if path == "/api/v3/account/settings":  # the UTA probe: this is a classic account
            return 400, wire.error("40084", "You are in Classic Account mode", now)
        fault = self.faults.take(path, before=True)
        if fault is not None:
            status = 429 if fault.kind == "429" else 400
            code = "429" if fault.kind == "429" else fault.code
            return status, wire.error(code, "Too Many Requests" if status == 429 else "fault", now)
        route = self._routes.get((method, path))
        if route is None:
            return 404, wire.error("40404", f"Request URL NOT FOUND {path}", now)
        if not path.startswith(PUBLIC):
            refused = signing.check(self.credentials, headers, method, path, query, body)
            if refused is not None:
                return 400, wire.error(*refused, now)
        try:
            params = json.loads(body) if body else dict(parse_qsl(query))
            with self._lock:
                data = route(params)
                self._watch_protection()
                self._push()
                answer = 200, wire.envelope(data, self.matcher.now_ts)
        except Refusal as exc:
            return 400, wire.error(exc.code, exc.msg, now)
        except (ValueError, TypeError, AttributeError) as exc:
            return 400, wire.error("40017", f"Parameter verification failed: {exc}", now)
        return _after(self.faults.take(path, before=False), answer)

    def _control(self, method: str, path: str, body: str) -> Reply:
        try:
            if (method, path) == ("POST", "/sim/step"):
                if not self.lockstep:  # its own clock already steps it: a second would skip
                    return 409, {"error": "the simulator runs on its own clock (--speed): "
                                 "start it with --lockstep to step it"}  # fmt: skip
                return 200, msgspec.to_builtins(self.step())
            if (method, path) == ("GET", "/sim/state"):
                return 200, msgspec.to_builtins(self.state())
            if (method, path) == ("POST", "/sim/faults"):
                self.inject(msgspec.json.decode(body or "{}", type=Fault))
                return 200, {"ok": True}
            if (method, path) == ("POST", "/sim/close-position"):
                symbol = json.loads(body or "{}").get("symbol", "")
                return 200, {"fill": msgspec.to_builtins(self.close_position(symbol))}
        except (ValueError, msgspec.ValidationError) as exc:
            return 400, {"error": f"{path}: {exc}"}
        return 404, {"error": f"{method} {path}: no such control endpoint"}


def _after(fault: Fault | None, answer: tuple[int, Any]) -> Reply:
    """The answer once the request acted, as the post-action fault (if any) bends it."""
    if fault is None:
        return answer
    status, body = answer
    if fault.kind == "lose_answer":
        return None
    if fault.kind == "delay":
        time.sleep(fault.seconds)
        return answer
    if fault.kind == "malformed":
        return status, b'{"code":"00000","msg":"success","data":{'
    return status, _broken(body, fault.kind == "nan_price")


def _broken(body: Any, nan: bool) -> Any:
    """``body`` with every price field NaN (``nan``) or without its ``data`` fields' first key."""
    if isinstance(body, dict):
        out = {k: _broken(v, nan) for k, v in body.items()}
        if nan:
            return {k: ("NaN" if "price" in k.lower() else v) for k, v in out.items()}
        if "orderId" in out or "symbol" in out:
            out.pop("orderId", None) or out.pop("symbol", None)
        return out
    if isinstance(body, list):
        return [_broken(v, nan) for v in body]
    return body


def _handler(sim: VenueSim) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body go out in two writes: with Nagle's algorithm on, the body waits
        # for the client's delayed ACK (40 ms a request on Linux)
        disable_nagle_algorithm = True

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            reply = sim.reply(method, url.path, unquote(url.query), body, self.headers)
            if reply is None:  # lose_answer: the request acted, no answer ever comes
                self.close_connection = True
                return
            status, payload = reply
            raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, *args: object) -> None:  # requests are not worth a log line
            pass

    return Handler
