"""A stub of ccxt's HTTP layer for the Bitget gateway's tests: a ``requests`` transport adapter
mounted on the client's session, so ccxt's real ``fetch`` (signing, error mapping, JSON
decoding) runs and only the network is replaced. It answers canned bodies per endpoint and
records every request (method, path, query, JSON body); nothing leaves the process."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import BaseAdapter

from adapters.exchanges.bitget_account import BitgetAccount
from tests.stubs import SHARED_DATA

CCXT_STATIC = SHARED_DATA / "ccxt-static"
KEY, SECRET, PASSPHRASE = "key-5f1c2a", "secret-9e8d7c", "phrase-4b3a21"
REQUEST_TIME = 1_700_000_000_123
# BTC/USDT:USDT as ccxt 4.5.90 loads it from Bitget (markets/bitget.json), trimmed to what the
# calls read, so the core tests run without ../shared
BTC_PERP = {
    "id": "BTCUSDT", "symbol": "BTC/USDT:USDT", "base": "BTC", "quote": "USDT",
    "settle": "USDT", "baseId": "BTC", "quoteId": "USDT", "settleId": "USDT", "type": "swap",
    "spot": False, "margin": False, "swap": True, "future": False, "option": False,
    "active": True, "contract": True, "linear": True, "inverse": False, "subType": "linear",
    "taker": 0.0006, "maker": 0.0002, "contractSize": 1,
    "precision": {"amount": 0.001, "price": 0.1},
    "limits": {"leverage": {"min": 1, "max": 125}, "amount": {"min": 0.001}, "price": {},
               "cost": {"min": 5}},
}  # fmt: skip


@dataclass(frozen=True)
class Seen:
    method: str
    url: str
    path: str
    query: dict[str, str]
    body: Any


def ok(data: Any) -> str:
    return json.dumps(
        {"code": "00000", "msg": "success", "requestTime": REQUEST_TIME, "data": data}
    )


def error(code: str, msg: str) -> str:
    return json.dumps({"code": code, "msg": msg, "requestTime": REQUEST_TIME, "data": None})


@dataclass
class FakeBitget(BaseAdapter):
    """Answers per path: a list of (status, body) used in order (the last one repeats); a body
    that is an exception is raised instead, as the network would."""

    answers: dict[str, list[tuple[int, str | Exception]]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def on(self, path: str, *answers: tuple[int, str | Exception]) -> FakeBitget:
        self.answers[path] = list(answers)
        return self

    def send(self, request: requests.PreparedRequest, **_: Any) -> requests.Response:
        url = urlsplit(request.url or "")
        body = json.loads(request.body) if request.body else None
        self.seen.append(
            Seen(
                request.method or "", request.url or "", url.path, dict(parse_qsl(url.query)), body
            )
        )
        queue = self.answers.get(url.path)
        if not queue:
            raise AssertionError(f"unexpected request {request.method} {url.path}")
        status, answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        response = requests.Response()
        response.status_code = status
        response.reason = "OK" if status == 200 else "Error"
        response._content = answer.encode()
        response.headers["Content-Type"] = "application/json"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass

    def paths(self) -> list[str]:
        return [seen.path for seen in self.seen]


def account(
    fake: FakeBitget, markets: list[dict] | None = None, base_url: str | None = None
) -> tuple[BitgetAccount, list[float]]:
    """A gateway on a real ccxt client whose network is ``fake``; the list collects the
    backoff sleeps instead of sleeping."""
    sleeps: list[float] = []
    gateway = BitgetAccount.connect(KEY, SECRET, PASSPHRASE, base_url, sleep=sleeps.append)
    exchange = gateway._exchange
    exchange.set_markets(markets or [BTC_PERP])
    exchange.session.mount("https://", fake)
    exchange.session.mount("http://", fake)
    return gateway, sleeps


def fixture_markets() -> list[dict]:
    return list(json.loads((CCXT_STATIC / "markets" / "bitget.json").read_text()).values())


def request_case(method: str, description: str) -> dict:
    cases = json.loads((CCXT_STATIC / "request" / "bitget.json").read_text())["methods"][method]
    return next(case for case in cases if case["description"] == description)


def response_case(method: str, description: str) -> dict:
    cases = json.loads((CCXT_STATIC / "response" / "bitget.json").read_text())["methods"][method]
    return next(case for case in cases if case["description"] == description)
