"""The Bitget account gateway against ccxt 4.5.90's real code with its network stubbed
(``fake_bitget_http``): what it sends (compared with ccxt's recorded Bitget requests where a
case exists), what it books from the venue's answers (recorded responses, or bodies written
from Bitget's documented shapes), and how each failure is classified. One scenario per test."""

from __future__ import annotations

import json
import logging

import pytest
import requests

from adapters.exchanges.account_vocabulary import (
    BadVenueAnswer,
    OutcomeUnknown,
    RateLimited,
    VenueBalance,
    VenueFill,
    VenueOrder,
    VenuePosition,
    VenueRejected,
    VenueUnreachable,
)
from tests.adapters.fake_bitget_http import (
    CCXT_STATIC,
    KEY,
    PASSPHRASE,
    REQUEST_TIME,
    SECRET,
    FakeBitget,
    account,
    error,
    fixture_markets,
    ok,
    request_case,
    response_case,
)

needs_fixtures = pytest.mark.skipif(
    not CCXT_STATIC.is_dir(), reason="../shared/data/ccxt-static absent"
)
BTC = "BTC/USDT:USDT"
PLACE = "/api/v2/mix/order/place-order"
TPSL = "/api/v2/mix/order/place-tpsl-order"
PENDING = "/api/v2/mix/order/orders-pending"
PLAN_PENDING = "/api/v2/mix/order/orders-plan-pending"
PLAN_HISTORY = "/api/v2/mix/order/orders-plan-history"
CANCEL = "/api/v2/mix/order/cancel-order"
CANCEL_PLAN = "/api/v2/mix/order/cancel-plan-order"
DETAIL = "/api/v2/mix/order/detail"
POSITIONS = "/api/v2/mix/position/all-position"
ACK = ok({"orderId": "1001", "clientOid": "c-1"})


def limit_order(**fields: str) -> dict:
    """An entry of Bitget's orders-pending list (the shape in ccxt's bitget.py comments)."""
    entry = {
        "symbol": "BTCUSDT", "size": "0.002", "orderId": "2001", "clientOid": "c-2",
        "baseVolume": "0", "fee": "0", "price": "25000", "priceAvg": "", "status": "live",
        "side": "buy", "force": "gtc", "posSide": "net", "marginCoin": "USDT",
        "marginMode": "isolated", "tradeSide": "buy_single", "posMode": "one_way_mode",
        "orderType": "limit", "reduceOnly": "NO", "cTime": "1700725524378",
        "uTime": "1700725524378",
    }  # fmt: skip
    return {**entry, **fields}


def pos_loss(order_id: str, client_oid: str, plan: str = "pos_loss") -> dict:
    """An entry of Bitget's plan lists for a long's stop in one-way mode."""
    return {
        "planType": plan, "symbol": "BTCUSDT", "size": "0.002", "orderId": order_id,
        "clientOid": client_oid, "price": "0", "triggerPrice": "24000",
        "triggerType": "mark_price", "planStatus": "live", "side": "sell", "posSide": "net",
        "marginCoin": "USDT", "marginMode": "isolated", "posMode": "one_way_mode",
        "orderType": "market", "cTime": "1700726120917", "uTime": "1700726120917",
    }  # fmt: skip


def live_stop(order_id: str = "3001") -> VenueOrder:
    return VenueOrder(order_id, "s-1", BTC, "sell", "stop", 0.0, 24000.0, 0.002, 0.0, "open",
                      True, 1)  # fmt: skip


def resting_limit() -> VenueOrder:
    return VenueOrder("2001", "c-2", BTC, "buy", "limit", 25000.0, 0.0, 0.002, 0.0, "open",
                      False, 1)  # fmt: skip


# ---- what is sent: ccxt's recorded Bitget requests --------------------------------------


@pytest.mark.shared_data
@needs_fixtures
def test_place_limit_sends_the_one_way_isolated_limit_body() -> None:
    fake = FakeBitget().on(PLACE, (200, ACK))
    gateway, _ = account(fake, fixture_markets())
    gateway.place_limit(BTC, "buy", 0.001, 40000.0, "c-1")
    expected = request_case("createOrder", "Swap oneWayMode limit buy order")["output"]
    assert fake.seen[0].body == {**expected, "clientOid": "c-1"}


