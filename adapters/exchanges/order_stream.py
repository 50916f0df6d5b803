"""Wake-ups from the venue's private order stream: which symbols' orders just changed.

The stream is only a trigger: a missed websocket frame is never replayed (ccxt#22719,
#26945), so nothing is booked from it; the REST fill list stays the truth. ``signals()`` yields
``OrderActivity``:

- ``reconnected=True`` once the socket is (again) logged in and the venue has acknowledged
  the ``orders`` subscription, the first time included: whatever happened while it was down
  (or before it came up) may be missing, so the consumer runs its REST backfill before it
  trusts the stream again;
- ``reconnected=False`` with the symbols of the orders that changed (a placement, a cancel, a
  fill: Bitget pushes every fill on ``orders`` too, with the order's new state).

``watch_orders`` rather than ``watch_my_trades``: the ``orders`` channel carries every fill AND
the venue's own changes that are not fills (the reduce-only orders and stops it cancels when a
position goes flat), which the consumer must see as well. One watch is always armed while the
consumer handles a signal, so a wake-up is not lost to a slow consumer (ccxt keeps the updates
that came meanwhile for the next one).

ccxt 4.5.90 drops Bitget's subscription acknowledgement (``handle_subscription_status``
returns it to no one), so the stream hooks that method on its client to hear it: a backfill
started before the venue took the subscription could miss a fill made in between.

A failed socket is closed (a fresh one next time: ccxt would otherwise believe its old
subscriptions still stand) and dialled again after a backoff that doubles up to a cap, for
ever: the REST polling carries on meanwhile. Refused keys stop the stream (``OrderStreamError``).
The keys appear in no log line and no message: the reasons are scrubbed of them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import ccxt
import msgspec

from adapters.exchanges.client import api_url_override, rebase_split, ws_url_override
from adapters.exchanges.fetch import RetryPolicy

if TYPE_CHECKING:
    import ccxt.pro

log = logging.getLogger("scalp_radar.orders")

_MAX_REASON = 300  # ccxt messages embed whole payloads; keep lines readable
# the delays only: the stream never gives up on a lost socket (``attempts`` is not used)
_DEFAULT_RETRY = RetryPolicy(base_delay_s=1.0, max_delay_s=30.0)
_ACK_TIMEOUT_S = 10.0


class OrderActivity(msgspec.Struct, frozen=True):
    symbols: frozenset[str]  # ccxt symbols whose orders changed ("BTC/USDT:USDT")
    reconnected: bool  # the socket (re)connected: backfill through REST before trusting it


class OrderStreamError(RuntimeError):
    """The venue refused the stream in a way retrying cannot fix (the keys)."""


class _Lost(msgspec.Struct, frozen=True):
    reason: str


class OrderStream:
    def __init__(
        self,
        exchange: ccxt.pro.Exchange,
        *,
        retry: RetryPolicy = _DEFAULT_RETRY,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._exchange, self._retry, self._sleep = exchange, retry, sleep
        self._watcher: asyncio.Task[None] | None = None
        self._acked = asyncio.Event()
        self._hear_acks()

    async def signals(self) -> AsyncIterator[OrderActivity]:
        failures = 0  # connections in a row that failed
        while True:
            queue: asyncio.Queue[OrderActivity | _Lost] = asyncio.Queue()
            try:
                await self._connect(queue)
            except ccxt.AuthenticationError as exc:
                await self.close()
                # from None: the chained ccxt error would print its unscrubbed text
                reason = self._scrub(exc)
                raise OrderStreamError(f"{self._exchange.id}: keys refused: {reason}") from None
            except ccxt.BaseError as exc:  # network, or the venue down: dial again
                failures += 1
                await self._back_off(failures, self._scrub(exc))
                continue
            failures = 0
            yield OrderActivity(frozenset(), reconnected=True)
            while not isinstance(item := await queue.get(), _Lost):
                yield item
            failures += 1
            await self._back_off(failures, item.reason)

    async def close(self) -> None:
        """Stop watching and close the websocket."""
        await self._stop_watcher()
        await self._exchange.close()

    async def _connect(self, queue: asyncio.Queue[OrderActivity | _Lost]) -> None:
        """Log in (a refused key raises here), then arm the ``orders`` watch on that socket and
        wait for the venue to acknowledge it."""
        url = self._exchange.urls["api"]["ws"]["private"]
        await self._exchange.authenticate({"url": url})
        self._acked.clear()
        self._watcher = watcher = asyncio.ensure_future(self._watch(queue))
        acked = asyncio.ensure_future(self._acked.wait())
        try:
            first = asyncio.FIRST_COMPLETED  # a watcher that fails ends the wait too
            await asyncio.wait({acked, watcher}, timeout=_ACK_TIMEOUT_S, return_when=first)
        finally:
            acked.cancel()
        if not self._acked.is_set():
            raise ccxt.NetworkError("the venue did not acknowledge the orders subscription")

    def _hear_acks(self) -> None:
        heard = self._exchange.handle_subscription_status

        def on_ack(client: Any, message: Any) -> Any:
            if isinstance(message, dict) and (message.get("arg") or {}).get("channel") == "orders":
                self._acked.set()
            return heard(client, message)

        self._exchange.handle_subscription_status = on_ack

    async def _watch(self, queue: asyncio.Queue[OrderActivity | _Lost]) -> None:
        try:
            while True:
                orders = await self._exchange.watch_orders()
                symbols = frozenset(o["symbol"] for o in orders if o.get("symbol"))
                queue.put_nowait(OrderActivity(symbols, reconnected=False))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any failure of the socket: the consumer reconnects
            queue.put_nowait(_Lost(self._scrub(exc)))

    async def _back_off(self, failures: int, reason: str) -> None:
        await self._stop_watcher()
        delay = self._retry.delay_s(failures)
        log.warning("%s: order stream lost (%s); reconnecting in %.1f s (failure %d)",
                    self._exchange.id, reason, delay, failures)  # fmt: skip
        await self._sleep(delay)

    async def _stop_watcher(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
        await self._exchange.close_ws_clients()

    def _scrub(self, exc: BaseException) -> str:
        """``exc`` as one line without the keys, shortened."""
        text = f"{type(exc).__name__}: {exc}"
        for secret in _secrets(self._exchange):
            text = text.replace(secret, "***")
        return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 3] + "..."


def _secrets(exchange: Any) -> list[str]:
    return [s for s in (exchange.apiKey, exchange.secret, exchange.password) if s]


def bitget_stream(api_key: str, secret: str, passphrase: str) -> OrderStream:
    """The account's order stream: a keyed ccxt.pro client with the REST client's options
    (``BitgetAccount.connect``), its URLs moved by ``SCALP_RADAR_API_URL_BITGET`` /
    ``SCALP_RADAR_WS_URL_BITGET`` as the market-data clients' are."""
    import ccxt.pro  # imported here: only live trading streams orders

    exchange = ccxt.pro.bitget(
        {
            "apiKey": api_key,
            "secret": secret,
            "password": passphrase,
            "options": {"defaultType": "swap", "uta": False, "fetchMarkets": {"types": ["swap"]}},
        }
    )
    rest_base, ws_base = api_url_override("bitget"), ws_url_override("bitget")
    exchange.urls["api"] = rebase_split(exchange.urls["api"], rest_base, ws_base)
    return OrderStream(exchange)


