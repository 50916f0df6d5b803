"""The Live page over a rehearsal on the local Bitget (``rehearsal_home``): its figures by hand
from the venue's own account and fills and from the shadow's events, and the operator's
commands (refused without the key, nothing recorded; recorded with it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient

from adapters.services.engine import Engine
from adapters.store.home import Home
from adapters.store.operator_log import OperatorLog
from config.loader import load_settings
from domain.simulator import Simulator
from tests.web.conftest import API_KEY, paper_copy
from tests.web.rehearsal_home import RehearsalHome
from tests.web.test_live_account import table_rows, text
from web.app import create_app

H = 3_600_000
BTC = "BTC/USDT:USDT"
KEY = {"X-API-Key": API_KEY}
SHADOW = "rehearsal"


@pytest.fixture(scope="module")
def rehearsed(
    rehearsal_source: RehearsalHome, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Engine]]:
    home, config = paper_copy(
        (rehearsal_source.home, rehearsal_source.config), tmp_path_factory.mktemp("live_page")
    )
    engine = Engine(Home(home))
    with TestClient(app=create_app(engine, API_KEY, settings=load_settings(config))) as client:
        yield client, engine
    engine.close()


@pytest.fixture(scope="module")
def html(rehearsed) -> str:
    response = rehearsed[0].get("/live")
    assert response.status_code == 200
    return response.text


def utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def test_the_position_with_its_stop_and_take_profit_as_the_venue_holds_them(
    html: str, rehearsal_source: RehearsalHome
) -> None:
    venue = rehearsal_source.venue
    [pos] = venue.positions
    [stop] = venue.open_plans
    [tp] = [o for o in venue.open_orders if o.reduce_only]
    entry_fill = venue.fills[-1]  # the fill that opened it
    assert table_rows(html, "live-positions") == [
        f"{BTC} long {pos.qty:.6f} {pos.entry:,.1f} {stop.trigger:,.1f} {tp.price:,.1f} "
        f"{utc(entry_fill.ts)}"
    ]


def test_equity_and_margin_from_the_venues_balance_and_position(
    html: str, rehearsal_source: RehearsalHome, rehearsed
) -> None:
    """The last refresh came at the close of the entry's candle: the venue's cash (its fills'
    profits and fees), the margin its 3x position locks, the position at that close."""
    venue = rehearsal_source.venue
    [pos] = venue.positions
    cash = 10_000.0 + sum(f.profit - f.fee for f in venue.fills)
    margin = pos.entry * pos.qty / pos.leverage
    reader = rehearsed[1].market_reader()
    candles = reader.candles(reader.find("binance", BTC, "1h").series_id)
    close = float(candles.close[list(candles.ts).index(venue.fills[-1].ts // H * H)])
    equity = cash + (close - pos.entry) * pos.qty
    assert (
        f"Equity {equity:,.2f} Free margin {cash - margin:,.2f} Margin in use "
        f"{equity - cash + margin:,.2f}" in text(html)
    )


def test_open_orders_with_their_age(html: str, rehearsal_source: RehearsalHome) -> None:
    """At the close of the entry's candle the stop is an hour old (placed when the entry
    filled at the candle's start); the take-profit and the grid's next levels were re-priced
    at that close."""
    venue = rehearsal_source.venue
    close = venue.fills[-1].ts // H * H + H
    assert f"Open orders age at {utc(close)}" in text(html)
    [stop] = venue.open_plans
    want = [f"{BTC} stop sell trigger {stop.trigger:,.1f} {stop.size:.6f} 0.000000 open 1h 00m"]
    for o in venue.open_orders:
        role = "take-profit" if o.reduce_only else "entry"
        want.append(f"{BTC} {role} {o.side} {o.price:,.1f} {o.size:.6f} 0.000000 open 0m")
    assert sorted(table_rows(html, "live-orders", "<tr data-oid")) == sorted(want)


def test_paper_versus_live_per_trade(html: str, rehearsal_source: RehearsalHome, rehearsed) -> None:
    """Each closed cycle was one buy and one sell on the venue; the shadow's trade of the same
    entry candle from its own events. The local Bitget filled the limits at paper's prices:
    no difference, no slippage, only the fees."""
    fills = rehearsal_source.venue.fills[:-1]  # the last one opened the position still open
    events = rehearsed[1].store.events.get(Simulator.create_id(SHADOW))
    shadow = [e.trade for e in events if type(e).__name__ == "GridCycleClosed"]
    assert len(fills) == 2 * len(shadow) == 6
    want = []
    for (buy, sell), paper in zip(zip(fills[::2], fills[1::2], strict=True), shadow, strict=True):
        assert (buy.side, sell.side) == ("buy", "sell") and paper["entry_ts"] == buy.ts // H * H
        fees = buy.fee + sell.fee
        want.append(
            f"{utc(paper['entry_ts'])} {BTC} long {paper['entry_price']:,.1f} {buy.price:,.1f} "
            f"0.0 {paper['exit_price']:,.1f} {sell.price:,.1f} 0.0 "
            f"{paper['entry_fees'] + paper['exit_fee']:,.2f} {fees:,.2f} 0.00 "
            f"{paper['pnl']:+,.2f} {sell.profit - fees:+,.2f}"
        )
    assert table_rows(html, "versus") == want[::-1]  # newest first


def test_the_shadow_is_chosen_and_its_entries_are_allowed(html: str) -> None:
    assert "Commands on the shadow portfolio rehearsal New entries allowed ." in text(html)
    assert '<option value="rehearsal" selected>' in html


def requests_of(engine: Engine) -> list[tuple[str, object, str]]:
    return [
        (type(r).__name__, getattr(r, "halt", None), r.source)
        for r in OperatorLog(engine.store, SHADOW).pending(0)
    ]


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/live/flatten", {"portfolio": SHADOW}),
        ("/live/entries", {"portfolio": SHADOW, "entries": "stop"}),
    ],
)
@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}])
def test_a_command_without_the_key_is_refused_and_records_nothing(
    rehearsed, path: str, form: dict, headers: dict
) -> None:
    client, engine = rehearsed
    before = requests_of(engine)
    response = client.post(path, data=form, headers=headers)
    assert response.status_code == 403
    assert requests_of(engine) == before


@pytest.mark.parametrize(
    ("form", "why"),
    [
        ({"portfolio": SHADOW, "entries": "maybe"}, "entries: must be one of allow, stop"),
        ({"portfolio": "nowhere", "entries": "stop"}, "portfolio: must be one of"),
        ({"entries": "stop"}, "portfolio: is required"),
    ],
)
def test_a_bad_command_is_a_400_naming_the_field(rehearsed, form: dict, why: str) -> None:
    client, engine = rehearsed
    before = requests_of(engine)
    response = client.post("/live/entries", data=form, headers=KEY)
    assert response.status_code == 400 and why in response.text
    assert requests_of(engine) == before


@pytest.fixture
def commanded(rehearsal_source: RehearsalHome, tmp_path) -> Iterator[tuple[TestClient, Engine]]:
    """A client over a copy of its own: a command changes the shadow."""
    home, config = paper_copy((rehearsal_source.home, rehearsal_source.config), tmp_path)
    engine = Engine(Home(home))
    with TestClient(app=create_app(engine, API_KEY, settings=load_settings(config))) as client:
        yield client, engine
    engine.close()


def test_stop_then_allow_entries_with_the_key(commanded) -> None:
    client, engine = commanded
    stopped = client.post(
        "/live/entries", data={"portfolio": SHADOW, "entries": "stop"}, headers=KEY
    )
    assert stopped.status_code == 200
    assert "request #1 applied now" in text(stopped.text)
    assert "New entries stopped since" in text(stopped.text)
    allowed = client.post(
        "/live/entries", data={"portfolio": SHADOW, "entries": "allow"}, headers=KEY
    )
    assert "request #2 applied now" in text(allowed.text)
    assert "New entries allowed" in text(allowed.text)
    assert requests_of(engine) == [
        ("EntriesHaltRequested", True, "web"),
        ("EntriesHaltRequested", False, "web"),
    ]


def test_flatten_all_with_the_key_closes_the_shadow_and_stops_its_entries(commanded) -> None:
    client, engine = commanded
    response = client.post("/live/flatten", data={"portfolio": SHADOW}, headers=KEY)
    assert response.status_code == 200 and "request #1 applied now" in text(response.text)
    assert requests_of(engine) == [("FlattenRequested", None, "web")]
    events = engine.store.events.get(Simulator.create_id(SHADOW))
    assert [e.trade["reason"] for e in events if type(e).__name__ == "GridCycleClosed"][-1] == (
        "flattened"
    )
    assert "New entries stopped since" in text(response.text)