@pytest.mark.shared_data
@needs_fixtures
def test_place_market_reduce_only_sends_reduce_only_yes_and_no_trade_side() -> None:
    fake = FakeBitget().on(PLACE, (200, ACK))
    gateway, _ = account(fake, fixture_markets())
    gateway.place_market(BTC, "sell", 0.001, "c-1", reduce_only=True)
    case = request_case("createOrder", "Swap oneWayMode market sell order with reduceOnly")
    assert fake.seen[0].body == {**case["output"], "clientOid": "c-1"}


@pytest.mark.shared_data
@needs_fixtures
def test_place_stop_for_a_long_sends_pos_loss_with_hold_side_buy() -> None:
    fake = FakeBitget().on(TPSL, (200, ACK))
    gateway, _ = account(fake, fixture_markets())
    gateway.place_stop("LTC/USDT:USDT", +1, 0.1, 60.0, "s-1")
    case = request_case(
        "createStopLossOrder", "place sl  order on a long position in one-way  mode"
    )
    assert fake.seen[0].path == TPSL
    assert fake.seen[0].body == {**case["output"], "clientOid": "s-1"}


@pytest.mark.shared_data
@needs_fixtures
def test_edit_limit_sends_modify_order_with_the_new_client_oid() -> None:
    fake = FakeBitget().on("/api/v2/mix/order/modify-order", (200, ACK))
    gateway, _ = account(fake, fixture_markets())
    order = VenueOrder("1113283350484385804", "c-0", BTC, "buy", "limit", 26000.0, 0.0, 0.001,
                       0.0, "open", False, 1)  # fmt: skip
    gateway.edit_limit(order, 0.002, 27000.0, "c-1")
    expected = request_case("editOrder", "Swap edit order")["output"]
    assert fake.seen[0].body == {**expected, "newClientOid": "c-1"}


@pytest.mark.shared_data
@needs_fixtures
def test_prepare_when_flat_sets_one_way_isolated_and_leverage() -> None:
    fake = FakeBitget()
    for path in ("set-position-mode", "set-margin-mode", "set-leverage"):
        fake.on(f"/api/v2/mix/account/{path}", (200, ok({})))
    gateway, _ = account(fake, fixture_markets())
    gateway.prepare("LTC/USDT:USDT", 15, flat=True)
    margin = request_case("setMarginMode", "Set margin mode to isolated")["output"]
    leverage = {**request_case("setLeverage", "Set linear leverage")["output"], "symbol": "LTCUSDT"}
    mode = request_case("setPositionMode", "Set linear position mode to dual side")["output"]
    bodies = [seen.body for seen in fake.seen]
    assert bodies == [{**mode, "posMode": "one_way_mode"}, margin, leverage]


@pytest.mark.shared_data
@needs_fixtures
def test_cancel_of_a_limit_sends_the_plain_cancel_body() -> None:
    fake = FakeBitget().on(CANCEL, (200, ok({"orderId": "1112196299005526018", "clientOid": "x"})))
    gateway, _ = account(fake, fixture_markets())
    order = VenueOrder("1112196299005526018", "x", BTC, "buy", "limit", 1.0, 0.0, 1.0, 0.0,
                       "open", False, 1)  # fmt: skip
    assert gateway.cancel(order) == "cancelled"
    assert fake.seen[0].body == request_case("cancelOrder", "Swap cancel order")["output"]


@pytest.mark.shared_data
@needs_fixtures
def test_open_stops_lists_the_profit_loss_plans() -> None:
    fake = FakeBitget().on(PLAN_PENDING, (200, ok({"entrustedList": None, "endId": None})))
    gateway, _ = account(fake, fixture_markets())
    assert gateway.open_stops("ADA/USDT:USDT") == []
    case = request_case("fetchOpenOrders", "fetch open tp/sl orders")
    assert fake.seen[0].query == dict(
        pair.split("=") for pair in case["url"].split("?")[1].split("&")
    )


@pytest.mark.shared_data
@needs_fixtures
def test_balance_asks_the_usdt_futures_accounts() -> None:
    fake = FakeBitget().on("/api/v2/mix/account/accounts", (200, ok([])))
    gateway, _ = account(fake, fixture_markets())
    with pytest.raises(BadVenueAnswer):
        gateway.balance()  # no USDT account in the answer
    url = request_case("fetchBalance", "Fetch linear swap balance")["url"]
    assert (
        fake.seen[0].path + "?productType=" + fake.seen[0].query["productType"]
        == url.split("bitget.com")[1]
    )


