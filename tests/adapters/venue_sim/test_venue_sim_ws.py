"""The local Bitget's private websocket against the real ccxt.pro client.

Candles (sim_kit.CANDLES): the first rehearsed candle runs 101 -> 95 -> 103 -> 102, so a 0.1
buy limit at 96 fills at 96 (maker fee 96 x 0.1 x 0.0002 = 0.00192), and a market buy placed
at that fill pause fills at the walk's price there, 96, as a taker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp
import ccxt
import pytest

from adapters.venue_sim.faults import Fault
from adapters.venue_sim.server import VenueSim
from adapters.venue_sim.signing import SIM_CREDENTIALS, Credentials
from tests.adapters.venue_sim.sim_kit import SYMBOL, make_sim, pro_client

TIMEOUT_S = 10.0


def run(scenario: Callable[[VenueSim, ccxt.pro.bitget], Awaitable[None]], **pro: object) -> None:
    sim = make_sim()

    async def main() -> None:
        exchange = pro_client(sim, **pro)  # type: ignore[arg-type]
        try:
            await exchange.load_markets()
            await scenario(sim, exchange)
        finally:
            await exchange.close()

    with sim.serve():
        asyncio.run(asyncio.wait_for(main(), TIMEOUT_S))


async def subscribed(sim: VenueSim) -> None:
    while not sim.ws.listening:
        await asyncio.sleep(0.01)


def test_a_limit_fill_is_pushed_on_the_fill_channel():
    async def scenario(sim: VenueSim, ex: ccxt.pro.bitget) -> None:
        watching = asyncio.ensure_future(ex.watch_my_trades())
        await subscribed(sim)
        await ex.create_order(SYMBOL, "limit", "buy", 0.1, 96.0)
        sim.step()
        trade = (await watching)[0]
        assert (trade["symbol"], trade["side"], trade["price"], trade["amount"]) == (
            SYMBOL, "buy", 96.0, 0.1
        )  # fmt: skip
        assert trade["fee"]["cost"] == pytest.approx(0.00192)

    run(scenario)


def test_a_limit_fill_updates_the_order_on_the_orders_channel():
    async def scenario(sim: VenueSim, ex: ccxt.pro.bitget) -> None:
        placed = await ex.create_order(SYMBOL, "limit", "buy", 0.1, 96.0)
        watching = asyncio.ensure_future(ex.watch_orders())
        await subscribed(sim)
        sim.step()
        order = (await watching)[-1]
        assert (order["id"], order["status"], order["filled"]) == (placed["id"], "closed", 0.1)

    run(scenario)


def test_a_placed_stop_is_pushed_on_the_orders_algo_channel():
    async def scenario(sim: VenueSim, ex: ccxt.pro.bitget) -> None:
        await ex.create_order(SYMBOL, "limit", "buy", 0.1, 96.0)
        sim.step()  # long 0.1 at 96
        # with a symbol: ccxt 4.5.90 resolves a linear trigger order under "triggerOrder:<symbol>"
        # but never under the "triggerOrder:linear" a symbol-less watch waits on
        watching = asyncio.ensure_future(ex.watch_orders(SYMBOL, params={"trigger": True}))
        await subscribed(sim)
        await ex.create_order(SYMBOL, "market", "sell", 0.1, None, {"stopLossPrice": 94.0})
        stop = (await watching)[-1]
        assert (stop["symbol"], stop["triggerPrice"], stop["status"]) == (SYMBOL, 94.0, "open")

    run(scenario)


def test_a_wrong_signature_is_refused_at_login():
    wrong = Credentials(SIM_CREDENTIALS.api_key, "not-the-secret", SIM_CREDENTIALS.passphrase)

    async def scenario(sim: VenueSim, ex: ccxt.pro.bitget) -> None:
        with pytest.raises(ccxt.AuthenticationError, match="30015"):
            await ex.watch_orders()

    # load_markets is public: the client works until it signs something
    run(scenario, creds=wrong)


def test_a_dropped_frame_is_not_delivered():
    async def scenario(sim: VenueSim, ex: ccxt.pro.bitget) -> None:
        watching = asyncio.ensure_future(ex.watch_my_trades())
        await subscribed(sim)
        sim.faults.add(Fault("drop_ws_frames", times=1))
        limit = await ex.create_order(SYMBOL, "limit", "buy", 0.1, 96.0)
        sim.step()  # the limit's fill: its frame is dropped
        market = await ex.create_order(SYMBOL, "market", "buy", 0.1)
        delivered = await watching
        assert [t["order"] for t in delivered] == [market["id"]]
        # the venue's REST fill list, the truth, has both
        fills = await ex.fetch_my_trades(SYMBOL)
        assert sorted(t["order"] for t in fills) == sorted([limit["id"], market["id"]])

    run(scenario)


def test_ping_is_answered_pong():
    sim = make_sim()

    async def main() -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(sim.ws_url + "/v2/ws/private") as ws,
        ):
            await ws.send_str("ping")
            assert await ws.receive_str() == "pong"

    with sim.serve():
        asyncio.run(asyncio.wait_for(main(), TIMEOUT_S))
