"""The Bitget account gateway: the only place the live engine talks to ccxt's private Bitget API.

Each method is one ccxt 4.5.90 call (``stop_by_client_oid`` two) on a USDT perpetual in one-way
position mode and isolated margin, and returns the typed vocabulary of
``adapters.exchanges.account_vocabulary``. Failures are classified by ccxt exception class,
never by message text (see that module for what each error asks of the caller):

- ``RateLimitExceeded``/``DDoSProtection``: retried after ``BACKOFF_S`` (a 429 means the venue
  executed nothing, so POSTs retry too), then ``RateLimited``;
- other ``NetworkError``s (``RequestTimeout`` ...): ``OutcomeUnknown`` on a POST,
  ``VenueUnreachable`` on a GET; ccxt's own retry is off (``maxRetriesOnFailure = 0``) since a
  retried POST can place an order twice;
- ``ExchangeError``s (``InvalidOrder``, ``InsufficientFunds``, ``BadRequest``,
  ``PermissionDenied`` ...): ``VenueRejected`` with Bitget's code; ``OrderNotFound`` is "absent"
  where a lookup or a cancel expects it (``None``, ``"already_gone"``);
- an answer ccxt or our readers cannot book: ``BadVenueAnswer``.

ccxt reads a non-JSON body as an empty answer, so every call also checks the raw body
(``last_json_response``): ccxt's real ``fetch`` must run (tests stub the HTTP session below it).
Keys never leave this module: ``repr`` shows none, error messages and ccxt's debug log lines
(which print request headers) have them masked.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import ccxt
import msgspec

from adapters.exchanges.account_vocabulary import (
    BadVenueAnswer,
    CancelOutcome,
    OutcomeUnknown,
    RateLimited,
    Side,
    VenueBalance,
    VenueFill,
    VenueOrder,
    VenuePosition,
    VenueRejected,
    VenueUnreachable,
)
from adapters.exchanges.bitget_answers import (
    data_of,
    is_flat,
    plan_type,
    read_ack,
    read_balance,
    read_fill,
    read_order,
    read_position,
    read_stop,
    venue_time,
)
from adapters.exchanges.client import rebase_urls

BACKOFF_S = (0.2, 0.4, 0.8)  # sleeps between the tries of a rate-limited call (4 tries)
# one-way mode (no tradeSide, side buy/sell) and isolated margin on every order: without
# marginMode ccxt sends "crossed"
_ORDER_PARAMS = {"marginMode": "isolated", "oneWayMode": True}
_STOP_PLAN = "pos_loss"  # a position stop: Bitget refuses a trigger on the wrong side (45122)
_STOP_LISTS = "profit_loss"  # the plan lists that hold pos_loss orders
_MASK = "***"


class _Absent(msgspec.Struct, frozen=True):
    """What a call returns when the venue says the order does not exist."""


class _Answer(msgspec.Struct, frozen=True):
    """ccxt's parsed result of a call with the raw body it came from."""

    parsed: Any
    raw: Any


class _Ack(msgspec.Struct, frozen=True):
    """What an acknowledgement adds to the order asked for: its id and the venue's time."""

    id: str
    ts: int