# ---- what is sent: bodies ccxt builds, without a recorded case -------------------------


def test_place_stop_for_a_short_holds_side_sell_and_closes_by_buying() -> None:
    fake = FakeBitget().on(TPSL, (200, ACK))
    gateway, _ = account(fake)
    stop = gateway.place_stop(BTC, -1, 0.002, 26000.0, "s-1")
    assert (fake.seen[0].body["holdSide"], fake.seen[0].body["planType"]) == ("sell", "pos_loss")
    assert (stop.side, stop.kind, stop.trigger, stop.reduce_only) == ("buy", "stop", 26000.0, True)


def test_prepare_with_a_position_open_sets_only_the_position_mode() -> None:
    fake = FakeBitget().on("/api/v2/mix/account/set-position-mode", (200, ok({})))
    gateway, _ = account(fake)
    gateway.prepare(BTC, 5, flat=False)
    assert fake.paths() == ["/api/v2/mix/account/set-position-mode"]


def test_prepare_on_an_account_holding_positions_leaves_the_position_mode() -> None:
    """Bitget refuses to change the position mode while any position is open (40104)."""
    fake = FakeBitget()
    gateway, _ = account(fake)
    gateway.prepare(BTC, 5, flat=False, account_flat=False)
    assert fake.paths() == []


def test_move_stop_edits_the_tpsl_order_in_place() -> None:
    fake = FakeBitget().on("/api/v2/mix/order/modify-tpsl-order", (200, ok({"orderId": "3001"})))
    gateway, _ = account(fake)
    moved = gateway.move_stop(live_stop(), 24500.0)
    assert fake.seen[0].body == {
        "orderId": "3001", "symbol": "BTCUSDT", "productType": "USDT-FUTURES",
        "marginCoin": "USDT", "size": "0.002", "triggerPrice": "24500",
    }  # fmt: skip
    assert (moved.id, moved.trigger, moved.client_oid) == ("3001", 24500.0, "s-1")


def test_cancel_of_a_stop_uses_the_plan_endpoint_with_pos_loss() -> None:
    success = ok({"successList": [{"orderId": "3001", "clientOid": "s-1"}], "failureList": []})
    fake = FakeBitget().on(CANCEL_PLAN, (200, success))
    gateway, _ = account(fake)
    assert gateway.cancel(live_stop()) == "cancelled"
    assert fake.seen[0].body == {
        "symbol": "BTCUSDT", "orderIdList": [{"orderId": "3001"}],
        "productType": "USDT-FUTURES", "planType": "pos_loss",
    }  # fmt: skip


def test_stop_by_client_oid_reads_the_plan_lists_never_the_order_detail() -> None:
    history = ok({"entrustedList": [pos_loss("3002", "s-2")], "endId": "3002"})
    fake = FakeBitget().on(PLAN_PENDING, (200, ok({"entrustedList": [pos_loss("3001", "s-1")]})))
    fake.on(PLAN_HISTORY, (200, history))
    gateway, _ = account(fake)
    found = gateway.stop_by_client_oid(BTC, "s-2")
    assert found is not None and found.id == "3002"
    assert DETAIL not in fake.paths()
    assert fake.seen[1].query["planType"] == "profit_loss"


def test_connect_with_a_base_url_sends_to_that_host() -> None:
    fake = FakeBitget().on(PENDING, (200, ok({"entrustedList": None})))
    gateway, _ = account(fake, base_url="http://127.0.0.1:8123")
    gateway.open_orders(BTC)
    assert fake.seen[0].url.startswith("http://127.0.0.1:8123" + PENDING)


# ---- what is booked ---------------------------------------------------------------------


def test_place_limit_books_the_ack_id_and_the_venue_time() -> None:
    gateway, _ = account(FakeBitget().on(PLACE, (200, ACK)))
    order = gateway.place_limit(BTC, "buy", 0.002, 25000.0, "c-1")
    assert order == VenueOrder("1001", "c-1", BTC, "buy", "limit", 25000.0, 0.0, 0.002, 0.0,
                               "open", False, REQUEST_TIME)  # fmt: skip


def test_open_orders_books_a_resting_limit() -> None:
    fake = FakeBitget().on(PENDING, (200, ok({"entrustedList": [limit_order()]})))
    gateway, _ = account(fake)
    assert gateway.open_orders(BTC) == [
        VenueOrder("2001", "c-2", BTC, "buy", "limit", 25000.0, 0.0, 0.002, 0.0, "open", False,
                   1700725524378)
    ]  # fmt: skip


