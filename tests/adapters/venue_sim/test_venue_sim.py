"""The local Bitget against the real ccxt client: each test one behaviour of the venue.

Candles (sim_kit.CANDLES): the rehearsal starts at the third candle, 101 -> 95 -> 103 -> 102
(up: open, low, high, close), then 102 -> 104 -> 90 -> 91 (down: open, high, low, close).
Expected prices and fees are worked out by hand from those candles and the default rates
(maker 0.0002, taker 0.0006).
"""

from __future__ import annotations

import ccxt
import pytest

from adapters.venue_sim.faults import Fault
from adapters.venue_sim.signing import Credentials
from tests.adapters.venue_sim.sim_kit import HOUR, SYMBOL, T0, client, make_sim


@pytest.fixture
def venue():
    sim = make_sim()
    with sim.serve():
        ex = client(sim.url)
        ex.load_markets()
        yield sim, ex


def _long_at_96(sim, ex):
    """A 0.1 buy limit at 96 filled in the first candle (its path passes 96 on the way to 95)."""
    ex.create_order(SYMBOL, "limit", "buy", 0.1, 96.0, {"clientOrderId": "entry-1"})
    return sim.step()


def test_public_time_is_market_time(venue):
    _, ex = venue
    assert ex.fetch_time() == T0 + 2 * HOUR


def test_candles_served_are_only_those_closed_before_the_clock(venue):
    sim, ex = venue
    assert [c[0] for c in ex.fetch_ohlcv(SYMBOL, "1h")] == [T0, T0 + HOUR]
    sim.step()  # the first rehearsal candle closes
    assert [c[0] for c in ex.fetch_ohlcv(SYMBOL, "1h")][-1] == T0 + 2 * HOUR


def test_market_contract_rules_come_from_the_contract(venue):
    _, ex = venue
    m = ex.market(SYMBOL)
    assert (m["precision"]["price"], m["precision"]["amount"]) == (0.1, 0.001)
    assert (m["limits"]["amount"]["min"], m["limits"]["cost"]["min"]) == (0.001, 5.0)


def test_limit_buy_fills_at_its_price_when_the_path_reaches_it(venue):
    sim, ex = venue
    result = _long_at_96(sim, ex)
    assert result.paused == "fill"
    assert (result.fills[0].price, result.fills[0].qty) == (96.0, 0.1)
    assert result.fills[0].fee == pytest.approx(96.0 * 0.1 * 0.0002)


def test_limit_buy_above_the_open_fills_at_the_open(venue):
    sim, ex = venue
    ex.create_order(SYMBOL, "limit", "buy", 0.1, 101.5)
    assert sim.step().fills[0].price == 101.0


def test_market_order_between_candles_fills_at_the_next_open(venue):
    _, ex = venue
    ex.create_order(SYMBOL, "market", "buy", 0.1)
    trade = ex.fetch_my_trades(SYMBOL)[0]
    assert trade["price"] == 101.0
    assert trade["fee"]["cost"] == pytest.approx(101.0 * 0.1 * 0.0006)


def test_stop_placed_at_a_fill_pause_fills_at_its_trigger_in_the_next_candle(venue):
    sim, ex = venue
    _long_at_96(sim, ex)
    ex.create_order(SYMBOL, "market", "sell", 0.1, None, {"stopLossPrice": 94.0})
    assert sim.step().paused == "candle"  # 94 is under this candle's low (95)
    stop = sim.step()  # the down candle reaches 90: the stop fires at 94
    assert (stop.paused, stop.fills[0].price, stop.fills[0].side) == ("fill", 94.0, "sell")
    assert ex.fetch_positions([SYMBOL]) == []


def test_stop_of_a_position_opened_this_candle_is_checked_on_the_whole_candle(venue):
    sim, ex = venue
    _long_at_96(sim, ex)
    ex.create_order(SYMBOL, "market", "sell", 0.1, None, {"stopLossPrice": 95.5})
    late = sim.step()  # phase C: the low (95) is under 95.5
    assert (late.paused, late.fills[0].price) == ("fill", 95.5)


def test_stop_on_the_wrong_side_of_the_price_is_refused_with_45122(venue):
    sim, ex = venue
    _long_at_96(sim, ex)
    with pytest.raises(ccxt.InvalidOrder, match="45122"):
        ex.create_order(SYMBOL, "market", "sell", 0.1, None, {"stopLossPrice": 97.0})
    assert sim.state().open_plans == []


def test_stop_moved_with_edit_order(venue):
    sim, ex = venue
    _long_at_96(sim, ex)
    stop = ex.create_order(SYMBOL, "market", "sell", 0.1, None, {"stopLossPrice": 94.0})
    ex.edit_order(stop["id"], SYMBOL, "market", "sell", 0.1, None, {"stopLossPrice": 94.5})
    assert sim.state().open_plans[0].trigger == 94.5