class BitgetAccount:
    def __init__(self, exchange: ccxt.Exchange, sleep: Callable[[float], None] = time.sleep):
        self._exchange = exchange
        self._sleep = sleep
        exchange.maxRetriesOnFailure = 0
        exchange.enableLastJsonResponse = True
        _MASKER.secrets.update(self._secrets())
        exchange.logger = _CCXT_LOG

    @classmethod
    def connect(
        cls,
        api_key: str,
        secret: str,
        passphrase: str,
        base_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rate_limit: bool = True,
    ) -> BitgetAccount:
        """A gateway on a new ccxt client; ``base_url`` (e.g. ``http://127.0.0.1:8123``, the
        local Bitget) replaces the scheme and host of every REST URL; ``sleep`` waits out the
        rate-limit backoff (tests pass a recorder); ``rate_limit`` False turns ccxt's pacing
        off (the local Bitget has no limit, and a rehearsal of months would spend hours in
        it; the real venue is always paced)."""
        exchange = ccxt.bitget(
            {
                "apiKey": api_key,
                "secret": secret,
                "password": passphrase,
                "enableRateLimit": rate_limit,
                # uta False: with keys and uta unset ccxt probes /api/v3/account/settings and
                # may switch to the unified-account endpoints
                "options": {
                    "defaultType": "swap",
                    "uta": False,
                    "fetchMarkets": {"types": ["swap"]},
                },
            }
        )
        if base_url is not None:
            exchange.urls["api"] = rebase_urls(exchange.urls["api"], base_url.rstrip("/"))
        return cls(exchange, sleep)

    def __repr__(self) -> str:
        return "BitgetAccount()"

    @property
    def public(self) -> ccxt.Exchange:
        """The same client for public market data (candles): one rate limiter per account."""
        return self._exchange

    # ---- set-up -------------------------------------------------------------------------

    def markets(self) -> None:
        self._get("markets", self._exchange.load_markets)

    def prepare(self, symbol: str, leverage: int, flat: bool, account_flat: bool = True) -> None:
        """One-way position mode when ``account_flat`` (the mode is the account's: Bitget
        refuses to change it while any position is open, and an account holding positions was
        set up already, or its one-way orders were refused with 40774); isolated margin and
        the leverage only when ``flat`` (refused while the symbol holds a position)."""
        ex = self._exchange
        if account_flat:
            self._post("prepare position mode", lambda: ex.set_position_mode(False, symbol))
        if flat:
            self._post("prepare margin", lambda: ex.set_margin_mode("isolated", symbol))
            self._post("prepare leverage", lambda: ex.set_leverage(leverage, symbol))

    # ---- orders -------------------------------------------------------------------------

    def place_limit(
        self,
        symbol: str,
        side: Side,
        qty: float,
        price: float,
        client_oid: str,
        reduce_only: bool = False,
    ) -> VenueOrder:
        params = {**_ORDER_PARAMS, "clientOrderId": client_oid, "reduceOnly": reduce_only}
        answer = self._post(
            "place_limit",
            lambda: self._exchange.create_order(symbol, "limit", side, qty, price, params),
        )
        ack = self._ack("place_limit", answer)
        return VenueOrder(
            id=ack.id, ts=ack.ts, client_oid=client_oid, symbol=symbol, side=side,
            kind="limit", price=price, trigger=0.0, qty=qty, filled=0.0, status="open",
            reduce_only=reduce_only,
        )  # fmt: skip

    def place_market(
        self, symbol: str, side: Side, qty: float, client_oid: str, reduce_only: bool
    ) -> VenueOrder:
        params = {**_ORDER_PARAMS, "clientOrderId": client_oid, "reduceOnly": reduce_only}
        answer = self._post(
            "place_market",
            lambda: self._exchange.create_order(symbol, "market", side, qty, None, params),
        )
        ack = self._ack("place_market", answer)
        return VenueOrder(
            id=ack.id, ts=ack.ts, client_oid=client_oid, symbol=symbol, side=side,
            kind="market", price=0.0, trigger=0.0, qty=qty, filled=0.0, status="open",
            reduce_only=reduce_only,
        )  # fmt: skip

    def edit_limit(
        self, order: VenueOrder, qty: float, price: float, new_client_oid: str
    ) -> VenueOrder:
        """Re-price/re-size a resting limit (``modify-order``). Bitget replaces the order: the
        answer's id is the order now resting, under ``new_client_oid``; it modifies only
        unfilled orders, so ``filled`` is 0."""
        answer = self._post(
            "edit_limit",
            lambda: self._exchange.edit_order(
                order.id,
                order.symbol,
                "limit",
                order.side,
                qty,
                price,
                {"newClientOid": new_client_oid},
            ),
        )
        ack = self._ack("edit_limit", answer)
        return msgspec.structs.replace(
            order, id=ack.id, ts=ack.ts, client_oid=new_client_oid, qty=qty,
            price=price, filled=0.0, status="open",
        )  # fmt: skip

    def place_stop(
        self, symbol: str, position_side: int, qty: float, trigger: float, client_oid: str
    ) -> VenueOrder:
        """The position's exchange-side stop: ``place-tpsl-order`` with ``planType pos_loss``
        and, in one-way mode, ``holdSide`` buy for a long (ccxt derives it from the closing
        side), triggered on the mark price, closing at market."""
        close_side: Side = "sell" if position_side > 0 else "buy"
        params = {"stopLossPrice": trigger, "clientOrderId": client_oid}
        answer = self._post(
            "place_stop",
            lambda: self._exchange.create_order(symbol, "market", close_side, qty, None, params),
        )
        ack = self._ack("place_stop", answer)
        return VenueOrder(
            id=ack.id, ts=ack.ts, client_oid=client_oid, symbol=symbol,
            side=close_side, kind="stop", price=0.0, trigger=trigger, qty=qty, filled=0.0,
            status="open", reduce_only=True,
        )  # fmt: skip

    def move_stop(self, stop: VenueOrder, trigger: float) -> VenueOrder:
        """Move a stop's trigger in place (``modify-tpsl-order``): no window without a stop."""
        answer = self._post(
            "move_stop",
            lambda: self._exchange.edit_order(
                stop.id,
                stop.symbol,
                "market",
                stop.side,
                stop.qty,
                None,
                {"stopLossPrice": trigger},
            ),
        )
        ack = self._ack("move_stop", answer)
        return msgspec.structs.replace(stop, id=ack.id, ts=ack.ts, trigger=trigger)

    def cancel(self, order: VenueOrder) -> CancelOutcome:
        """Cancel an order; ``"already_gone"`` when the venue no longer has it (filled or
        cancelled meanwhile: the caller re-reads it to know which). A stop goes through the
        plan endpoint with its planType: without them Bitget answers 40768 and the stop stays
        live, or an empty success list."""
        if order.kind == "stop":
            return self._cancel_stop(order)
        answer = self._post(
            "cancel", lambda: self._exchange.cancel_order(order.id, order.symbol), absent_ok=True
        )
        return "already_gone" if isinstance(answer, _Absent) else "cancelled"

    # ---- reads --------------------------------------------------------------------------

    def open_orders(self, symbol: str) -> list[VenueOrder]:
        answer = self._get("open_orders", lambda: self._exchange.fetch_open_orders(symbol))
        data_of("open_orders", answer.raw, dict)
        return [read_order("open_orders", order) for order in answer.parsed]

    def open_stops(self, symbol: str) -> list[VenueOrder]:
        """The live ``pos_loss`` stops (other tp/sl plans of the list are not ours)."""
        answer = self._get(
            "open_stops",
            lambda: self._exchange.fetch_open_orders(symbol, params={"planType": _STOP_LISTS}),
        )
        return self._stops("open_stops", answer)

    def order_by_client_oid(self, symbol: str, client_oid: str) -> VenueOrder | None:
        """A normal order by its clientOid, ``None`` when the venue has none (Bitget's order
        detail cannot see plan orders: use ``stop_by_client_oid`` for stops)."""
        answer = self._get(
            "order_by_client_oid",
            lambda: self._exchange.fetch_order(None, symbol, {"clientOrderId": client_oid}),
            absent_ok=True,
        )
        if isinstance(answer, _Absent):
            return None
        data_of("order_by_client_oid", answer.raw, dict)
        return read_order("order_by_client_oid", answer.parsed)

    def stop_by_client_oid(self, symbol: str, client_oid: str) -> VenueOrder | None:
        """A stop by its clientOid: the live plan list first, then the plan history."""
        live = [stop for stop in self.open_stops(symbol) if stop.client_oid == client_oid]
        if live:
            return live[0]
        params = {"trigger": True, "planType": _STOP_LISTS, "clientOrderId": client_oid}
        answer = self._get(
            "stop_history",
            lambda: self._exchange.fetch_canceled_and_closed_orders(symbol, params=params),
        )
        past = [
            stop for stop in self._stops("stop_history", answer) if stop.client_oid == client_oid
        ]
        return past[0] if past else None

    def fills(self, symbol: str, since_ms: int) -> list[VenueFill]:
        """Our trades on ``symbol`` since ``since_ms``, oldest first. One page of Bitget's
        fills (100): the caller asks from its last recorded fill."""
        answer = self._get("fills", lambda: self._exchange.fetch_my_trades(symbol, since_ms))
        data_of("fills", answer.raw, dict)
        fills = [read_fill("fills", trade) for trade in answer.parsed]
        return sorted(fills, key=lambda fill: (fill.ts, fill.id))

    def positions(self) -> list[VenuePosition]:
        """Every open USDT-futures position; Bitget's flat entries (size 0) are dropped."""
        answer = self._get(
            "positions",
            lambda: self._exchange.fetch_positions(params={"productType": "USDT-FUTURES"}),
        )
        data_of("positions", answer.raw, list)
        return [
            read_position("positions", position)
            for position in answer.parsed
            if not is_flat("positions", position)
        ]

    def balance(self) -> VenueBalance:
        answer = self._get("balance", lambda: self._exchange.fetch_balance({"type": "swap"}))
        data_of("balance", answer.raw, list)
        return read_balance("balance", answer.parsed)

    # ---- helpers ------------------------------------------------------------------------

    def _ack(self, where: str, answer: _Answer) -> _Ack:
        """The id and time of an acknowledgement: Bitget acks only ``{orderId, clientOid}``
        (the time is the answer's), the rest of the order is what was asked."""
        data_of(where, answer.raw, dict)
        return _Ack(id=read_ack(where, answer.parsed), ts=venue_time(where, answer.raw))

    def _stops(self, where: str, answer: _Answer) -> list[VenueOrder]:
        data_of(where, answer.raw, dict)
        return [
            read_stop(where, order)
            for order in answer.parsed
            if plan_type(where, order) == _STOP_PLAN
        ]

    def _cancel_stop(self, stop: VenueOrder) -> CancelOutcome:
        params = {"trigger": True, "planType": _STOP_PLAN}
        answer = self._post(
            "cancel_stop",
            lambda: self._exchange.cancel_order(stop.id, stop.symbol, params),
            absent_ok=True,
        )
        if isinstance(answer, _Absent):
            return "already_gone"
        data = data_of("cancel_stop", answer.raw, dict)
        if any(item.get("orderId") == stop.id for item in data.get("successList") or []):
            return "cancelled"
        return self._plan_cancel_failure(data.get("failureList") or [])

    def _plan_cancel_failure(self, failures: list) -> CancelOutcome:
        """A plan cancel answers 00000 with the order in ``failureList``: its errorCode is
        classified by the class ccxt maps it to, as a top-level error would be."""
        entries = [item for item in failures if isinstance(item, dict)]
        if not entries:
            raise BadVenueAnswer(
                "cancel_stop", "the order is in neither successList nor failureList"
            )
        code = str(entries[0].get("errorCode") or "")
        error_class = self._exchange.exceptions["exact"].get(code)
        if error_class is not None and issubclass(error_class, ccxt.OrderNotFound):
            return "already_gone"
        raise VenueRejected(code, self._masked(str(entries[0].get("errorMsg") or "")))

    def _get(self, where: str, call: Callable[[], Any], absent_ok: bool = False) -> Any:
        return self._call(where, False, call, absent_ok)

    def _post(self, where: str, call: Callable[[], Any], absent_ok: bool = False) -> Any:
        return self._call(where, True, call, absent_ok)

    def _call(
        self, where: str, post: bool, call: Callable[[], Any], absent_ok: bool = False
    ) -> _Answer | _Absent:
        """Run one ccxt call, retrying rate limits with ``BACKOFF_S``, and classify its
        failure by ccxt's exception class."""
        for delay in (*BACKOFF_S, None):
            self._exchange.last_json_response = None
            try:
                return _Answer(parsed=call(), raw=self._exchange.last_json_response)
            except (ccxt.RateLimitExceeded, ccxt.DDoSProtection):
                if delay is None:
                    raise RateLimited(where, len(BACKOFF_S) + 1) from None
                self._sleep(delay)
            except ccxt.OrderNotFound as exc:
                if absent_ok:
                    return _Absent()
                raise self._rejected(exc) from None
            except ccxt.NetworkError as exc:
                lost = OutcomeUnknown if post else VenueUnreachable
                raise lost(where, self._masked(type(exc).__name__ + ": " + str(exc))) from None
            except ccxt.ExchangeError as exc:
                raise self._rejected(exc) from None
            except (
                ccxt.BadResponse,
                TypeError,
                ValueError,
                KeyError,
                AttributeError,
                IndexError,
            ) as exc:
                # ccxt choking on a malformed body: the venue answered, but not legibly
                why = f"ccxt could not read it ({type(exc).__name__})"
                culprit = _non_finite_field(self._exchange.last_json_response)
                raise BadVenueAnswer(where, why + culprit) from None
        raise AssertionError("unreachable: the last try raises or returns")

    def _rejected(self, exc: ccxt.BaseError) -> VenueRejected:
        """ccxt's message is ``'bitget <body>'``: Bitget's code is read from the body."""
        message = self._masked(str(exc))
        return VenueRejected(_bitget_code(message), message)

    def _secrets(self) -> list[str]:
        ex = self._exchange
        return [s for s in (ex.apiKey, ex.secret, ex.password) if isinstance(s, str) and s]

    def _masked(self, text: str) -> str:
        return _mask(text, self._secrets())