def test_open_stops_keeps_only_pos_loss_plans() -> None:
    plans = [pos_loss("3001", "s-1"), pos_loss("3009", "tp-1", plan="pos_profit")]
    gateway, _ = account(FakeBitget().on(PLAN_PENDING, (200, ok({"entrustedList": plans}))))
    assert [stop.id for stop in gateway.open_stops(BTC)] == ["3001"]


def test_order_by_client_oid_is_none_when_bitget_has_no_such_order() -> None:
    fake = FakeBitget().on(DETAIL, (400, error("40109", "The data of the order cannot be found")))
    gateway, _ = account(fake)
    assert gateway.order_by_client_oid(BTC, "c-9") is None


@pytest.mark.shared_data
@needs_fixtures
def test_order_by_client_oid_books_a_filled_reduce_only_market_order() -> None:
    case = response_case("fetchOrder", "swap reduceOnly sell order")
    fake = FakeBitget().on(DETAIL, (200, json.dumps(case["httpResponse"])))
    gateway, _ = account(fake, fixture_markets())
    order = gateway.order_by_client_oid("LTC/USDT:USDT", "1139547338494877697")
    # the recorded answer is hedge mode: Bitget's "buy" closing a long is ccxt's "sell"
    assert order == VenueOrder("1139547338494877696", "1139547338494877697", "LTC/USDT:USDT",
                               "sell", "market", 0.0, 0.0, 0.1, 0.1, "closed", True,
                               1707415177939)  # fmt: skip


@pytest.mark.shared_data
@needs_fixtures
def test_fills_books_price_fee_paid_and_the_closing_trade() -> None:
    case = response_case("fetchMyTrades", "swap trade")
    fake = FakeBitget().on("/api/v2/mix/order/fills", (200, json.dumps(case["httpResponse"])))
    gateway, _ = account(fake, fixture_markets())
    fills = gateway.fills("LTC/USDT:USDT", 1701792800000)
    # totalFee "-0.004335" (Bitget: negative = paid) is a fee of 0.004335 paid
    assert fills == [VenueFill("1115965644337205249", "1115965643967582214", "LTC/USDT:USDT",
                               "buy", 72.25, 0.1, 0.004335, 1701792863926, True)]  # fmt: skip
    assert fake.seen[0].query == {
        "productType": "USDT-FUTURES", "startTime": "1701792800000", "symbol": "LTCUSDT"
    }  # fmt: skip


def fill(trade_id: str, ts: str, trade_side: str = "buy_single") -> dict:
    return {
        "tradeId": trade_id, "symbol": "BTCUSDT", "orderId": "2001", "price": "25000",
        "baseVolume": "0.001", "side": "buy", "quoteVolume": "25", "profit": "0",
        "tradeSide": trade_side, "posMode": "one_way_mode", "tradeScope": "maker",
        "cTime": ts,
        "feeDetail": [{"deduction": "no", "feeCoin": "USDT", "totalFee": "-0.005"}],
    }  # fmt: skip


def test_fills_come_oldest_first_then_by_id() -> None:
    page = [fill("9", "1700000000002"), fill("8", "1700000000001"), fill("7", "1700000000002")]
    fake = FakeBitget().on("/api/v2/mix/order/fills", (200, ok({"fillList": page})))
    gateway, _ = account(fake)
    assert [f.id for f in gateway.fills(BTC, 1)] == ["8", "7", "9"]


def test_a_one_way_reduce_fill_is_a_reduce() -> None:
    page = [fill("7", "1700000000001", trade_side="reduce_sell_single")]
    gateway, _ = account(FakeBitget().on("/api/v2/mix/order/fills", (200, ok({"fillList": page}))))
    assert gateway.fills(BTC, 1)[0].reduce is True


@pytest.mark.shared_data
@needs_fixtures
def test_positions_books_a_long() -> None:
    case = response_case("fetchPositions", "Linear position")
    fake = FakeBitget().on(POSITIONS, (200, json.dumps(case["httpResponse"])))
    gateway, _ = account(fake, fixture_markets())
    # liquidationPrice "0" (not computed for a crossed position) is unknown: 0.0
    assert gateway.positions() == [VenuePosition("LTC/USDT:USDT", 1, 0.1, 72.66, 5.0, 0.0, "cross")]
    url = request_case("fetchPositions", "Fetch linear positions without symbol")["url"]
    assert fake.seen[0].query == dict(p.split("=") for p in url.split("?")[1].split("&"))


