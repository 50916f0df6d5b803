"""OrderStream over the local Bitget's private websocket, with the real ccxt.pro client.

Candles (venue_sim/sim_kit.CANDLES): the first rehearsed candle runs 101 -> 95 -> 103 -> 102, so
a 0.1 buy limit at 96 fills in the first ``step()``, at 96.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable

import pytest

from adapters.exchanges.order_stream import (
    OrderActivity,
    OrderStream,
    OrderStreamError,
    StreamWaker,
    bitget_stream,
)
from adapters.venue_sim.faults import Fault
from adapters.venue_sim.server import VenueSim
from adapters.venue_sim.signing import SIM_CREDENTIALS, Credentials
from tests.adapters.venue_sim.sim_kit import SYMBOL, make_sim, pro_client

TIMEOUT_S = 15.0
QUIET_S = 0.5  # how long "no signal" is watched for
RECONNECTED = OrderActivity(frozenset(), reconnected=True)
BTC_ACTIVITY = OrderActivity(frozenset({SYMBOL}), reconnected=False)


class Received:
    """The stream's signals, read by a task into a queue, so a test can wait with a timeout
    without cancelling the stream's generator."""

    def __init__(self, stream: OrderStream) -> None:
        self.queue: asyncio.Queue[OrderActivity] = asyncio.Queue()
        self.task = asyncio.ensure_future(self._pump(stream))

    async def _pump(self, stream: OrderStream) -> None:
        async for signal in stream.signals():
            self.queue.put_nowait(signal)

    async def next(self) -> OrderActivity:
        return await asyncio.wait_for(self.queue.get(), TIMEOUT_S)

    async def nothing(self) -> bool:
        await asyncio.sleep(QUIET_S)
        return self.queue.empty()


def run(scenario: Callable[[VenueSim, OrderStream, list[float]], Awaitable[None]]) -> None:
    sim, sleeps = make_sim(), []

    async def sleep(seconds: float) -> None:  # backoff recorded, not waited
        sleeps.append(seconds)

    async def main() -> None:
        stream = OrderStream(pro_client(sim), sleep=sleep)
        try:
            await scenario(sim, stream, sleeps)
        finally:
            await stream.close()

    with sim.serve():
        asyncio.run(asyncio.wait_for(main(), 3 * TIMEOUT_S))


def place_limit_at_96(sim: VenueSim) -> None:
    sim.matcher.new_order(SYMBOL, "buy", "limit", 96.0, 0.1, False, "")


def test_the_first_signal_asks_for_a_backfill():
    async def scenario(sim: VenueSim, stream: OrderStream, sleeps: list[float]) -> None:
        assert await Received(stream).next() == RECONNECTED

    run(scenario)


def test_a_fill_wakes_the_stream_with_its_symbol():
    async def scenario(sim: VenueSim, stream: OrderStream, sleeps: list[float]) -> None:
        place_limit_at_96(sim)
        received = Received(stream)
        assert await received.next() == RECONNECTED
        sim.step()
        assert await received.next() == BTC_ACTIVITY

    run(scenario)


def test_a_disconnect_asks_for_a_backfill_then_activity_resumes():
    async def scenario(sim: VenueSim, stream: OrderStream, sleeps: list[float]) -> None:
        place_limit_at_96(sim)
        received = Received(stream)
        assert await received.next() == RECONNECTED
        sim.inject(Fault("ws_disconnect"))
        assert await received.next() == RECONNECTED
        assert sleeps == [1.0]  # the first retry waits the base delay
        sim.step()
        assert await received.next() == BTC_ACTIVITY

    run(scenario)


def test_a_dropped_fill_is_found_by_the_backfill_after_the_reconnect():
    async def scenario(sim: VenueSim, stream: OrderStream, sleeps: list[float]) -> None:
        place_limit_at_96(sim)
        received = Received(stream)
        assert await received.next() == RECONNECTED
        sim.faults.add(Fault("drop_ws_frames", times=1))
        sim.step()  # the fill's frame is dropped: the stream never hears of it
        assert await received.nothing()
        sim.inject(Fault("ws_disconnect"))
        assert await received.next() == RECONNECTED
        # the consumer's REST backfill, as it must run now, finds the missed fill
        rest = pro_client(sim)
        try:
            trades = await rest.fetch_my_trades(SYMBOL)
        finally:
            await rest.close()
        assert [(t["price"], t["amount"]) for t in trades] == [(96.0, 0.1)]

    run(scenario)


def test_refused_keys_stop_the_stream_and_no_key_is_said(caplog):
    wrong = Credentials("the-wrong-key-123", "the-wrong-secret-456", "the-wrong-pass-789")
    sim = make_sim()

    async def main() -> str:
        stream = OrderStream(pro_client(sim, wrong))
        try:
            with pytest.raises(OrderStreamError) as refused:
                await anext(stream.signals())
            return str(refused.value)
        finally:
            await stream.close()

    with sim.serve(), caplog.at_level(logging.DEBUG):
        message = asyncio.run(asyncio.wait_for(main(), TIMEOUT_S))
    assert "30011" in message  # Bitget's "Invalid ACCESS_KEY"
    for secret in (wrong.api_key, wrong.secret, wrong.passphrase, SIM_CREDENTIALS.secret):
        assert secret not in message
        assert secret not in caplog.text


def test_the_waker_wakes_the_live_loop_at_a_fill_long_before_its_poll(monkeypatch):
    """``StreamWaker`` (the stream in its own thread) ends ``wait(60)`` when the venue pushes a
    fill: the live loop reacts at once instead of at its next poll. ``bitget_stream`` builds
    the keyed client from the same environment overrides as the account's."""
    sim = make_sim()
    place_limit_at_96(sim)
    with sim.serve():
        monkeypatch.setenv("SCALP_RADAR_API_URL_BITGET", sim.url)
        monkeypatch.setenv("SCALP_RADAR_WS_URL_BITGET", sim.ws_url)
        c = SIM_CREDENTIALS
        waker = StreamWaker(bitget_stream(c.api_key, c.secret, c.passphrase)).start()
        try:
            waker.wait(TIMEOUT_S)  # the first signal: connected (a backfill is due)
            began = time.monotonic()
            threading.Timer(0.3, sim.step).start()
            waker.wait(60.0)
            assert 0.25 < time.monotonic() - began < 10.0
        finally:
            waker.close()
