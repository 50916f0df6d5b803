"""A real local websocket server that answers like Bitget's public WS v2 for candle channels.

Real ccxt.pro is pointed at it (``SCALP_RADAR_WS_URL_BITGET``). It speaks what ccxt 4.5.90
``pro/bitget.py`` sends and parses:

- client ``{"op": "subscribe", "args": [{"instType": "SPOT" | "USDT-FUTURES",
  "channel": "candle1H", "instId": "BTCUSDT"}]}`` (one arg per ``watch_ohlcv``);
- ack ``{"event": "subscribe", "arg": {...}}``, then ``{"action": "snapshot", "arg": {...},
  "data": [[ts, o, h, l, c, baseVol, quoteVol, usdtVol], ...], "ts": ...}`` (strings, oldest
  first), later ``{"action": "update", ...}`` with the same row shape;
- a refused subscription ``{"event": "error", "arg": {...}, "code": 30001, "msg":
  "instType:SPOT,channel:candle1H,instId:XYZUSDT doesn't exist", "op": "subscribe"}``;
- the text ``"ping"`` answered with ``"pong"``.

Candles are those of ``fake_venue.candle_values`` with the same 4-decimal strings, so the WS and
the REST fake agree on every closed candle. The candle forming at ``now_ms`` is served with
partial values (close = open, small volume) until the clock moves past it, so a test can tell
an in-progress candle from a final one. The server runs in the test's event loop.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import WSMsgType, web

from tests.adapters.fake_venue import _duration_ms, candle_values

Arg = dict[str, str]


def bitget_row(ts: int, tf_ms: int, *, forming: bool = False) -> list[str]:
    o, h, l, c, v = candle_values(ts, tf_ms)
    if forming:  # a candle seconds old: nothing moved yet
        h, l, c, v = o + 0.25, o - 0.25, o, 0.5
    return [str(ts)] + [f"{x:.4f}" for x in (o, h, l, c, v)] + ["0", "0"]


class FakeBitgetWs:
    """Use as an async context manager; ``url`` goes in ``SCALP_RADAR_WS_URL_BITGET``."""

    def __init__(self, *, now_ms: int, snapshot_size: int = 5) -> None:
        self.now_ms, self.snapshot_size = now_ms, snapshot_size
        self.subscribed: list[Arg] = []  # every subscribe arg received, in arrival order
        self.dials = 0  # handshakes attempted, refused ones included
        self.handshakes = 0  # accepted connections
        self._refuse = 0
        self._rejected: dict[str, int] = {}  # instId -> Bitget error code
        self._sockets: dict[web.WebSocketResponse, tuple[asyncio.BaseTransport | None, list[Arg]]]
        self._sockets = {}
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_get("/v2/ws/public", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        self._port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._port}"

    async def __aenter__(self) -> FakeBitgetWs:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()

    # --- test controls -------------------------------------------------------------------
    def refuse(self, times: int) -> None:
        """Answer the next ``times`` handshakes with HTTP 503 (venue down)."""
        self._refuse = times

    def reject(self, inst_id: str, code: int = 30001) -> None:
        """Refuse subscriptions to ``inst_id`` with a Bitget error event."""
        self._rejected[inst_id] = code

    async def advance(self, now_ms: int) -> None:
        """Move the clock; every subscription gets the final values of the candle that was
        forming and of any candle since, then the one now forming (as Bitget pushes them)."""
        before, self.now_ms = self.now_ms, now_ms
        for ws, (_transport, args) in list(self._sockets.items()):
            for arg in args:
                tf = _tf_ms(arg)
                rows = [
                    bitget_row(ts, tf, forming=ts == now_ms // tf * tf)
                    for ts in range(before // tf * tf, now_ms // tf * tf + 1, tf)
                ]
                await self._send(ws, {"action": "update", "arg": arg, "data": rows, "ts": now_ms})

    async def drop(self) -> None:
        """Cut every connection without a close frame, like a network failure."""
        for transport, _args in list(self._sockets.values()):
            if transport is not None:
                transport.abort()

    async def wait_subscribed(self, count: int, timeout: float = 5.0) -> None:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.subscribed) >= count), timeout
            )

    # --- protocol ------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.dials += 1
        if self._refuse:
            self._refuse -= 1
            return web.Response(status=503, text="Service Unavailable")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.handshakes += 1
        self._sockets[ws] = (request.transport, [])
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                if msg.data == "ping":
                    await ws.send_str("pong")
                else:
                    await self._on_message(ws, json.loads(msg.data))
        finally:
            self._sockets.pop(ws, None)
        return ws

    async def _on_message(self, ws: web.WebSocketResponse, message: dict[str, Any]) -> None:
        if message.get("op") != "subscribe":
            return
        for arg in message.get("args", []):
            await self._subscribe(ws, arg)

    async def _subscribe(self, ws: web.WebSocketResponse, arg: Arg) -> None:
        async with self._changed:
            self.subscribed.append(arg)
            self._changed.notify_all()
        code = self._rejected.get(arg.get("instId", ""))
        if code is not None:
            what = ",".join(f"{k}:{arg.get(k)}" for k in ("instType", "channel", "instId"))
            error = {"event": "error", "arg": arg, "code": code, "op": "subscribe"}
            await self._send(ws, {**error, "msg": f"{what} doesn't exist"})
            return
        await self._send(ws, {"event": "subscribe", "arg": arg})
        self._sockets[ws][1].append(arg)
        tf = _tf_ms(arg)
        forming = self.now_ms // tf * tf
        first = forming - (self.snapshot_size - 1) * tf
        rows = [bitget_row(ts, tf, forming=ts == forming) for ts in range(first, forming + 1, tf)]
        await self._send(ws, {"action": "snapshot", "arg": arg, "data": rows, "ts": self.now_ms})

    async def _send(self, ws: web.WebSocketResponse, body: dict[str, Any]) -> None:
        if not ws.closed:
            await ws.send_str(json.dumps(body))


def _tf_ms(arg: Arg) -> int:
    return _duration_ms(arg["channel"].removeprefix("candle"))
