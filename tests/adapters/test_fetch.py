"""Backfilling through the real ccxt client against a local fake Binance / Bitget.

``now`` is the real clock: ccxt picks Bitget's recent or history endpoint by its own clock,
so the fake venue and the fetcher share it. Backoff sleeps are recorded, never slept.
"""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence

import ccxt
import pytest

from adapters.exchanges.client import make_exchange, rebase_urls
from adapters.exchanges.fetch import (
    Candle,
    FetchError,
    Funding,
    OpenInterest,
    RetryPolicy,
    fetch_candles,
    fetch_funding,
    fetch_open_interest,
    iso,
)
from adapters.exchanges.venues import VENUES, UnknownVenueError, venue
from adapters.text.progress import Progress
from domain.market import HOUR_MS, FundingSeries, Market, OpenInterestSeries, timeframe_ms
from tests.adapters.fake_venue import FUNDING_EVERY_MS, FakeVenue, Recorded, open_interest

DAY_MS = 24 * HOUR_MS
NOW = int(time.time() * 1000)
LAST_CLOSED_1H = NOW // HOUR_MS * HOUR_MS - HOUR_MS
LISTED = LAST_CLOSED_1H - 4000 * HOUR_MS


class MemorySink:
    """Append-only like the real store: rows at or before the last stored one are ignored."""

    def __init__(self) -> None:
        self.candles: dict[Market, list[Candle]] = {}
        self.funding: dict[FundingSeries, list[Funding]] = {}
        self.open_interest: dict[OpenInterestSeries, list[OpenInterest]] = {}

    def last_candle_ts(self, market: Market) -> int | None:
        rows = self.candles.get(market)
        return rows[-1][0] if rows else None

    def append_candles(self, market: Market, rows: Sequence[Candle]) -> int:
        return _append(self.candles.setdefault(market, []), rows)

    def last_funding_ts(self, series: FundingSeries) -> int | None:
        rows = self.funding.get(series)
        return rows[-1][0] if rows else None

    def append_funding(self, series: FundingSeries, rows: Sequence[Funding]) -> int:
        return _append(self.funding.setdefault(series, []), rows)

    def last_open_interest_ts(self, series: OpenInterestSeries) -> int | None:
        rows = self.open_interest.get(series)
        return rows[-1][0] if rows else None

    def append_open_interest(self, series: OpenInterestSeries, rows: Sequence[OpenInterest]) -> int:
        return _append(self.open_interest.setdefault(series, []), rows)


def _append(stored: list, rows: Sequence) -> int:
    fresh = [row for row in rows if not stored or row[0] > stored[-1][0]]
    stored.extend(fresh)
    return len(fresh)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture(params=["bitget", "binance"])
def name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def fake(name: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVenue]:
    with FakeVenue(name, now_ms=NOW, listed_ms=LISTED) as venue_:
        monkeypatch.setenv(f"SCALP_RADAR_API_URL_{name.upper()}", venue_.url)
        yield venue_


def exchange_for(name: str) -> ccxt.Exchange:
    exchange = make_exchange(name)
    exchange.rateLimit = 1  # the fake has no rate limit; keep ccxt's throttle path but instant
    return exchange


def candle_requests(fake: FakeVenue) -> list[Recorded]:
    return [r for r in fake.requests if r.path.endswith(("candles", "klines"))]


def assert_contiguous(rows: Sequence[tuple], first: int, last: int, step: int) -> None:
    assert [row[0] for row in rows] == list(range(first, last + 1, step))


# --- pagination ------------------------------------------------------------------------------


