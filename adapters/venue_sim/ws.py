"""The local Bitget's private websocket (``/v2/ws/private``), as ccxt.pro's bitget speaks it.

- ``{"op": "login", "args": [{apiKey, passphrase, timestamp, sign}]}`` answered
  ``{"event": "login", "code": 0}``, or Bitget's ``{"event": "error", "code": 30011 | 30012 |
  30015, "msg": ...}`` (the socket stays open, as on Bitget);
- ``{"op": "subscribe", "args": [{"instType": "USDT-FUTURES", "channel": "orders" | "fill" |
  "orders-algo", "instId": "default"}]}`` acked ``{"event": "subscribe", "arg": ...}``; before a
  login: error 30004; any other channel: error 30001;
- the text ``"ping"`` answered ``"pong"`` (ccxt drops a connection whose pongs stop);
- pushes: the frames ``VenueSim`` publishes, to every logged-in socket subscribed to their
  channel, in publication order.

An aiohttp server on its own event loop in a thread (the HTTP side is a threaded stdlib
server): ``publish`` and ``disconnect`` are called from other threads and hand over with
``call_soon_threadsafe``; one sender task keeps the frames in order. The ``drop_ws_frames``
fault is taken per frame that has someone to go to.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import WSMsgType, web

from adapters.venue_sim.faults import Faults
from adapters.venue_sim.signing import Credentials, check_login

PATH = "/v2/ws/private"
CHANNELS = ("orders", "fill", "orders-algo")
Frame = dict[str, Any]


class _Session:
    """One connected socket: logged in or not, the channels it subscribed to."""

    def __init__(self, transport: asyncio.BaseTransport | None) -> None:
        self.transport = transport
        self.logged_in = False
        self.channels: set[str] = set()


class PrivateWs:
    def __init__(self, credentials: Credentials, faults: Faults) -> None:
        self.credentials, self.faults = credentials, faults
        self.url = ""
        # read by the HTTP threads: is any socket subscribed (else changes need no frames)?
        self.listening = False
        self._sessions: dict[web.WebSocketResponse, _Session] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._outbox: asyncio.Queue[list[Frame]] | None = None
        self._stopped: asyncio.Event | None = None

    @contextmanager
    def serve(self, port: int = 0) -> Iterator[str]:
        """Serve on 127.0.0.1:``port`` (0: any) in a thread; yields the ``ws://`` base URL
        (ccxt's private URL keeps its path ``/v2/ws/private`` on it)."""
        ready = threading.Event()
        thread = threading.Thread(target=asyncio.run, args=(self._main(port, ready),), daemon=True)
        thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"venue-sim websocket: could not listen on 127.0.0.1:{port}")
        try:
            yield self.url
        finally:
            assert self._loop is not None and self._stopped is not None
            self._loop.call_soon_threadsafe(self._stopped.set)
            thread.join(10)

    def publish(self, frames: list[Frame]) -> None:
        """Send ``frames`` to their channels' subscribers (from any thread)."""
        if self._loop is not None and self._outbox is not None:
            self._loop.call_soon_threadsafe(self._outbox.put_nowait, frames)

    def disconnect(self) -> None:
        """Cut every socket now, without a close frame, like a network failure (any thread)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._cut)

    # --- the loop's side ---------------------------------------------------------------------
    async def _main(self, port: int, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._outbox, self._stopped = asyncio.Queue(), asyncio.Event()
        app = web.Application()
        app.router.add_get(PATH, self._handle)
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port)
        await site.start()
        self.url = f"ws://127.0.0.1:{runner.addresses[0][1]}"
        sender = asyncio.ensure_future(self._send_loop(self._outbox))
        ready.set()
        await self._stopped.wait()
        sender.cancel()
        for ws in list(self._sessions):
            await ws.close()
        await runner.cleanup()

    def _cut(self) -> None:
        for session in self._sessions.values():
            if session.transport is not None:
                session.transport.abort()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = self._sessions[ws] = _Session(request.transport)
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                if msg.data == "ping":
                    await ws.send_str("pong")
                else:
                    await self._on_message(ws, session, msg.data)
        finally:
            del self._sessions[ws]
            self._update_listening()
        return ws

    async def _on_message(self, ws: web.WebSocketResponse, session: _Session, text: str) -> None:
        try:
            message = json.loads(text)
            op, args = message["op"], list(message["args"])
        except (ValueError, KeyError, TypeError):
            await _send(ws, {"event": "error", "code": 30016, "msg": "Param error"})
            return
        if op == "login":
            refused = check_login(self.credentials, args[0] if args else {})
            session.logged_in = refused is None
            answer = {"event": "login", "code": 0} if refused is None else _error(*refused)
            await _send(ws, answer)
        elif op == "subscribe":
            for arg in args:
                await _send(ws, self._subscribe(session, arg))
        else:
            await _send(ws, _error(30003, f"Invalid op {op}"))

    def _subscribe(self, session: _Session, arg: dict[str, str]) -> Frame:
        if not session.logged_in:
            return {**_error(30004, "User not logged in"), "arg": arg}
        channel = arg.get("channel", "")
        if arg.get("instType") != "USDT-FUTURES" or channel not in CHANNELS:
            what = ",".join(f"{k}:{arg.get(k)}" for k in ("instType", "channel", "instId"))
            return {**_error(30001, f"{what} doesn't exist"), "arg": arg, "op": "subscribe"}
        session.channels.add(channel)
        self._update_listening()
        return {"event": "subscribe", "arg": arg}

    def _update_listening(self) -> None:
        self.listening = any(s.channels for s in self._sessions.values())

    async def _send_loop(self, outbox: asyncio.Queue[list[Frame]]) -> None:
        while True:
            for frame in await outbox.get():
                channel = frame["arg"]["channel"]
                to = [w for w, s in self._sessions.items() if s.logged_in and channel in s.channels]
                if not to or self.faults.take_kind("drop_ws_frames") is not None:
                    continue
                for ws in to:
                    await _send(ws, frame)


def _error(code: int, msg: str) -> Frame:
    return {"event": "error", "code": code, "msg": msg}


async def _send(ws: web.WebSocketResponse, frame: Frame) -> None:
    if ws.closed:
        return
    with contextlib.suppress(ConnectionError):  # cut meanwhile: lost, as on the venue
        await ws.send_str(json.dumps(frame))