def test_plan_cancelled_through_cancel_order_answers_40768_and_stays_live(venue):
    sim, ex = venue
    _long_at_96(sim, ex)
    stop = ex.create_order(SYMBOL, "market", "sell", 0.1, None, {"stopLossPrice": 94.0})
    with pytest.raises(ccxt.OrderNotFound, match="40768"):
        ex.cancel_order(stop["id"], SYMBOL)
    assert [p.order_id for p in sim.state().open_plans] == [stop["id"]]


def test_pos_loss_cancelled_without_plan_type_is_not_in_the_success_list(venue):
    sim, ex = venue
    _long_at_96(sim, ex)
    stop = ex.create_order(SYMBOL, "market", "sell", 0.1, None, {"stopLossPrice": 94.0})
    answer = ex.privateMixPostV2MixOrderCancelPlanOrder(
        {
            "symbol": "BTCUSDT",
            "productType": "USDT-FUTURES",
            "orderIdList": [{"orderId": stop["id"]}],
        }
    )
    assert answer["data"]["successList"] == []
    assert len(sim.state().open_plans) == 1


def test_pos_loss_cancelled_with_its_plan_type(venue):
    sim, ex = venue
    _long_at_96(sim, ex)
    stop = ex.create_order(SYMBOL, "market", "sell", 0.1, None, {"stopLossPrice": 94.0})
    ex.cancel_order(stop["id"], SYMBOL, {"trigger": True, "planType": "pos_loss"})
    assert sim.state().open_plans == []


def test_open_stops_listed_with_plan_type_profit_loss(venue):
    sim, ex = venue
    _long_at_96(sim, ex)
    stop = ex.create_order(SYMBOL, "market", "sell", 0.1, None, {"stopLossPrice": 94.0})
    listed = ex.fetch_open_orders(SYMBOL, params={"planType": "profit_loss"})
    assert [(o["id"], o["stopLossPrice"]) for o in listed] == [(stop["id"], 94.0)]


def test_order_detail_of_a_plan_id_answers_40109(venue):
    sim, ex = venue
    _long_at_96(sim, ex)
    stop = ex.create_order(SYMBOL, "market", "sell", 0.1, None, {"stopLossPrice": 94.0})
    with pytest.raises(ccxt.OrderNotFound, match="40109"):
        ex.fetch_order(stop["id"], SYMBOL)


def test_order_detail_by_client_oid(venue):
    sim, ex = venue
    _long_at_96(sim, ex)
    order = ex.fetch_order(None, SYMBOL, {"clientOrderId": "entry-1"})
    assert (order["status"], order["filled"], order["average"]) == ("closed", 0.1, 96.0)


def test_client_oid_used_twice_is_refused_and_places_nothing(venue):
    sim, ex = venue
    ex.create_order(SYMBOL, "limit", "buy", 0.1, 90.0, {"clientOrderId": "x"})
    with pytest.raises(ccxt.ExchangeError, match="40786"):
        ex.create_order(SYMBOL, "limit", "buy", 0.1, 91.0, {"clientOrderId": "x"})
    assert len(ex.fetch_open_orders(SYMBOL)) == 1
    assert sim.state().duplicates_refused == ["x"]


def test_reduce_only_order_never_opens_a_position(venue):
    _, ex = venue
    with pytest.raises(ccxt.ExchangeError, match="22002"):
        ex.create_order(SYMBOL, "market", "sell", 0.1, None, {"reduceOnly": True})
    assert ex.fetch_positions([SYMBOL]) == []


def test_reduce_only_close_never_flips_the_position(venue):
    sim, ex = venue
    _long_at_96(sim, ex)
    ex.create_order(SYMBOL, "limit", "sell", 0.3, 102.5, {"reduceOnly": True})
    sim.step()  # an exit placed after phase A waits for the next candle
    exit_ = sim.step()  # 102 -> 104: the reduce-only sell closes the 0.1 only, at 102.5
    assert [(f.price, f.qty) for f in exit_.fills] == [(102.5, 0.1)]
    assert ex.fetch_positions([SYMBOL]) == []


def test_modify_order_moves_a_resting_limit_and_its_client_oid(venue):
    sim, ex = venue
    order = ex.create_order(SYMBOL, "limit", "buy", 0.1, 90.0, {"clientOrderId": "a"})
    ex.edit_order(order["id"], SYMBOL, "limit", "buy", 0.1, 96.0, {"newClientOid": "b"})
    assert sim.step().fills[0].price == 96.0
    assert ex.fetch_order(None, SYMBOL, {"clientOrderId": "b"})["id"] == order["id"]


