"""Backfill closed candles, funding settlements and open interest from an exchange into a store.

The fetcher walks forward from the last stored row, one venue-sized page per call, validates
every row with the domain rules and hands each page to the sink as soon as it arrives, so an
interruption (Ctrl-C, a dead network, a bad row) keeps everything fetched before it.
Network trouble (timeouts, HTTP 429/5xx, dropped connections) is retried with exponential
backoff; anything else the exchange says is final. ``now_ms`` and ``sleep`` are injected so
tests are instant and deterministic.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, TypeVar

import ccxt

from adapters.exchanges.venues import VenueCaps, venue
from adapters.text.progress import Progress
from adapters.text.timefmt import fmt_ts
from domain.candles import candle_problem, funding_problem, open_interest_problem
from domain.market import FundingSeries, Market, OpenInterestSeries

Candle = tuple[int, float, float, float, float, float]  # ts (open time), o, h, l, c, v
Funding = tuple[int, float]  # ts (settlement time), rate
OpenInterest = tuple[int, float]  # ts (sample time), amount in base-asset units
Row = TypeVar("Row", Candle, Funding)
T = TypeVar("T")
Sleep = Callable[[float], None]

_MAX_ERROR_TEXT = 300  # ccxt messages embed the whole URL and body; keep errors readable


class SeriesSink(Protocol):
    def last_candle_ts(self, market: Market) -> int | None: ...

    def append_candles(self, market: Market, rows: Sequence[Candle]) -> int: ...

    def last_funding_ts(self, series: FundingSeries) -> int | None: ...

    def append_funding(self, series: FundingSeries, rows: Sequence[Funding]) -> int: ...

    def last_open_interest_ts(self, series: OpenInterestSeries) -> int | None: ...

    def append_open_interest(
        self, series: OpenInterestSeries, rows: Sequence[OpenInterest]
    ) -> int: ...


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"RetryPolicy.attempts must be >= 1, got {self.attempts}")

    def delay_s(self, failures: int) -> float:
        return min(self.max_delay_s, self.base_delay_s * 2 ** (failures - 1))


@dataclass
class FetchReport:
    series: str
    pages: int = 0
    added: int = 0
    first_ts: int | None = None
    last_ts: int | None = None
    retries: int = 0
    notes: list[str] = field(default_factory=list)  # what the venue could not give, and why


class FetchError(RuntimeError):
    """The fetch stopped; ``report`` says what was stored before it did."""

    def __init__(self, message: str, report: FetchReport | None = None) -> None:
        super().__init__(message)
        self.report = report


def iso(ts: int) -> str:
    return f"{fmt_ts(ts)} UTC"


@dataclass
class _Caller:
    """Runs one exchange request, retrying network failures with exponential backoff."""

    label: str
    retry: RetryPolicy
    sleep: Sleep
    report: FetchReport

    def __call__(self, request: Callable[[], T], what: str) -> T:
        for attempt in range(1, self.retry.attempts + 1):
            try:
                return request()
            except ccxt.NetworkError as exc:  # also 429 (DDoSProtection), timeouts, 5xx
                if attempt == self.retry.attempts:
                    raise FetchError(
                        f"{self.label}: {what}: gave up after {attempt} attempts ({_describe(exc)})"
                    ) from exc
                self.report.retries += 1
                self.sleep(self.retry.delay_s(attempt))
            except ccxt.BaseError as exc:
                raise FetchError(f"{self.label}: {what}: {_describe(exc)}") from exc
        raise AssertionError("unreachable: RetryPolicy.attempts >= 1")


def fetch_candles(
    exchange: ccxt.Exchange,
    market: Market,
    sink: SeriesSink,
    *,
    since_ms: int | None,
    now_ms: int,
    retry: RetryPolicy = RetryPolicy(),
    sleep: Sleep = time.sleep,
    progress: Progress | None = None,
) -> FetchReport:
    """Store every closed candle from the resume point up to ``now_ms``.

    Starts at ``max(since, last stored + timeframe)`` (``since`` alone on an empty store);
    the candle still forming at ``now_ms`` is never stored.
    """
    tf = market.tf_ms
    label = f"{market.exchange} {market.symbol} {market.timeframe}"
    start = _resume_point(sink.last_candle_ts(market), since_ms, tf, label)
    start = _ceil_to(start, tf)  # first candle open time at or after start
    last_closed = now_ms // tf * tf - tf  # open time of the newest closed candle
    report = FetchReport(market.key)
    if progress is not None and progress.total is None:
        progress.total = max(0, (last_closed - start) // tf + 1)
    call = _Caller(label, retry, sleep, report)

    def page(want: int, limit: int) -> list[Candle]:
        request = partial(exchange.fetch_ohlcv, market.symbol, market.timeframe, want - 1, limit)
        raw = call(request, f"candles from {iso(want)}")
        return _checked_candles(raw, market, want, last_closed)

    caps = venue(market.exchange)
    limit_at = partial(caps.candle_limit, now_ms=now_ms, tf_ms=tf)
    pages = _forward_windows(page, start, last_closed, tf, limit_at)
    return _store(pages, partial(sink.append_candles, market), report, progress)


def fetch_funding(
    exchange: ccxt.Exchange,
    series: FundingSeries,
    sink: SeriesSink,
    *,
    since_ms: int | None,
    now_ms: int,
    retry: RetryPolicy = RetryPolicy(),
    sleep: Sleep = time.sleep,
    progress: Progress | None = None,
) -> FetchReport:
    """Store every funding settlement after the last stored one, up to ``now_ms``."""
    caps = venue(series.exchange)
    label = f"{series.exchange} {series.symbol} funding"
    if not caps.funding:
        raise FetchError(f"{label}: {series.exchange} has no funding history here")
    start = _resume_point(sink.last_funding_ts(series), since_ms, 1, label)
    report = FetchReport(series.key)
    call = _Caller(label, retry, sleep, report)
    walk = _funding_forward if caps.funding_paging == "forward" else _funding_newest_first
    pages = walk(exchange, series, caps, call, start, now_ms)
    return _store(pages, partial(sink.append_funding, series), report, progress)


def fetch_open_interest(
    exchange: ccxt.Exchange,
    series: OpenInterestSeries,
    sink: SeriesSink,
    *,
    since_ms: int | None,
    now_ms: int,
    retry: RetryPolicy = RetryPolicy(),
    sleep: Sleep = time.sleep,
    progress: Progress | None = None,
) -> FetchReport:
    """Store every open-interest sample after the last stored one, up to ``now_ms``.

    Venues keep only recent samples (Binance: 30 days). A start older than that begins at the
    oldest sample served instead, and ``report.notes`` (and the progress line) say so: the
    older history does not exist anywhere ccxt can reach, so failing would only block the rest.
    """
    caps = venue(series.exchange)
    label = f"{series.exchange} {series.symbol} open interest {series.timeframe}"
    problem = caps.open_interest_problem(series.timeframe)
    if problem is not None:
        raise FetchError(f"{label}: {problem}")
    tf = series.tf_ms
    start = _resume_point(sink.last_open_interest_ts(series), since_ms, tf, label)
    report = FetchReport(series.key)
    oldest = caps.open_interest_oldest(now_ms)
    if oldest is not None and start < oldest:
        report.notes.append(
            f"{series.exchange} serves only the last {caps.open_interest_days} days of open "
            f"interest: starting at {iso(_ceil_to(oldest, tf))} instead of {iso(start)}"
        )
        if progress is not None:
            progress.set_note(report.notes[-1])
        start = oldest
    start = _ceil_to(start, tf)  # first sample time at or after start
    last = now_ms // tf * tf  # newest sample time that may exist
    if progress is not None and progress.total is None:
        progress.total = max(0, (last - start) // tf + 1)
    call = _Caller(label, retry, sleep, report)

    def page(want: int, limit: int) -> list[OpenInterest]:
        request = partial(
            exchange.fetch_open_interest_history, series.symbol, series.timeframe, want - 1, limit
        )
        raw = call(request, f"open interest from {iso(want)}")
        return _checked_samples(
            raw, "openInterestAmount", open_interest_problem, want, last, f"{label}: bad sample"
        )

    limit = caps.open_interest_limit
    assert limit is not None  # open_interest_problem refused venues without a history
    pages = _forward_windows(page, start, last, tf, lambda _want: limit)
    return _store(pages, partial(sink.append_open_interest, series), report, progress)


def _resume_point(last_ts: int | None, since_ms: int | None, step: int, label: str) -> int:
    if last_ts is None:
        if since_ms is None:
            raise FetchError(f"{label}: nothing stored yet, give a start date (--since)")
        return since_ms
    return last_ts + step if since_ms is None else max(since_ms, last_ts + step)


def _ceil_to(ts: int, step: int) -> int:
    return -(-ts // step) * step


def _store(
    pages: Iterator[list[Row]],
    append: Callable[[list[Row]], int],
    report: FetchReport,
    progress: Progress | None,
) -> FetchReport:
    """Hand each page to the sink as it arrives; on failure the report rides on the error."""
    try:
        for rows in pages:
            added = append(rows)
            report.pages += 1
            report.added += added
            report.first_ts = rows[0][0] if report.first_ts is None else report.first_ts
            report.last_ts = rows[-1][0]
            if progress is not None:
                progress.advance(added, note=f"up to {iso(rows[-1][0])}")
    except FetchError as exc:
        exc.report = report
        if progress is not None:
            progress.close(note="stopped")
        raise
    if progress is not None:
        progress.close(note=f"{report.added} added in {report.pages} pages")
    return report


def _forward_windows(
    page: Callable[[int, int], list[Row]],
    start: int,
    last: int,
    step: int,
    limit_at: Callable[[int], int],
) -> Iterator[list[Row]]:
    """Walk a series on a fixed grid of ``step`` from ``start`` to ``last``, one window a call.

    ``page(want, limit)`` asks from 1 ms before ``want``: the window [want - 1, want - 1 +
    limit x step] then holds exactly ``limit`` grid times whether the venue's bounds are
    inclusive or not, and whether it serves the first or the last ``limit`` of a wider window.
    """
    want = start
    while want <= last:
        limit = limit_at(want)
        rows = page(want, limit)
        if rows:
            yield rows
            want = rows[-1][0] + step
        else:  # nothing in this window (not listed yet, or an outage): try the next one
            want += limit * step


def _checked_candles(raw: list[list[Any]], market: Market, first: int, last: int) -> list[Candle]:
    """The candles of a page inside [first, last], sorted, deduplicated and validated."""
    rows: dict[int, Candle] = {}
    for item in raw:
        ts = item[0]
        if ts is not None and not first <= ts <= last:
            continue  # overlap with the previous page, or the candle still forming
        candle = (ts, *(_number(value) for value in item[1:6]))
        problem = "no timestamp" if ts is None else candle_problem(*candle, market.tf_ms)
        if problem is not None:
            label = f"{market.exchange} {market.symbol} {market.timeframe}"
            raise _bad_row(f"{label}: bad candle", ts, problem)
        rows.setdefault(ts, candle)  # type: ignore[arg-type]
    return [rows[ts] for ts in sorted(rows)]


def _funding_forward(
    exchange: ccxt.Exchange,
    series: FundingSeries,
    caps: VenueCaps,
    call: _Caller,
    start: int,
    now_ms: int,
) -> Iterator[list[Funding]]:
    """Venues that page by start time, oldest first (Binance)."""
    want = start
    while want <= now_ms:
        request = partial(
            exchange.fetch_funding_rate_history, series.symbol, want, caps.funding_limit
        )
        rows = _checked_funding(call(request, f"funding from {iso(want)}"), series, want, now_ms)
        if not rows:
            return
        yield rows
        want = rows[-1][0] + 1


def _funding_newest_first(
    exchange: ccxt.Exchange,
    series: FundingSeries,
    caps: VenueCaps,
    call: _Caller,
    start: int,
    now_ms: int,
) -> Iterator[list[Funding]]:
    """Venues that page back from the newest settlement (Bitget ``pageNo``).

    Pages arrive newest first but the store appends in time order, so the span is collected
    (a year is about 11 pages) and then handed over oldest first.
    """
    found: dict[int, float] = {}
    for page_no in itertools.count(1):
        request = partial(
            exchange.fetch_funding_rate_history,
            series.symbol,
            None,  # ccxt would filter by `since` itself and hide whether the page was full
            caps.funding_limit,
            {"pageNo": page_no},
        )
        raw = call(request, f"funding page {page_no}")
        found.update(_checked_funding(raw, series, start, now_ms))
        stamps = [entry["timestamp"] for entry in raw if entry.get("timestamp") is not None]
        if len(raw) < caps.funding_limit or not stamps or min(stamps) < start:
            break
    rows = sorted(found.items())
    for offset in range(0, len(rows), caps.funding_limit):
        yield rows[offset : offset + caps.funding_limit]


def _checked_funding(
    raw: list[dict[str, Any]], series: FundingSeries, first: int, last: int
) -> list[Funding]:
    what = f"{series.exchange} {series.symbol}: bad funding rate"
    return _checked_samples(raw, "fundingRate", funding_problem, first, last, what)


def _checked_samples(
    raw: list[dict[str, Any]],
    key: str,
    problem_of: Callable[[int, float], str | None],
    first: int,
    last: int,
    what: str,
) -> list[tuple[int, float]]:
    """(timestamp, ``entry[key]``) of the ccxt structures inside [first, last], sorted,
    deduplicated and validated by ``problem_of``."""
    rows: dict[int, float] = {}
    for entry in raw:
        ts, value = entry.get("timestamp"), _number(entry.get(key))
        if ts is not None and not first <= ts <= last:
            continue
        problem = "no timestamp" if ts is None else problem_of(ts, value)
        if problem is not None:
            raise _bad_row(what, ts, problem)
        rows.setdefault(ts, value)  # type: ignore[arg-type]
    return sorted(rows.items())


def _bad_row(what: str, ts: int | None, problem: str) -> FetchError:
    where = "?" if ts is None else f"{iso(ts)} (ts={ts})"
    return FetchError(f"{what} from the exchange at {where}: {problem}")


def _number(value: object) -> float:
    """ccxt gives None for a missing or unparsable number; report it as NaN."""
    try:
        return math.nan if value is None else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= _MAX_ERROR_TEXT else text[: _MAX_ERROR_TEXT - 3] + "..."