@pytest.mark.parametrize("symbol", ["BTC/USDT", "BTC/USDT:USDT"])
def test_multi_page_backfill_has_no_gap_no_duplicate_and_respects_limits(
    name: str, symbol: str, fake: FakeVenue, sleeps: Sleeps
) -> None:
    market, sink = Market(name, symbol, "1h"), MemorySink()
    since = LAST_CLOSED_1H - 2499 * HOUR_MS

    report = fetch_candles(
        exchange_for(name), market, sink, since_ms=since, now_ms=NOW, sleep=sleeps
    )

    assert_contiguous(sink.candles[market], since, LAST_CLOSED_1H, HOUR_MS)
    assert (report.added, report.first_ts, report.last_ts) == (2500, since, LAST_CLOSED_1H)
    requests = candle_requests(fake)
    assert report.pages == len(requests) and sleeps == []
    caps = venue(name)
    for request in requests:
        cap = caps.candle_limit_history if "history" in request.path else caps.candle_limit_recent
        assert request.number("limit") <= cap
    if name == "bitget":
        history = [r for r in requests if "history-candles" in r.path]
        assert history and all(r.number("limit") == 200 for r in history)
        assert all(r.number("endTime") - r.number("startTime") <= 90 * DAY_MS for r in requests)
        assert len(requests) >= 2500 // 1000 + 1  # more calls than with 1000-candle pages
    else:
        path = "/fapi/v1/klines" if ":" in symbol else "/api/v3/klines"
        assert [r.path for r in requests] == [path] * 3


def test_the_candle_still_forming_is_not_stored(name: str, fake: FakeVenue) -> None:
    market, sink = Market(name, "BTC/USDT:USDT", "1h"), MemorySink()

    fetch_candles(exchange_for(name), market, sink, since_ms=NOW - 30 * HOUR_MS, now_ms=NOW)

    forming = NOW // HOUR_MS * HOUR_MS
    assert sink.candles[market][-1][0] == forming - HOUR_MS
    assert all(row[0] < forming for row in sink.candles[market])


def test_bitget_skips_empty_windows_before_the_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    listed = LAST_CLOSED_1H - 300 * HOUR_MS
    with FakeVenue("bitget", now_ms=NOW, listed_ms=listed) as fake:
        monkeypatch.setenv("SCALP_RADAR_API_URL_BITGET", fake.url)
        market, sink = Market("bitget", "ETH/USDT", "1h"), MemorySink()
        fetch_candles(
            exchange_for("bitget"), market, sink, since_ms=listed - 900 * HOUR_MS, now_ms=NOW
        )
    assert_contiguous(sink.candles[market], listed, LAST_CLOSED_1H, HOUR_MS)


# --- resume ------------------------------------------------------------------------------------


def test_resume_starts_after_the_last_stored_candle(name: str, fake: FakeVenue) -> None:
    market, sink = Market(name, "BTC/USDT", "1h"), MemorySink()
    stored_last = LAST_CLOSED_1H - 50 * HOUR_MS
    sink.candles[market] = [(stored_last, 1.0, 1.0, 1.0, 1.0, 1.0)]

    report = fetch_candles(
        exchange_for(name), market, sink, since_ms=stored_last - 500 * HOUR_MS, now_ms=NOW
    )

    first = candle_requests(fake)[0]
    assert first.number("startTime") == stored_last + HOUR_MS - 1  # 1 ms before the wanted open
    assert report.first_ts == stored_last + HOUR_MS and report.added == 50
    assert_contiguous(sink.candles[market], stored_last, LAST_CLOSED_1H, HOUR_MS)


def test_a_later_since_wins_over_the_resume_point(name: str, fake: FakeVenue) -> None:
    market, sink = Market(name, "BTC/USDT", "1h"), MemorySink()
    sink.candles[market] = [(LAST_CLOSED_1H - 90 * HOUR_MS, 1.0, 1.0, 1.0, 1.0, 1.0)]
    since = LAST_CLOSED_1H - 10 * HOUR_MS

    report = fetch_candles(exchange_for(name), market, sink, since_ms=since, now_ms=NOW)

    assert (report.first_ts, report.added) == (since, 11)


def test_an_empty_store_needs_a_start_date(name: str, fake: FakeVenue) -> None:
    with pytest.raises(FetchError, match="give a start date"):
        fetch_candles(
            exchange_for(name),
            Market(name, "BTC/USDT", "1h"),
            MemorySink(),
            since_ms=None,
            now_ms=NOW,
        )
    assert fake.requests == []


