"""The Live page over a hand-made live account (no shadow portfolio): the figures of
``account_story``, hand-computed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from adapters.services.engine import Engine
from adapters.store.home import Home
from config.loader import load_settings
from tests.web.account_kit import account_home
from web.app import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    engine = Engine(Home(account_home(tmp_path_factory.mktemp("account"))))
    engine.project()
    with TestClient(app=create_app(engine, None, settings=load_settings())) as client:
        yield client
    engine.close()


@pytest.fixture(scope="module")
def html(client: TestClient) -> str:
    response = client.get("/live")
    assert response.status_code == 200
    return response.text


def text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def row(html: str, attribute: str) -> str:
    found = re.search(rf"<tr {attribute}>(.*?)</tr>", html, re.S)
    assert found, attribute
    return text(found.group(1))


def table_rows(html: str, table: str, row_start: str = "<tr") -> list[str]:
    body = re.search(rf'<table class="data {table}">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert body, table
    return [text(r) for r in re.findall(rf"{row_start}[^>]*>(.*?)</tr>", body.group(1), re.S)]


def test_the_account_address_moved_here(client: TestClient) -> None:
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 301 and response.headers["location"] == "/live"


def test_equity_free_and_used_margin(html: str) -> None:
    assert (
        "Equity 1,000.00 Free margin 800.00 Margin in use 200.00 equity minus free "
        "Refreshed 2023-01-01 00:00 UTC" in text(html)
    )


def test_the_last_reconciliation_with_its_summary(html: str) -> None:
    assert (
        "Last reconciliation 2023-01-01 00:05 UTC: 1 looked up, 2 fills booked, "
        "0 orphans cancelled, 2 positions, 1 halted" in text(html)
    )


def test_the_account_kill_switch_trip_and_its_limits(html: str) -> None:
    # risk.yaml's defaults: 10 % within 24 h, no flatten
    assert (
        "Kill switch tripped 2023-01-01 00:06 UTC: balance 1,000.00, 20.00 % below its peak "
        "1,250.00 (limit 10.00 %); flattened. Trips when the balance falls 10.0 % below its "
        "highest in 24 h, then stops new entries." in text(html)
    )


def test_the_last_balance_move_no_trade_explains(html: str) -> None:
    assert (
        "Balance alert moved -20.0 % with no trade 2023-01-01 00:00 UTC: 1,250.00 → 1,000.00 "
        "(since 2022-12-31 23:55 UTC; alert above 10.0 %)" in text(html)
    )


def test_a_position_shows_its_averaged_entry_and_its_stop(html: str) -> None:
    # prices with the tick of Bitget's BTC perpetual (0.1); no take-profit rests for it
    assert row(html, 'data-symbol="BTC/USDT:USDT"') == (
        "BTC/USDT:USDT long 2.000000 95.0 85.0 - 2023-01-01 00:01 UTC"
    )


def test_a_position_without_a_stop_says_no_stop(html: str) -> None:
    assert row(html, 'data-symbol="ETH/USDT:USDT"') == (
        "ETH/USDT:USDT short 1.000000 2,000.00 NO STOP - 2023-01-01 00:04 UTC"
    )
    assert "NO STOP on ETH/USDT:USDT" in text(html)


def test_a_halted_symbol_is_an_alert_with_its_reason(html: str) -> None:
    [alert] = re.findall(r'<p class="halted" role="alert">(.*?)</p>', html, re.S)
    assert text(alert).startswith(
        "HALTED ETH/USDT:USDT since 2023-01-01 00:05 UTC: venue holds 2, executor 1."
    )


def test_the_resting_stop_is_an_open_order_with_its_age(html: str) -> None:
    # placed at 00:03; the account's newest moment is its reconciliation at 00:05
    assert "Open orders age at 2023-01-01 00:05 UTC" in text(html)
    assert table_rows(html, "live-orders", "<tr data-oid") == [
        "BTC/USDT:USDT stop sell trigger 85.0 2.000000 0.000000 open 2m"
    ]


def test_the_fills_newest_first(html: str) -> None:
    assert table_rows(html, "live-fills") == [
        "2023-01-01 00:04 UTC ETH/USDT:USDT sell 2,000.00 1.000000 0.0100",
        "2023-01-01 00:02 UTC BTC/USDT:USDT buy 90.0 1.000000 0.0100",
        "2023-01-01 00:01 UTC BTC/USDT:USDT buy 100.0 1.000000 0.0100",
    ]


def test_without_a_shadow_there_is_nothing_to_compare_nor_to_command(html: str) -> None:
    assert "No shadow portfolio to compare with." in text(html)
    assert 'id="no-shadow"' in html and "/live/flatten" not in html


def test_a_home_without_an_account_says_how_to_get_one(empty_client: TestClient) -> None:
    assert "No exchange account in this home" in empty_client.get("/live").text
