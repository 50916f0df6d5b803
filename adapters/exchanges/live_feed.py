"""Live candle feed: ccxt.pro ``watch_ohlcv`` streams turned into closed candles, with no gap.

A candle is closed once the exchange shows a newer one for the same market; the candle still
forming is never handed out. Each market has one watch task (ccxt 4.5.90 bitget has
``watchOHLCVForSymbols: False``: one subscribe message per market either way), started in
batches of ``batch`` with ``pause_s`` between batches because Bitget limits subscription
requests per connection.

All markets share one websocket, so a drop fails every watcher at once: the feed then closes
the websocket, waits (``RetryPolicy``: base delay doubling up to a cap, each retry logged with
its reason) and subscribes again. On the first message of each market after a (re)connect the
candles between the last one handed out (or ``last_ts``) and the newest streamed one are
fetched through REST with ``adapters.exchanges.fetch.fetch_candles`` (venue-sized pages, validated,
retried), so an outage skips nothing; a watermark per market means nothing is handed out twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ccxt

from adapters.exchanges.feed_errors import LiveFeedError
from adapters.exchanges.fetch import Candle, FetchError, RetryPolicy, fetch_candles, iso
from domain.candles import candle_problem
from domain.market import Market

if TYPE_CHECKING:
    import ccxt.pro

__all__ = ["Candle", "ClosedCandle", "LiveFeed", "LiveFeedError"]

log = logging.getLogger("scalp_radar.feed")

_FIRST_DATA_TIMEOUT_S = 10.0  # a batch that never answers must not block the next ones
_DEFAULT_RETRY = RetryPolicy()  # frozen: safe to share as a default
_MAX_ERROR_TEXT = 300  # ccxt messages embed whole payloads; keep errors readable


@dataclass(frozen=True, slots=True)
class ClosedCandle:
    market: Market
    row: Candle


class _SessionLost(Exception):
    """A network failure: reconnect with backoff (never leaves this module)."""


@dataclass(frozen=True, slots=True)
class _Update:
    market: Market
    rows: list[Candle]


@dataclass(frozen=True, slots=True)
class _Failure:
    market: Market
    error: BaseException


_STOP = object()  # put on the queue by close() so a waiting generator returns


@dataclass
class _Stream:
    """What the feed knows of one market."""

    market: Market
    done: int | None = None  # open time of the newest candle handed out (or already stored)
    newest: int | None = None  # open time of the newest candle streamed: still forming
    forming: dict[int, Candle] = field(default_factory=dict)  # streamed, not closed yet
    live: bool = False  # streamed at least once since the last (re)connect

    def add(self, rows: Sequence[Candle]) -> None:
        for row in rows:
            if self.done is None or row[0] > self.done:  # a late update of a handed-out candle
                self.forming[row[0]] = row
            self.newest = row[0] if self.newest is None else max(self.newest, row[0])

    def take_closed(self, backfill: Sequence[Candle]) -> list[Candle]:
        """Candles older than the newest streamed one, after ``done``, oldest first."""
        assert self.newest is not None
        ready = {ts: row for ts, row in self.forming.items() if ts < self.newest}
        ready.update((row[0], row) for row in backfill)  # REST rows are final: they win
        for ts in ready:
            self.forming.pop(ts, None)
        rows = [ready[ts] for ts in sorted(ready) if self.done is None or ts > self.done]
        if rows:
            self.done = rows[-1][0]
        return rows


class _ListSink:
    """The ``SeriesSink`` part ``fetch_candles`` uses, collecting rows in memory."""

    def __init__(self, last_ts: int) -> None:
        self.last_ts = last_ts
        self.rows: list[Candle] = []

    def last_candle_ts(self, market: Market) -> int | None:
        return self.last_ts

    def append_candles(self, market: Market, rows: Sequence[Candle]) -> int:
        self.rows.extend(rows)
        return len(rows)


class LiveFeed:
    def __init__(
        self,
        exchange: ccxt.pro.Exchange,
        rest: ccxt.Exchange,
        markets: Sequence[Market],
        last_ts: Callable[[Market], int | None],
        *,
        batch: int = 10,
        pause_s: float = 0.5,
        retry: RetryPolicy = _DEFAULT_RETRY,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if batch < 1:
            raise ValueError(f"batch must be >= 1, got {batch}")
        self._exchange, self._rest, self._last_ts = exchange, rest, last_ts
        self._markets = list(dict.fromkeys(markets))  # one subscription per market
        self._check_timeframes()
        self._batch, self._pause_s, self._retry, self._sleep = batch, pause_s, retry, sleep
        self._streams = {market: _Stream(market) for market in self._markets}
        self._tasks: set[asyncio.Task[None]] = set()
        self._queue: asyncio.Queue[object] | None = None
        self._healthy = False  # data came through the current connection
        self._closed = False

    async def closed_candles(self) -> AsyncIterator[list[ClosedCandle]]:
        """Yields lists of newly CLOSED candles (a candle is closed once the exchange shows a
        newer one for that market), oldest first, never one at or before last_ts(market) for
        its market. After a (re)connect, the gap since last_ts is backfilled through REST
        (adapters.exchanges.fetch style, paging) before streamed candles, so nothing is skipped.

        With nothing stored for a market (``last_ts`` gives ``None``) its first candle is the
        one forming when the feed connects: history is the backfill's job, not the stream's.
        """
        failures = 0  # connections in a row that failed before any data came through
        while not self._closed:
            self._queue = queue = asyncio.Queue()
            self._healthy = False
            for stream in self._streams.values():
                stream.live = False
            self._spawn(self._subscribe_all(queue))
            try:
                async with contextlib.aclosing(self._session(queue)) as session:
                    async for closed in session:
                        yield closed
                return  # close() was called
            except _SessionLost as exc:
                lost = exc
            finally:
                await self._stop_session()  # before waiting: no watcher may dial meanwhile
            failures = 1 if self._healthy else failures + 1
            await self._back_off(failures, str(lost))

    async def close(self) -> None:
        """Stop streaming and close the websocket client (the REST client stays open)."""
        self._closed = True
        if self._queue is not None:
            self._queue.put_nowait(_STOP)
        await self._stop_session()
        await self._exchange.close()

    # --- session ---------------------------------------------------------------------------
    async def _session(self, queue: asyncio.Queue[object]) -> AsyncIterator[list[ClosedCandle]]:
        """Closed candles from one connection, until it fails (``_SessionLost``)."""
        while True:
            item = await queue.get()
            if item is _STOP:
                return
            if isinstance(item, _Failure):
                raise self._failure_error(item)
            assert isinstance(item, _Update)
            rows = await self._on_update(item)
            if rows:
                yield [ClosedCandle(item.market, row) for row in rows]

    async def _subscribe_all(self, queue: asyncio.Queue[object]) -> None:
        """Start the watchers in batches; wait for each batch's first data before pausing so
        the pause separates subscriptions the exchange has actually received."""
        loop = asyncio.get_running_loop()
        for start in range(0, len(self._markets), self._batch):
            if start:
                await self._sleep(self._pause_s)
            group = self._markets[start : start + self._batch]
            answered = [loop.create_future() for _ in group]
            for market, first in zip(group, answered, strict=True):
                self._spawn(self._watch(market, queue, first))
            _done, silent = await asyncio.wait(answered, timeout=_FIRST_DATA_TIMEOUT_S)
            if silent:
                log.warning("%s: no data yet from a batch of %d markets after %.0f s; going on",
                            self._exchange.id, len(silent), _FIRST_DATA_TIMEOUT_S)  # fmt: skip
        log.info("%s: subscribed to %d markets", self._exchange.id, len(self._markets))

    async def _watch(
        self, market: Market, queue: asyncio.Queue[object], first: asyncio.Future[None]
    ) -> None:
        """Forward every update of one market to the queue, then its failure."""
        try:
            while True:
                rows = await self._exchange.watch_ohlcv(market.symbol, market.timeframe)
                # ccxt hands out rows of its own cache and mutates them later: copy now
                queue.put_nowait(_Update(market, [_as_candle(row) for row in rows]))
                if not first.done():
                    first.set_result(None)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every failure goes to the consumer, which decides
            queue.put_nowait(_Failure(market, exc))
        finally:
            if not first.done():
                first.set_result(None)

    async def _stop_session(self) -> None:
        tasks, self._tasks = self._tasks, set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # A fresh websocket next time: ccxt would otherwise keep a half-broken connection and
        # believe its old subscriptions still stand, and never send them again.
        await self._exchange.close_ws_clients()

    async def _back_off(self, failures: int, reason: str) -> None:
        name, attempts = self._exchange.id, self._retry.attempts
        if failures >= attempts:
            raise LiveFeedError(f"{name}: gave up after {failures} failed connections: {reason}")
        delay = self._retry.delay_s(failures)
        log.warning("%s: connection lost (%s); reconnecting in %.1f s (retry %d of %d)",
                    name, reason, delay, failures, attempts - 1)  # fmt: skip
        await self._sleep(delay)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)

    # --- candles -----------------------------------------------------------------------------
    async def _on_update(self, update: _Update) -> list[Candle]:
        stream = self._streams[update.market]
        self._healthy = True
        rows = _valid(update.market, update.rows)
        if not rows:
            return []
        backfill: list[Candle] = []
        if not stream.live:  # first data since (re)connecting: close the gap first
            stream.live = True
            backfill = await self._backfill(stream, max(row[0] for row in rows))
        stream.add(rows)
        closed = stream.take_closed(backfill)
        # last_ts is read again (once per closed candle, not per tick): the caller may have
        # stored candles from elsewhere since the connection began
        stored = self._last_ts(update.market) if closed else None
        return [row for row in closed if stored is None or row[0] > stored]

    async def _backfill(self, stream: _Stream, newest: int) -> list[Candle]:
        """Closed candles after ``done`` (or ``last_ts``) and before ``newest``, via REST."""
        market, tf = stream.market, stream.market.tf_ms
        stored = self._last_ts(market)
        known = [ts for ts in (stream.done, stored) if ts is not None]
        stream.done = max(known) if known else newest - tf  # nothing stored: start live
        first, last = stream.done + tf, newest - tf
        if first > last:
            return []
        label = _label(market)
        log.info("%s: backfilling %d candles from %s through REST",
                 label, (last - first) // tf + 1, iso(first))  # fmt: skip
        sink = _ListSink(stream.done)
        retry_sleep = _blocking(self._sleep, asyncio.get_running_loop())
        try:
            await asyncio.to_thread(
                fetch_candles, self._rest, market, sink, since_ms=None, now_ms=newest,
                retry=self._retry, sleep=retry_sleep,
            )  # fmt: skip
        except FetchError as exc:
            if isinstance(exc.__cause__, ccxt.NetworkError):
                raise _SessionLost(f"backfill: {exc}") from exc
            raise LiveFeedError(f"{label}: backfill failed: {exc}") from exc
        return sink.rows

    # --- errors ------------------------------------------------------------------------------
    def _failure_error(self, failure: _Failure) -> Exception:
        exc = failure.error
        if isinstance(exc, ccxt.NetworkError):
            return _SessionLost(f"{_label(failure.market)}: {_describe(exc)}")
        market = self._culprit(failure.market, exc)
        what = "exchange error" if isinstance(exc, ccxt.BaseError) else "feed error"
        error = LiveFeedError(f"{_label(market)}: {what}: {_describe(exc)}")
        error.__cause__ = exc
        return error

    def _culprit(self, reporter: Market, exc: BaseException) -> Market:
        """The market an exchange error is about. ccxt fails every watcher of the websocket
        with the same error, so the watcher that reports it is not necessarily the one."""
        text = str(exc)
        named = [m for m in self._markets if _mentions(text, self._market_id(m))]
        return reporter if reporter in named or not named else named[0]

    def _market_id(self, market: Market) -> str | None:
        try:
            return str(self._exchange.market(market.symbol)["id"])
        except Exception:  # markets not loaded, or the symbol is unknown there
            return None

    def _check_timeframes(self) -> None:
        # ccxt.pro venues may stream fewer timeframes than REST serves (Bitget: no 2h, 8h)
        known = self._exchange.options.get("timeframes") or self._exchange.timeframes or {}
        for market in self._markets:
            if market.timeframe not in known:
                raise LiveFeedError(
                    f"{_label(market)}: {self._exchange.id} streams no {market.timeframe} candles"
                    f" (it streams {', '.join(known)})"
                )


def _label(market: Market) -> str:
    return f"{market.exchange} {market.symbol} {market.timeframe}"


def _mentions(text: str, market_id: str | None) -> bool:
    return market_id is not None and re.search(rf"\b{re.escape(market_id)}\b", text) is not None


def _as_candle(row: Sequence[Any]) -> Candle:
    def number(value: Any) -> float:
        return math.nan if value is None else float(value)

    return (int(row[0]), *(number(value) for value in row[1:6]))  # type: ignore[return-value]


def _valid(market: Market, rows: Sequence[Candle]) -> list[Candle]:
    """Streamed rows that are sound candles; the others are dropped with a logged reason."""
    good = []
    for row in rows:
        problem = candle_problem(*row, market.tf_ms)
        if problem is None:
            good.append(row)
        else:
            log.warning("%s: dropped a bad streamed candle at %s: %s",
                        _label(market), iso(row[0]), problem)  # fmt: skip
    return good


def _blocking(
    sleep: Callable[[float], Awaitable[None]], loop: asyncio.AbstractEventLoop
) -> Callable[[float], None]:
    """The injected async sleep, callable from the REST worker thread (retry backoff)."""

    def wait(seconds: float) -> None:
        asyncio.run_coroutine_threadsafe(_awaited(sleep(seconds)), loop).result()

    return wait


async def _awaited(awaitable: Awaitable[None]) -> None:
    await awaitable


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= _MAX_ERROR_TEXT else text[: _MAX_ERROR_TEXT - 3] + "..."