# --- retries -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["429", "502", "drop"])
def test_network_failures_are_retried_with_backoff(
    name: str, kind: str, fake: FakeVenue, sleeps: Sleeps
) -> None:
    market, sink = Market(name, "BTC/USDT:USDT", "1h"), MemorySink()
    since = LAST_CLOSED_1H - 1500 * HOUR_MS
    fake.fail(kind, times=3, path="candles" if name == "bitget" else "klines", after=1)

    report = fetch_candles(
        exchange_for(name), market, sink, since_ms=since, now_ms=NOW, sleep=sleeps
    )

    assert sleeps == [1.0, 2.0, 4.0] and report.retries == 3
    assert_contiguous(sink.candles[market], since, LAST_CLOSED_1H, HOUR_MS)


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(attempts=8, base_delay_s=1.0, max_delay_s=5.0)
    assert [policy.delay_s(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_gives_up_after_n_attempts_and_keeps_earlier_pages(
    name: str, fake: FakeVenue, sleeps: Sleeps
) -> None:
    market, sink = Market(name, "BTC/USDT:USDT", "1h"), MemorySink()
    since = LAST_CLOSED_1H - 2499 * HOUR_MS
    fake.fail("502", times=99, path="candles" if name == "bitget" else "klines", after=1)

    with pytest.raises(FetchError, match="gave up after 3 attempts") as caught:
        fetch_candles(
            exchange_for(name), market, sink, since_ms=since, now_ms=NOW,
            retry=RetryPolicy(attempts=3), sleep=sleeps,
        )  # fmt: skip

    page = venue(name).candle_limit(since, NOW, HOUR_MS)
    assert_contiguous(sink.candles[market], since, since + (page - 1) * HOUR_MS, HOUR_MS)
    assert caught.value.report is not None and caught.value.report.added == page
    assert sleeps == [1.0, 2.0]
    assert name in str(caught.value) and "BTC/USDT:USDT" in str(caught.value)


def test_a_refused_request_is_not_retried(name: str, fake: FakeVenue, sleeps: Sleeps) -> None:
    market = Market(name, "DOGE/USDT", "1h")  # not listed on the fake venue
    with pytest.raises(FetchError, match="DOGE/USDT"):
        fetch_candles(
            exchange_for(name), market, MemorySink(), since_ms=LISTED, now_ms=NOW, sleep=sleeps
        )
    assert sleeps == []


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"h": "90", "l": "95"}, "high 90.0 < low 95.0"),
        ({"h": "NaN"}, "high is nan"),
        # beyond what a read model or a report can hold (issue 12)
        ({"h": "1e308"}, "high 1e+308 is above 1e+12"),
        ({"l": "1e-320"}, "low 1e-320 is below 1e-12"),
        ({"v": "1e19"}, "volume 1e+19 is above 1e+18"),
    ],
)
def test_a_malformed_candle_stops_the_fetch_with_a_clear_error(
    name: str, fields: dict[str, str], reason: str, fake: FakeVenue
) -> None:
    market, sink = Market(name, "BTC/USDT", "1h"), MemorySink()
    since = LAST_CLOSED_1H - 2499 * HOUR_MS
    page = venue(name).candle_limit(since, NOW, HOUR_MS)
    bad_ts = since + (page + 7) * HOUR_MS  # inside the second page
    fake.corrupt_candle(bad_ts, **fields)

    with pytest.raises(FetchError) as caught:
        fetch_candles(exchange_for(name), market, sink, since_ms=since, now_ms=NOW)

    message = str(caught.value)
    for part in (name, "BTC/USDT", iso(bad_ts), str(bad_ts), reason):
        assert part in message
    assert_contiguous(sink.candles[market], since, since + (page - 1) * HOUR_MS, HOUR_MS)


# --- funding -------------------------------------------------------------------------------------