def test_set_leverage_refused_while_a_position_is_open(venue):
    sim, ex = venue
    ex.set_leverage(5, SYMBOL)
    _long_at_96(sim, ex)
    with pytest.raises(ccxt.ExchangeError, match="40104"):
        ex.set_leverage(3, SYMBOL)


def test_balance_moves_by_realised_pnl_and_fees(venue):
    sim, ex = venue
    _long_at_96(sim, ex)
    ex.create_order(SYMBOL, "market", "sell", 0.1, None, {"reduceOnly": True})  # at 96 (paused)
    expected = 10_000 - 96 * 0.1 * 0.0002 - 96 * 0.1 * 0.0006
    assert ex.fetch_balance({"type": "swap"})["USDT"]["total"] == pytest.approx(expected)


def test_hedge_mode_refuses_one_way_orders_until_switched():
    sim = make_sim(hedge_mode=True)
    with sim.serve():
        ex = client(sim.url)
        with pytest.raises(ccxt.InvalidOrder, match="40774"):
            ex.create_order(SYMBOL, "limit", "buy", 0.1, 90.0)
        ex.set_position_mode(False, SYMBOL)
        assert ex.create_order(SYMBOL, "limit", "buy", 0.1, 90.0)["id"]


def test_wrong_secret_is_refused_and_changes_nothing():
    sim = make_sim()
    with sim.serve():
        ex = client(sim.url, Credentials("sim-api-key", "wrong", "sim-passphrase"))
        ex.load_markets()
        with pytest.raises(ccxt.AuthenticationError, match="40009"):
            ex.create_order(SYMBOL, "limit", "buy", 0.1, 90.0)
        assert sim.state().open_orders == []


def test_wrong_passphrase_is_refused():
    sim = make_sim()
    with sim.serve():
        ex = client(sim.url, Credentials("sim-api-key", "sim-secret", "nope"))
        with pytest.raises(ccxt.AuthenticationError, match="40012"):
            ex.fetch_balance({"type": "swap"})


def test_fault_error_answers_the_code_without_acting(venue):
    sim, ex = venue
    _long_at_96(sim, ex)
    sim.faults.add(Fault("error", "/api/v2/mix/order/place-tpsl-order", times=1, code="45122"))
    with pytest.raises(ccxt.InvalidOrder, match="45122"):
        ex.create_order(SYMBOL, "market", "sell", 0.1, None, {"stopLossPrice": 94.0})
    assert sim.state().open_plans == []


def test_fault_429_is_rate_limit(venue):
    sim, ex = venue
    sim.faults.add(Fault("429", "", times=1))
    with pytest.raises(ccxt.DDoSProtection):
        ex.fetch_balance({"type": "swap"})


def test_fault_lose_answer_acts_but_the_client_sees_a_network_error(venue):
    sim, ex = venue
    sim.faults.add(Fault("lose_answer", "/api/v2/mix/order/place-order"))
    with pytest.raises(ccxt.NetworkError):
        ex.create_order(SYMBOL, "limit", "buy", 0.1, 90.0, {"clientOrderId": "lost"})
    assert [o.client_oid for o in sim.state().open_orders] == ["lost"]


def test_fault_partial_fills_only_the_fraction(venue):
    sim, ex = venue
    sim.faults.add(Fault("partial", fraction=0.5))
    _long_at_96(sim, ex)
    order = ex.fetch_order(None, SYMBOL, {"clientOrderId": "entry-1"})
    assert (order["filled"], order["status"]) == (0.05, "open")


def test_fault_nan_price_answers_nan(venue):
    sim, ex = venue
    sim.faults.add(Fault("nan_price", "/api/v2/mix/order/orders-pending"))
    ex.create_order(SYMBOL, "limit", "buy", 0.1, 90.0)
    raw = ex.privateMixGetV2MixOrderOrdersPending({"productType": "USDT-FUTURES"})
    assert raw["data"]["entrustedList"][0]["price"] == "NaN"


def test_closed_by_hand_cancels_the_stop(venue):
    sim, ex = venue
    _long_at_96(sim, ex)
    ex.create_order(SYMBOL, "market", "sell", 0.1, None, {"stopLossPrice": 94.0})
    sim.close_position(SYMBOL)
    state = sim.state()
    assert (state.positions, state.open_plans) == ([], [])


def test_unprotected_counts_pauses_without_a_stop(venue):
    sim, ex = venue
    _long_at_96(sim, ex)  # unprotected from this pause
    sim.step()  # candle close, still no stop
    assert sim.state().unprotected.pauses == 1