class StreamWaker:
    """Runs an ``OrderStream`` in a thread of its own (the live loop is synchronous) and sets
    ``event`` at every signal: the loop wakes at once instead of at its next poll. A stream
    that stops (refused keys) is logged; the polling goes on without it."""

    def __init__(self, stream: OrderStream) -> None:
        self.stream, self.event = stream, threading.Event()
        self._loop = asyncio.new_event_loop()
        self._task: asyncio.Task[None] | None = None
        self._thread = threading.Thread(target=self._run, name="order-stream", daemon=True)

    def start(self) -> StreamWaker:
        self._task = self._loop.create_task(self._consume())  # runs once the thread runs it
        self._thread.start()
        return self

    def wait(self, timeout_s: float) -> None:
        """Until a signal came (since the last wait) or ``timeout_s`` passed."""
        self.event.wait(timeout_s)
        self.event.clear()

    def close(self) -> None:
        """Cancel the consumer; the thread then closes the stream and its loop."""
        task = self._task
        if task is not None:
            self._loop.call_soon_threadsafe(task.cancel)
        self._thread.join(15)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        assert self._task is not None
        try:
            self._loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass
        except OrderStreamError as exc:
            log.error("order stream stopped: %s; polling only", exc)
        finally:
            self._loop.run_until_complete(self.stream.close())
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    async def _consume(self) -> None:
        async for _ in self.stream.signals():
            self.event.set()