def test_funding_history_paginates_within_the_venue_limit(name: str, fake: FakeVenue) -> None:
    series, sink = FundingSeries(name, "BTC/USDT:USDT"), MemorySink()
    since = LISTED - LISTED % FUNDING_EVERY_MS + FUNDING_EVERY_MS  # 500 settlements ago

    report = fetch_funding(exchange_for(name), series, sink, since_ms=since, now_ms=NOW)

    last = NOW - NOW % FUNDING_EVERY_MS
    assert_contiguous(sink.funding[series], since, last, FUNDING_EVERY_MS)
    assert report.added == len(sink.funding[series])
    caps = venue(name)
    if name == "bitget":
        requests = fake.requests_to("history-fund-rate")
        assert [r.number("pageNo") for r in requests] == list(range(1, len(requests) + 1))
        assert len(requests) > 1
        assert all(r.number("pageSize") == caps.funding_limit for r in requests)
    else:
        requests = fake.requests_to("fundingRate")
        assert all(r.number("limit") == caps.funding_limit for r in requests)
        assert requests[0].number("startTime") == since


def test_binance_funding_pages_forward_past_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    listed = NOW - 500 * DAY_MS  # 1500 settlements: two pages of <= 1000
    with FakeVenue("binance", now_ms=NOW, listed_ms=listed) as fake:
        monkeypatch.setenv("SCALP_RADAR_API_URL_BINANCE", fake.url)
        series, sink = FundingSeries("binance", "BTC/USDT:USDT"), MemorySink()
        report = fetch_funding(exchange_for("binance"), series, sink, since_ms=listed, now_ms=NOW)
        requests = fake.requests_to("fundingRate")
    first = listed - listed % FUNDING_EVERY_MS + FUNDING_EVERY_MS
    assert_contiguous(sink.funding[series], first, NOW - NOW % FUNDING_EVERY_MS, FUNDING_EVERY_MS)
    assert report.pages >= 2 and requests[1].number("startTime") == sink.funding[series][999][0] + 1


def test_funding_resumes_after_the_last_stored_settlement(name: str, fake: FakeVenue) -> None:
    series, sink = FundingSeries(name, "BTC/USDT:USDT"), MemorySink()
    stored = NOW - NOW % FUNDING_EVERY_MS - 20 * FUNDING_EVERY_MS
    sink.funding[series] = [(stored, 0.0001)]

    report = fetch_funding(exchange_for(name), series, sink, since_ms=LISTED, now_ms=NOW)

    assert (report.first_ts, report.added) == (stored + FUNDING_EVERY_MS, 20)


def test_a_malformed_funding_rate_is_refused(name: str, fake: FakeVenue) -> None:
    bad_ts = NOW - NOW % FUNDING_EVERY_MS - 3 * FUNDING_EVERY_MS
    fake.corrupt_funding(bad_ts, "5")  # a percent read as a fraction
    series = FundingSeries(name, "BTC/USDT:USDT")
    with pytest.raises(FetchError, match="not a fraction") as caught:
        fetch_funding(exchange_for(name), series, MemorySink(), since_ms=LISTED, now_ms=NOW)
    assert iso(bad_ts) in str(caught.value)


# --- open interest -------------------------------------------------------------------------------

M5 = 5 * 60_000
OI_BTC = OpenInterestSeries("binance", "BTC/USDT:USDT", "5m")
LAST_5M = NOW // M5 * M5  # the newest 5-minute boundary: its sample may already exist


@pytest.fixture
def binance(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVenue]:
    with FakeVenue("binance", now_ms=NOW, listed_ms=NOW - 400 * DAY_MS) as venue_:
        monkeypatch.setenv("SCALP_RADAR_API_URL_BINANCE", venue_.url)
        yield venue_


def oi_requests(fake: FakeVenue) -> list[Recorded]:
    return fake.requests_to("/futures/data/openInterestHist")


def test_open_interest_pages_forward_within_binances_limit(binance: FakeVenue) -> None:
    since = LAST_5M - 2879 * M5  # ten days of 5-minute samples: 2880, i.e. 5 pages of 500 + 380
    sink = MemorySink()

    report = fetch_open_interest(exchange_for("binance"), OI_BTC, sink, since_ms=since, now_ms=NOW)

    rows = sink.open_interest[OI_BTC]
    assert_contiguous(rows, since, LAST_5M, M5)
    assert rows[0][1] == open_interest(since) and rows[-1][1] == open_interest(LAST_5M)
    assert (report.added, report.pages, report.notes) == (2880, 6, [])
    requests = oi_requests(binance)
    assert [r.number("limit") for r in requests] == [500] * 6
    assert [r.query["period"] for r in requests] == ["5m"] * 6
    # each call asks from 1 ms before the next wanted sample
    assert [r.number("startTime") for r in requests] == [since + k * 500 * M5 - 1 for k in range(6)]