def _bitget_code(message: str) -> str:
    start = message.find("{")
    try:
        body = json.loads(message[start:]) if start >= 0 else None
    except ValueError:
        return ""
    return str(body.get("code", "")) if isinstance(body, dict) else ""


_NON_FINITE = {"nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


def _non_finite_field(raw: Any) -> str:
    """``": field 'price' is 'NaN'"`` for the first non-finite number of a raw answer (ccxt's
    Precise chokes on them before any field check of ours runs), else ``""``."""
    if isinstance(raw, dict):
        for key, value in raw.items():
            if isinstance(value, str) and value.strip().lower() in _NON_FINITE:
                return f": field {key!r} is {value!r}"
            found = _non_finite_field(value)
            if found:
                return found
    if isinstance(raw, list):
        return next((found for item in raw if (found := _non_finite_field(item))), "")
    return ""


def _mask(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, _MASK)
    return text


class _MaskSecrets(logging.Filter):
    """Masks every gateway's keys in ccxt's log lines (its debug lines print the request
    headers). One filter for all gateways of the process, so none unmasks another's keys."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _mask(record.getMessage(), sorted(self.secrets, key=len, reverse=True))
        record.args = None
        return True


_MASKER = _MaskSecrets()
_CCXT_LOG = logging.getLogger(__name__ + ".ccxt")
_CCXT_LOG.addFilter(_MASKER)