def position(total: str, hold_side: str = "short") -> dict:
    return {
        "marginCoin": "USDT", "symbol": "BTCUSDT", "holdSide": hold_side, "total": total,
        "available": total, "locked": "0", "leverage": "4", "openPriceAvg": "30000",
        "marginMode": "isolated", "posMode": "one_way_mode", "unrealizedPL": "0",
        "liquidationPrice": "37000", "keepMarginRate": "0.004", "markPrice": "30000",
        "marginSize": "7.5", "cTime": "1700000000000",
    }  # fmt: skip


def test_positions_drop_flat_entries() -> None:
    fake = FakeBitget().on(POSITIONS, (200, ok([position("0.001"), position("0", "long")])))
    gateway, _ = account(fake)
    assert gateway.positions() == [VenuePosition(BTC, -1, 0.001, 30000.0, 4.0, 37000.0, "isolated")]


def test_balance_books_equity_and_what_may_be_moved() -> None:
    # Bitget's /api/v2/mix/account/accounts entry (documented shape, trimmed)
    usdt = {"marginCoin": "USDT", "locked": "0", "available": "950", "maxTransferOut": "900",
            "accountEquity": "1000.5", "usdtEquity": "1000.5", "unrealizedPL": "0.5"}  # fmt: skip
    gateway, _ = account(FakeBitget().on("/api/v2/mix/account/accounts", (200, ok([usdt]))))
    assert gateway.balance() == VenueBalance(total=1000.5, free=900.0)


# ---- failures -----------------------------------------------------------------------------


def test_insufficient_funds_is_a_rejection_with_bitget_code() -> None:
    body = error("40762", "The order amount exceeds the balance")
    gateway, _ = account(FakeBitget().on(PLACE, (400, body)))
    with pytest.raises(VenueRejected) as refused:
        gateway.place_limit(BTC, "buy", 1.0, 25000.0, "c-1")
    assert refused.value.code == "40762"


def test_a_timeout_on_a_post_leaves_the_outcome_unknown() -> None:
    fake = FakeBitget().on(PLACE, (200, requests.Timeout("read timed out")))
    gateway, _ = account(fake)
    with pytest.raises(OutcomeUnknown):
        gateway.place_limit(BTC, "buy", 0.002, 25000.0, "c-1")
    assert len(fake.seen) == 1  # never re-sent: a second POST could place the order twice


def test_a_timeout_on_a_get_is_unreachable_not_unknown() -> None:
    gateway, _ = account(FakeBitget().on(POSITIONS, (200, requests.Timeout("read timed out"))))
    with pytest.raises(VenueUnreachable):
        gateway.positions()


def test_a_dropped_connection_on_a_post_leaves_the_outcome_unknown() -> None:
    dropped = requests.ConnectionError("Connection aborted.")
    gateway, _ = account(FakeBitget().on(TPSL, (200, dropped)))
    with pytest.raises(OutcomeUnknown):
        gateway.place_stop(BTC, 1, 0.002, 24000.0, "s-1")


def test_a_429_is_retried_after_a_backoff() -> None:
    fake = FakeBitget().on(PLACE, (429, error("429", "Too Many Requests")), (200, ACK))
    gateway, sleeps = account(fake)
    assert gateway.place_limit(BTC, "buy", 0.002, 25000.0, "c-1").id == "1001"
    assert sleeps == [0.2]


def test_429_on_every_try_is_rate_limited_after_bounded_backoff() -> None:
    gateway, sleeps = account(FakeBitget().on(PENDING, (429, error("429", "Too Many Requests"))))
    with pytest.raises(RateLimited):
        gateway.open_orders(BTC)
    assert sleeps == [0.2, 0.4, 0.8]


def test_cancel_of_an_order_already_gone_returns_quietly() -> None:
    gateway, _ = account(FakeBitget().on(CANCEL, (400, error("40768", "Order does not exist"))))
    assert gateway.cancel(resting_limit()) == "already_gone"


def test_a_stop_in_the_failure_list_is_a_rejection() -> None:
    failure = {"orderId": "3001", "clientOid": "s-1", "errorCode": "45001", "errorMsg": "busy"}
    answer = ok({"successList": [], "failureList": [failure]})
    gateway, _ = account(FakeBitget().on(CANCEL_PLAN, (200, answer)))
    with pytest.raises(VenueRejected) as refused:
        gateway.cancel(live_stop())
    assert refused.value.code == "45001"