def test_open_interest_older_than_30_days_starts_at_the_window_with_a_note(
    binance: FakeVenue,
) -> None:
    series, sink = OpenInterestSeries("binance", "BTC/USDT:USDT", "1h"), MemorySink()
    stream = io.StringIO()
    progress = Progress("fetch", unit="samples", stream=stream)

    report = fetch_open_interest(
        exchange_for("binance"), series, sink, since_ms=NOW - 90 * DAY_MS, now_ms=NOW,
        progress=progress,
    )  # fmt: skip

    # an hour inside the 30 days, rounded up to the next hourly sample
    first = -(-(NOW - 30 * DAY_MS + HOUR_MS) // HOUR_MS) * HOUR_MS
    assert_contiguous(sink.open_interest[series], first, NOW // HOUR_MS * HOUR_MS, HOUR_MS)
    assert len(report.notes) == 1 and "only the last 30 days" in report.notes[0]
    assert f"starting at {iso(first)} instead of {iso(NOW - 90 * DAY_MS)}" in report.notes[0]
    assert "only the last 30 days" in stream.getvalue()
    assert all(r.number("startTime") >= NOW - 30 * DAY_MS for r in oi_requests(binance))


def test_open_interest_resumes_after_the_last_stored_sample(binance: FakeVenue) -> None:
    sink = MemorySink()
    stored = LAST_5M - 40 * M5
    sink.open_interest[OI_BTC] = [(stored, 1.0)]

    report = fetch_open_interest(
        exchange_for("binance"), OI_BTC, sink, since_ms=NOW - 20 * DAY_MS, now_ms=NOW
    )

    assert oi_requests(binance)[0].number("startTime") == stored + M5 - 1
    assert (report.first_ts, report.added) == (stored + M5, 40)


def test_open_interest_retries_network_failures(binance: FakeVenue, sleeps: Sleeps) -> None:
    since, sink = LAST_5M - 1499 * M5, MemorySink()
    binance.fail("429", times=3, path="openInterestHist", after=1)

    report = fetch_open_interest(
        exchange_for("binance"), OI_BTC, sink, since_ms=since, now_ms=NOW, sleep=sleeps
    )

    assert sleeps == [1.0, 2.0, 4.0] and report.retries == 3
    assert_contiguous(sink.open_interest[OI_BTC], since, LAST_5M, M5)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("0", "open interest 0.0 must be > 0"),
        ("NaN", "open interest is nan"),
        ("1e19", "open interest 1e+19 is above 1e+18"),
    ],
)
def test_a_malformed_open_interest_sample_is_refused(
    raw: str, reason: str, binance: FakeVenue
) -> None:
    since, sink = LAST_5M - 1499 * M5, MemorySink()
    bad_ts = since + 700 * M5  # in the second page
    binance.corrupt_open_interest(bad_ts, raw)

    with pytest.raises(FetchError) as caught:
        fetch_open_interest(exchange_for("binance"), OI_BTC, sink, since_ms=since, now_ms=NOW)

    message = str(caught.value)
    for part in ("binance BTC/USDT:USDT open interest 5m", iso(bad_ts), str(bad_ts), reason):
        assert part in message
    assert_contiguous(sink.open_interest[OI_BTC], since, since + 499 * M5, M5)  # page one kept


