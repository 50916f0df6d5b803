"""The live feed against real ccxt.pro and ccxt talking to local fakes of Bitget's public
websocket (``fake_bitget_ws``) and REST API (``fake_venue``). Every sleep of the feed is
injected and instant, so the scenarios run in well under a second each."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

import pytest

from adapters.exchanges.client import make_exchange, make_pro_exchange
from adapters.exchanges.fetch import RetryPolicy
from adapters.exchanges.live_feed import ClosedCandle, LiveFeed, LiveFeedError
from domain.market import Market
from tests.adapters.fake_bitget_ws import FakeBitgetWs
from tests.adapters.fake_venue import HOUR_MS, MINUTE_MS, FakeVenue, candle_values

H = HOUR_MS
# Mid-candle, 50 h back: ccxt picks Bitget's REST endpoint by the real clock, and the recent
# `candles` one is what the fake venue checks the feed's page sizes against.
NOW = int(time.time() * 1000) // H * H - 50 * H + 30 * MINUTE_MS
F = NOW // H * H  # the candle forming when the feed connects
BTC = Market("bitget", "BTC/USDT", "1h")
ETH = Market("bitget", "ETH/USDT", "1h")
BTC_PERP = Market("bitget", "BTC/USDT:USDT", "1h")
SCENARIO_TIMEOUT_S = 10.0

Sleeps = list[float]


def final(ts: int) -> tuple[int, float, float, float, float, float]:
    """The closed candle at ``ts`` as both fakes serve it (4-decimal strings)."""
    return (ts, *(float(f"{x:.4f}") for x in candle_values(ts, H)))  # type: ignore[return-value]


def run(scenario: Callable[[], object]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), SCENARIO_TIMEOUT_S))  # type: ignore[arg-type]


@asynccontextmanager
async def venue(
    monkeypatch: pytest.MonkeyPatch, snapshot_size: int = 5
) -> AsyncIterator[tuple[FakeVenue, FakeBitgetWs]]:
    with FakeVenue("bitget", now_ms=NOW, listed_ms=NOW - 900 * H, bases=("BTC", "ETH")) as rest:
        async with FakeBitgetWs(now_ms=NOW, snapshot_size=snapshot_size) as ws:
            monkeypatch.setenv("SCALP_RADAR_API_URL_BITGET", rest.url)
            monkeypatch.setenv("SCALP_RADAR_WS_URL_BITGET", ws.url)
            yield rest, ws


def feed_for(
    markets: Sequence[Market],
    last_ts: dict[Market, int | None],
    sleeps: Sleeps,
    *,
    really_wait_s: float = 0.0,
    **options: object,
) -> LiveFeed:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await asyncio.sleep(really_wait_s)

    return LiveFeed(
        make_pro_exchange("bitget", min_interval_ms=0),
        make_exchange("bitget", min_interval_ms=0),
        markets,
        last_ts.get,
        sleep=sleep,
        **options,  # type: ignore[arg-type]
    )


async def take(candles: AsyncIterator[list[ClosedCandle]], count: int) -> list[ClosedCandle]:
    """The next ``count`` closed candles, checking each yielded list is oldest first."""
    got: list[ClosedCandle] = []
    while len(got) < count:
        batch = await anext(candles)
        assert [c.row[0] for c in batch] == sorted(c.row[0] for c in batch)
        got.extend(batch)
    assert len(got) == count, f"more candles than expected: {got[count:]}"
    return got


def rows(candles: list[ClosedCandle], market: Market = BTC) -> list[tuple[int, ...]]:
    assert {c.market for c in candles} == {market}
    return [c.row for c in candles]


def test_closed_candles_come_once_in_order_after_a_newer_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def scenario() -> None:
        async with venue(monkeypatch) as (rest, ws):
            sleeps: Sleeps = []
            feed = feed_for([BTC], {BTC: F - H}, sleeps)
            candles = feed.closed_candles()
            first = asyncio.ensure_future(anext(candles))
            await ws.wait_subscribed(1)
            await asyncio.sleep(0.2)  # the snapshot shows F still forming: nothing is closed
            assert not first.done()

            await ws.advance(NOW + H)  # F gets its final values, F + 1h starts
            assert [c.row for c in await first] == [final(F)]
            await ws.advance(NOW + 3 * H)
            assert rows(await take(candles, 2)) == [final(F + H), final(F + 2 * H)]
            await ws.advance(NOW + 3 * H + MINUTE_MS)  # the forming candle again, re-sent
            await ws.advance(NOW + 4 * H)
            assert rows(await take(candles, 1)) == [final(F + 3 * H)]

            assert rest.requests_to("candles") == []  # no gap, so no REST call
            assert sleeps == []
            await candles.aclose()
            await feed.close()

    run(scenario)


def test_subscriptions_go_in_batches_with_a_pause_between(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    markets = [
        BTC,
        ETH,
        BTC_PERP,
        Market("bitget", "ETH/USDT:USDT", "1h"),
        Market("bitget", "BTC/USDT", "15m"),
    ]

    async def scenario() -> None:
        async with venue(monkeypatch) as (_rest, ws):
            seen_at_pause: list[tuple[float, int]] = []

            async def sleep(seconds: float) -> None:
                seen_at_pause.append((seconds, len(ws.subscribed)))

            feed = LiveFeed(
                make_pro_exchange("bitget", min_interval_ms=0),
                make_exchange("bitget", min_interval_ms=0),
                markets,
                lambda _market: None,
                batch=2,
                pause_s=0.75,
                sleep=sleep,
            )
            candles = feed.closed_candles()
            waiting = asyncio.ensure_future(anext(candles))
            await ws.wait_subscribed(5)
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
            await feed.close()

            assert seen_at_pause == [(0.75, 2), (0.75, 4)]
            spot = {"instType": "SPOT", "channel": "candle1H"}
            perp = {"instType": "USDT-FUTURES", "channel": "candle1H"}
            batches = [ws.subscribed[0:2], ws.subscribed[2:4], ws.subscribed[4:]]
            assert [sorted(a["instId"] for a in b) for b in batches] == [
                ["BTCUSDT", "ETHUSDT"],
                ["BTCUSDT", "ETHUSDT"],
                ["BTCUSDT"],
            ]
            assert all(a == {**spot, "instId": a["instId"]} for a in batches[0])
            assert all(a == {**perp, "instId": a["instId"]} for a in batches[1])
            assert batches[2] == [{"instType": "SPOT", "channel": "candle15m", "instId": "BTCUSDT"}]

    run(scenario)


def test_a_dropped_connection_reconnects_with_backoff_and_backfills_the_gap(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="scalp_radar.feed")

    async def scenario() -> None:
        # A 2-candle snapshot cannot cover a 4-hour outage: the middle must come from REST.
        async with venue(monkeypatch, snapshot_size=2) as (rest, ws):
            sleeps: Sleeps = []
            # Backoff waits are short but real, so a watcher dialling during one would show.
            feed = feed_for([BTC_PERP], {BTC_PERP: F - H}, sleeps, really_wait_s=0.05)
            candles = feed.closed_candles()
            first = asyncio.ensure_future(anext(candles))
            await ws.wait_subscribed(1)
            await ws.advance(NOW + H)
            assert rows(await first, BTC_PERP) == [final(F)]

            ws.refuse(2)  # the venue stays down for two more dials
            await ws.drop()
            rest.now_ms = ws.now_ms = NOW + 5 * H  # four candles close while we are away
            got = await take(candles, 4)
            assert rows(got, BTC_PERP) == [final(F + k * H) for k in range(1, 5)]
            assert sleeps == [1.0, 2.0, 4.0]
            assert (ws.dials, ws.handshakes, len(ws.subscribed)) == (4, 2, 2)
            assert rest.requests_to("/api/v2/mix/market/candles")  # the backfill went to REST

            await ws.advance(NOW + 6 * H)  # streaming resumes, no candle repeated
            assert rows(await take(candles, 1), BTC_PERP) == [final(F + 5 * H)]
            await candles.aclose()
            await feed.close()

    run(scenario)
    retries = [r.getMessage() for r in caplog.records if "reconnecting" in r.getMessage()]
    assert [m.split("reconnecting in ")[1].split(" s")[0] for m in retries] == ["1.0", "2.0", "4.0"]
    assert "closing code 1006" in retries[0]  # the reason is in the log line
    assert "503" in retries[1]
    assert any("backfilling 4 candles" in r.getMessage() for r in caplog.records)


def test_candles_at_or_before_last_ts_are_not_yielded(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario() -> None:
        async with venue(monkeypatch) as (rest, ws):
            sleeps: Sleeps = []
            # BTC is stored one candle ahead of the stream; ETH has nothing stored, so it
            # starts with the candle forming at connection time.
            stored: dict[Market, int | None] = {BTC: F + H, ETH: None}
            feed = feed_for([BTC, ETH], stored, sleeps)
            candles = feed.closed_candles()
            first = asyncio.ensure_future(anext(candles))
            await ws.wait_subscribed(2)
            await asyncio.sleep(0.1)
            await ws.advance(NOW + 3 * H)
            got = [await first, await anext(candles)]
            by_market = {batch[0].market: [c.row for c in batch] for batch in got}
            assert by_market == {
                BTC: [final(F + 2 * H)],
                ETH: [final(F), final(F + H), final(F + 2 * H)],
            }
            stored[BTC] = F + 3 * H  # stored meanwhile by someone else: it still counts
            await ws.advance(NOW + 5 * H)
            got = [await anext(candles), await anext(candles)]
            by_market = {batch[0].market: [c.row for c in batch] for batch in got}
            assert by_market == {
                BTC: [final(F + 4 * H)],
                ETH: [final(F + 3 * H), final(F + 4 * H)],
            }
            assert rest.requests_to("candles") == []
            await candles.aclose()
            await feed.close()

    run(scenario)


def test_an_exchange_error_names_the_market(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario() -> None:
        async with venue(monkeypatch) as (_rest, ws):
            ws.reject("ETHUSDT")
            sleeps: Sleeps = []
            feed = feed_for([BTC, ETH], {BTC: F - H, ETH: F - H}, sleeps)
            with pytest.raises(LiveFeedError) as caught:
                async for _ in feed.closed_candles():
                    pass
            await feed.close()
            message = str(caught.value)
            assert message.startswith("bitget ETH/USDT 1h: exchange error: BadRequest")
            assert "doesn't exist" in message
            assert sleeps == []  # not retried

    run(scenario)


def test_an_unknown_symbol_is_an_exchange_error(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario() -> None:
        async with venue(monkeypatch):
            feed = feed_for([Market("bitget", "XRP/USDT", "1h")], {}, [])
            with pytest.raises(LiveFeedError, match=r"^bitget XRP/USDT 1h: exchange error: Bad"):
                async for _ in feed.closed_candles():
                    pass
            await feed.close()

    run(scenario)


def test_a_timeframe_the_stream_lacks_is_refused_up_front() -> None:
    exchange = make_pro_exchange("bitget")
    with pytest.raises(LiveFeedError, match="bitget BTC/USDT 2h: bitget streams no 2h candles"):
        LiveFeed(exchange, make_exchange("bitget"), [Market("bitget", "BTC/USDT", "2h")], dict.get)


def test_the_ws_override_leaves_rest_urls_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCALP_RADAR_API_URL_BITGET", raising=False)
    monkeypatch.setenv("SCALP_RADAR_WS_URL_BITGET", "ws://127.0.0.1:9/")
    urls = make_pro_exchange("bitget").urls["api"]
    assert urls["ws"]["public"] == "ws://127.0.0.1:9/v2/ws/public"
    assert urls["spot"] == "https://api.{hostname}"


def test_a_failing_backfill_call_is_retried_with_the_injected_sleep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def scenario() -> None:
        async with venue(monkeypatch, snapshot_size=2) as (rest, ws):
            rest.fail("502", times=1, path="/market/candles")
            sleeps: Sleeps = []
            retry = RetryPolicy(base_delay_s=0.25)
            feed = feed_for([BTC], {BTC: F - 3 * H}, sleeps, retry=retry)
            candles = feed.closed_candles()
            assert rows(await take(candles, 2)) == [final(F - 2 * H), final(F - H)]
            assert sleeps == [0.25]  # the REST retry, not a reconnect
            assert len(rest.requests_to("/market/candles")) == 2
            assert ws.handshakes == 1
            await candles.aclose()
            await feed.close()

    run(scenario)


def test_a_venue_that_stays_down_ends_the_feed_with_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def scenario() -> None:
        async with venue(monkeypatch) as (_rest, ws):
            ws.refuse(10)
            sleeps: Sleeps = []
            feed = feed_for([BTC], {BTC: F - H}, sleeps, retry=RetryPolicy(attempts=3))
            with pytest.raises(LiveFeedError, match=r"^bitget: gave up after 3 failed connections"):
                async for _ in feed.closed_candles():
                    pass
            await feed.close()
            assert sleeps == [1.0, 2.0]
            assert ws.dials == 3

    run(scenario)
