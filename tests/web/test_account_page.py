"""The Account page over a live account: the figures of ``account_story``, hand-computed."""

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
def html(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    engine = Engine(Home(account_home(tmp_path_factory.mktemp("account"))))
    engine.project()
    with TestClient(app=create_app(engine, None, settings=load_settings())) as client:
        response = client.get("/account")
        assert response.status_code == 200
        yield response.text
    engine.close()


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def _row(html: str, attribute: str) -> str:
    found = re.search(rf"<tr {attribute}>(.*?)</tr>", html, re.S)
    assert found, attribute
    return _text(found.group(1))


def test_the_balance_and_the_last_reconciliation(html: str) -> None:
    text = _text(html)
    assert "Balance 1000.00 (free 800.00) at 2023-01-01 00:00 UTC" in text
    assert "Last reconciliation 2023-01-01 00:05 UTC" in text


def test_a_position_shows_its_averaged_entry_and_its_stop(html: str) -> None:
    row = _row(html, 'data-symbol="BTC/USDT:USDT"')
    # prices with the tick of Bitget's BTC perpetual (0.1)
    assert row == "BTC/USDT:USDT long 2.000000 95.0 85.0 2023-01-01 00:01 UTC"


def test_a_position_without_a_stop_says_no_stop(html: str) -> None:
    row = _row(html, 'data-symbol="ETH/USDT:USDT"')
    assert row == "ETH/USDT:USDT short 1.000000 2,000.00 NO STOP 2023-01-01 00:04 UTC"
    assert "NO STOP on ETH/USDT:USDT" in _text(html)


def test_a_halted_symbol_is_an_alert_with_its_reason(html: str) -> None:
    [alert] = re.findall(r'<p class="halted" role="alert">(.*?)</p>', html, re.S)
    assert _text(alert).startswith(
        "HALTED ETH/USDT:USDT since 2023-01-01 00:05 UTC: venue holds 2, executor 1."
    )


def test_the_resting_stop_is_an_open_order(html: str) -> None:
    orders = re.search(r'<table class="data live-orders">(.*?)</table>', html, re.S).group(1)
    rows = [_text(r) for r in re.findall(r"<tr data-oid[^>]*>(.*?)</tr>", orders, re.S)]
    assert rows == [
        "BTC/USDT:USDT stop sell trigger 85.0 2.000000 0.000000 open 2023-01-01 00:03 UTC"
    ]


def test_the_fills_newest_first(html: str) -> None:
    fills = re.search(r'<table class="data live-fills">(.*?)</table>', html, re.S).group(1)
    rows = [_text(r) for r in re.findall(r"<tr>(.*?)</tr>", fills, re.S)[1:]]
    assert rows == [
        "2023-01-01 00:04 UTC ETH/USDT:USDT sell 2,000.00 1.000000 0.0100",
        "2023-01-01 00:02 UTC BTC/USDT:USDT buy 90.0 1.000000 0.0100",
        "2023-01-01 00:01 UTC BTC/USDT:USDT buy 100.0 1.000000 0.0100",
    ]


def test_a_home_without_an_account_says_how_to_get_one(empty_client: TestClient) -> None:
    assert "No exchange account in this home" in empty_client.get("/account").text