@pytest.mark.parametrize(
    ("series", "message"),
    [
        (
            OpenInterestSeries("bitget", "BTC/USDT:USDT", "5m"),
            "bitget has no open-interest history",
        ),
        (OpenInterestSeries("binance", "BTC/USDT:USDT", "1m"), "periods of 5m, 15m"),
    ],
)
def test_open_interest_a_venue_cannot_serve_is_refused_before_any_request(
    series: OpenInterestSeries, message: str, binance: FakeVenue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCALP_RADAR_API_URL_BITGET", binance.url)  # any request would be seen
    with pytest.raises(FetchError, match=message):
        fetch_open_interest(
            exchange_for(series.exchange), series, MemorySink(), since_ms=LISTED, now_ms=NOW
        )
    assert binance.requests == []


def test_open_interest_caps_agree_with_ccxt() -> None:
    """The table says which venues have a history; ccxt 4.5.90 says which it can fetch."""
    for name, caps in VENUES.items():
        has = getattr(ccxt, caps.ccxt_class)().has.get("fetchOpenInterestHistory")
        assert bool(has) == (caps.open_interest_limit is not None), name


# --- plumbing ------------------------------------------------------------------------------------


def test_progress_counts_the_added_candles(name: str, fake: FakeVenue) -> None:
    stream = io.StringIO()
    progress = Progress("fetch", unit="candles", stream=stream)
    market = Market(name, "BTC/USDT", "1h")

    fetch_candles(
        exchange_for(name), market, MemorySink(), since_ms=LAST_CLOSED_1H - 99 * HOUR_MS,
        now_ms=NOW, progress=progress,
    )  # fmt: skip

    assert (progress.total, progress.done) == (100, 100)
    assert "100 added" in stream.getvalue()


def test_bitget_page_sizes_agree_with_ccxts_endpoint_choice() -> None:
    """A page sized for the recent endpoint but sent by ccxt to history-candles would come back
    as the LAST 200 candles of the window (a silent gap), so pin our table to ccxt's."""
    options = ccxt.bitget().options["fetchOHLCV"]
    caps = venue("bitget")
    for timeframe, days in options["maxRecentDaysPerTimeframe"].items():
        if timeframe == "1M":
            continue  # months are not a fixed length; not supported by Market
        tf = timeframe_ms(timeframe)
        # ccxt goes to history once since <= now - (days - 1) d by its clock, here 1 h ahead.
        oldest_recent_for_ccxt = NOW + HOUR_MS - (days - 1) * DAY_MS
        assert caps.candle_limit(oldest_recent_for_ccxt, NOW, tf) <= caps.candle_limit_history
        for kind in ("spot", "swap"):
            ccxt_cap = options[kind]["maxLimitPerTimeframe"].get(timeframe, 1000)
            assert caps.candle_limit(NOW - tf, NOW, tf) <= ccxt_cap, (timeframe, kind)


@pytest.mark.parametrize(
    ("name", "query", "code"),
    [
        ("bitget", "/api/v2/mix/market/history-candles?granularity=1H&limit=201", "40017"),
        ("bitget", "/api/v2/mix/market/candles?granularity=1H&limit=1001", "40017"),
        ("bitget", "/api/v2/mix/market/history-fund-rate?symbol=BTCUSDT&pageSize=101", "40017"),
        ("binance", "/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=1001", -1130),
        ("binance", "/fapi/v1/fundingRate?symbol=BTCUSDT&limit=1001", -1130),
        ("binance", "/futures/data/openInterestHist?symbol=BTCUSDT&period=5m&limit=501", -1130),
        # 31 days before the fake's clock: older than the 30 days Binance serves
        (
            "binance",
            f"/futures/data/openInterestHist?symbol=BTCUSDT&period=1h&startTime="
            f"{NOW - 31 * DAY_MS}",
            -1130,
        ),
    ],
)
def test_the_fake_rejects_pages_over_the_venue_limit(
    name: str, query: str, code: str | int, fake: FakeVenue
) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(fake.url + query, timeout=5)
    assert caught.value.code == 400
    assert json.loads(caught.value.read())["code"] == code


def test_unknown_venue_is_a_clear_error() -> None:
    with pytest.raises(UnknownVenueError, match="binance, bitget"):
        make_exchange("kraken")


def test_api_url_override_keeps_paths() -> None:
    urls = {"public": "https://api.binance.com/api/v3", "nested": {"x": "https://api.{hostname}"}}
    assert rebase_urls(urls, "http://127.0.0.1:9") == {
        "public": "http://127.0.0.1:9/api/v3",
        "nested": {"x": "http://127.0.0.1:9"},
    }
