"""A projector remembers how far it has read the log, apart from the last event it applied: a
projector of rare events does not rescan every candle since its last event on each catch-up,
and its applied position (the web's page-cache key) moves only with its own rows."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlite_utils
from eventsourcing.persistence import Notification

from adapters.services.engine import Engine
from adapters.store.home import Home
from domain.market import HOUR_MS, Market
from projections.projector import TRACKING, Projector, lag
from tests.stubs import T0, CandleStubs

BTC = Market("binance", "BTC/USDT", "1h")
ETH = Market("binance", "ETH/USDT", "1h")


class Listings(Projector):
    """Keeps the ids of series listings: one event per series among many candles."""

    name = "listings"
    topics = ("scalp_radar:SeriesListed",)

    def __init__(self, recorder, db: sqlite_utils.Database) -> None:
        self.seen: list[int] = []
        super().__init__(recorder, db)

    def apply(self, notifications: Sequence[Notification]) -> None:
        self.seen.extend(n.id for n in notifications)


@pytest.fixture
def engine(tmp_path: Path):
    engine = Engine(Home(tmp_path / "home"))
    yield engine
    engine.close()


def _listings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> tuple[Listings, list[int]]:
    """The projector, and where each of its reads of the log begins."""
    starts: list[int] = []
    select = engine.store.recorder.select_notifications

    def spy(*args, **kwargs) -> list[Notification]:
        starts.append(kwargs["start"])
        return select(*args, **kwargs)

    monkeypatch.setattr(engine.store.recorder, "select_notifications", spy)
    return Listings(engine.store.recorder, engine.read_db), starts


def test_the_next_catch_up_reads_from_where_the_last_one_stopped(engine, monkeypatch) -> None:
    engine.market_data.append_candles(BTC, CandleStubs.wave(200))
    listings, starts = _listings(engine, monkeypatch)
    assert listings.catch_up() == 1
    head = engine.store.recorder.max_notification_id()
    (listed,) = listings.seen
    assert head > listed + 150  # the 200 candles came after the listing
    assert (listings.position(), listings.scanned(), listings.pending()) == (listed, head, 0)

    engine.market_data.append_candles(BTC, CandleStubs.wave(50, start=T0 + 200 * HOUR_MS))
    starts.clear()
    assert listings.catch_up() == 0
    assert starts == [head]  # not from the listing, 200 candles back
    assert listings.position() == listed  # no row written: the page cache's key stays
    assert listings.scanned() == engine.store.recorder.max_notification_id()


def test_an_event_of_its_topics_after_a_scan_is_applied(engine, monkeypatch) -> None:
    engine.market_data.append_candles(BTC, CandleStubs.wave(20))
    listings, _ = _listings(engine, monkeypatch)
    listings.catch_up()
    assert lag(engine.read_db, engine.store.recorder, listings, 100) == 0
    engine.market_data.append_candles(ETH, CandleStubs.wave(20))
    assert lag(engine.read_db, engine.store.recorder, listings, 100) == 1
    assert listings.catch_up() == 1
    assert listings.position() == listings.seen[-1] > listings.seen[0]
    assert lag(engine.read_db, engine.store.recorder, listings, 100) == 0


def test_a_page_limit_still_reaches_the_end(engine, monkeypatch) -> None:
    """Full pages do not prove the end was read: only a short one moves the scan to the head."""
    for symbol in ["A/USDT", "B/USDT", "C/USDT", "D/USDT", "E/USDT"]:
        engine.market_data.append_candles(Market("binance", symbol, "1h"), CandleStubs.wave(3))
    listings, _ = _listings(engine, monkeypatch)
    assert listings.catch_up(page=2, pages_per_commit=1) == 5
    assert listings.scanned() == engine.store.recorder.max_notification_id()
    assert len(listings.seen) == len(set(listings.seen)) == 5


def test_a_read_db_from_before_the_scan_position_starts_at_its_applied_one(engine) -> None:
    engine.market_data.append_candles(BTC, CandleStubs.wave(10))
    listings = Listings(engine.store.recorder, engine.read_db)
    listings.catch_up()
    (listed,) = listings.seen
    engine.read_db.execute(f"ALTER TABLE {TRACKING} DROP COLUMN scanned")
    again = Listings(engine.store.recorder, engine.read_db)
    assert again.scanned() == again.position() == listed
    assert again.catch_up() == 0 and again.seen == []