def test_a_stop_failing_as_not_found_is_already_gone() -> None:
    failure = {"orderId": "3001", "errorCode": "40768", "errorMsg": "Order does not exist"}
    answer = ok({"successList": [], "failureList": [failure]})
    gateway, _ = account(FakeBitget().on(CANCEL_PLAN, (200, answer)))
    assert gateway.cancel(live_stop()) == "already_gone"


# ---- malformed answers: refused, naming the call and the field ----------------------------


def test_an_order_without_its_size_is_refused() -> None:
    entry = limit_order()
    del entry["size"]
    gateway, _ = account(FakeBitget().on(PENDING, (200, ok({"entrustedList": [entry]}))))
    with pytest.raises(BadVenueAnswer, match=r"open_orders.*'amount' missing"):
        gateway.open_orders(BTC)


def test_a_nan_price_is_refused() -> None:
    entry = limit_order(price="NaN")
    gateway, _ = account(FakeBitget().on(PENDING, (200, ok({"entrustedList": [entry]}))))
    with pytest.raises(BadVenueAnswer, match=r"open_orders: .*field 'price' is 'NaN'"):
        gateway.open_orders(BTC)


def test_a_negative_position_size_is_refused() -> None:
    gateway, _ = account(FakeBitget().on(POSITIONS, (200, ok([position("-0.001")]))))
    with pytest.raises(BadVenueAnswer, match=r"positions.*'contracts' is negative"):
        gateway.positions()


def test_an_unknown_order_status_is_refused() -> None:
    entry = limit_order(status="frozen")
    gateway, _ = account(FakeBitget().on(PENDING, (200, ok({"entrustedList": [entry]}))))
    with pytest.raises(BadVenueAnswer, match=r"unknown order status 'frozen'"):
        gateway.open_orders(BTC)


def test_an_unknown_side_is_refused() -> None:
    entry = pos_loss("3001", "s-1") | {"side": "hold"}
    gateway, _ = account(FakeBitget().on(PLAN_PENDING, (200, ok({"entrustedList": [entry]}))))
    with pytest.raises(BadVenueAnswer, match=r"open_stops.*side 'hold'"):
        gateway.open_stops(BTC)


def test_an_unparseable_body_is_not_an_empty_position_list() -> None:
    gateway, _ = account(FakeBitget().on(POSITIONS, (200, "<html>bad gateway</html>")))
    with pytest.raises(BadVenueAnswer, match=r"positions: .*not a JSON object"):
        gateway.positions()


def test_an_unparseable_ack_leaves_the_order_outcome_unknown() -> None:
    gateway, _ = account(FakeBitget().on(PLACE, (200, '{"code":"00000","data":')))
    with pytest.raises(OutcomeUnknown):
        gateway.place_limit(BTC, "buy", 0.002, 25000.0, "c-1")


def test_an_ack_without_order_id_is_refused() -> None:
    gateway, _ = account(FakeBitget().on(PLACE, (200, ok({"clientOid": "c-1"}))))
    with pytest.raises(BadVenueAnswer, match=r"place_limit.*'id' missing"):
        gateway.place_limit(BTC, "buy", 0.002, 25000.0, "c-1")


# ---- the keys -----------------------------------------------------------------------------


def test_keys_never_appear_in_repr_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    # a venue that echoes the credentials it was sent in its error body
    echo = error("40006", f"Invalid ACCESS_KEY {KEY} {SECRET} {PASSPHRASE}")
    fake = FakeBitget().on(PLACE, (401, echo)).on(POSITIONS, (200, requests.Timeout(KEY)))
    gateway, _ = account(fake)
    caplog.set_level(logging.DEBUG)
    texts = [repr(gateway)]
    for call in (lambda: gateway.place_limit(BTC, "buy", 0.002, 25000.0, "c-1"), gateway.positions):
        with pytest.raises(Exception) as failed:
            call()
        texts += [str(failed.value), repr(failed.value)]
    texts.append(caplog.text)
    assert "ACCESS-KEY" in caplog.text  # ccxt did log the request headers, masked
    for secret in (KEY, SECRET, PASSPHRASE):
        assert not any(secret in text for text in texts)
