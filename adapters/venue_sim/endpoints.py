"""Bitget v2 USDT-futures endpoints: a request's parameters in, the ``data`` of the answer out
(or a ``Refusal`` carrying Bitget's code), acting on the ``Matcher``.

Codes: 40768 order does not exist (cancel-order on a plan id too), 40109 order detail not
found (a plan id too), 45122 a stop on the wrong side of the price, 40774 a one-way order on a
hedge-mode account, 40786 duplicate clientOid, 22002 no position to close, 40104 leverage
change refused while a position is open, 45117 margin mode change refused likewise, 40808 a
size off the step, 45110 below the minimum notional, 40762 not enough balance, 40017 a missing
or bad parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.venue_sim import wire
from adapters.venue_sim.book import Order, Plan, Refusal, SimMarket
from adapters.venue_sim.matching import EPS, Matcher

Params = dict[str, Any]
Handler = Callable[[Params], Any]
HISTORY_LIMIT, RECENT_LIMIT = 200, 1000


class Endpoints:
    """The routes of one simulated account; ``hedge_mode`` starts the account in hedge mode."""

    def __init__(self, matcher: Matcher, tf_ms: int, hedge_mode: bool = False) -> None:
        self.m, self.tf_ms, self.hedge_mode = matcher, tf_ms, hedge_mode
        self.by_wire = {mk.wire_id: mk for mk in matcher.markets.values()}

    def routes(self) -> dict[tuple[str, str], Handler]:
        g, p = "GET", "POST"
        mix = "/api/v2/mix"
        return {
            (g, "/api/v2/public/time"): lambda q: {"serverTime": str(self.m.now_ts)},
            # load_markets asks for currencies too: this venue lists none beyond the contracts
            (g, "/api/v2/spot/public/coins"): lambda q: [],
            (g, f"{mix}/market/contracts"): self.contracts,
            (g, f"{mix}/market/candles"): lambda q: self.candles(q, RECENT_LIMIT),
            (g, f"{mix}/market/history-candles"): lambda q: self.candles(q, HISTORY_LIMIT),
            (g, f"{mix}/account/accounts"): self.accounts,
            (p, f"{mix}/account/set-position-mode"): self.set_position_mode,
            (p, f"{mix}/account/set-margin-mode"): self.set_margin_mode,
            (p, f"{mix}/account/set-leverage"): self.set_leverage,
            (g, f"{mix}/position/all-position"): lambda q: self.positions(None),
            (g, f"{mix}/position/single-position"): lambda q: self.positions(q.get("symbol")),
            (p, f"{mix}/order/place-order"): self.place_order,
            (p, f"{mix}/order/modify-order"): self.modify_order,
            (p, f"{mix}/order/cancel-order"): self.cancel_order,
            (p, f"{mix}/order/place-tpsl-order"): self.place_tpsl,
            (p, f"{mix}/order/modify-tpsl-order"): self.modify_tpsl,
            (p, f"{mix}/order/cancel-plan-order"): self.cancel_plans,
            (g, f"{mix}/order/orders-pending"): lambda q: self.order_list(q, open_=True),
            (g, f"{mix}/order/orders-history"): lambda q: self.order_list(q, open_=False),
            (g, f"{mix}/order/orders-plan-pending"): lambda q: self.plan_list(q, live=True),
            (g, f"{mix}/order/orders-plan-history"): lambda q: self.plan_list(q, live=False),
            (g, f"{mix}/order/detail"): self.detail,
            (g, f"{mix}/order/fills"): self.fills,
        }

    # --- helpers -----------------------------------------------------------------------------
    def market(self, q: Params) -> SimMarket:
        found = self.by_wire.get(str(q.get("symbol", "")))
        if found is None:
            raise Refusal("40017", f"Parameter verification failed: symbol {q.get('symbol')!r}")
        return found

    def _number(self, q: Params, key: str) -> float:
        try:
            value = float(q[key])
        except (KeyError, TypeError, ValueError):
            raise Refusal("40017", f"Parameter verification failed: {key}") from None
        if not value > 0:
            raise Refusal("40017", f"Parameter verification failed: {key} must be > 0")
        return value

    def _order(self, q: Params) -> Order:
        oid, cid = q.get("orderId"), q.get("clientOid")
        for o in self.m.orders.values():
            if (oid and o.order_id == oid) or (cid and o.client_oid == cid):
                return o
        raise Refusal("40768", "Order does not exist")

    # --- public --------------------------------------------------------------------------------
    def contracts(self, q: Params) -> list[dict[str, Any]]:
        if q.get("productType", "").upper() != "USDT-FUTURES":
            return []
        return [wire.contract_row(mk) for mk in self.m.markets.values()]

    def candles(self, q: Params, cap: int) -> list[list[str]]:
        """Only candles closed before the clock, the newest ``limit`` of the window."""
        mk = self.market(q)
        limit = min(int(q.get("limit", 100)), cap)
        end = min(int(q.get("endTime", self.m.now_ts)), self.m.now_ts - self.tf_ms)
        lo = mk.ts.searchsorted(int(q.get("startTime", 0)))
        hi = mk.ts.searchsorted(end, side="right")
        return [wire.candle_row(mk, i) for i in range(max(lo, hi - limit), hi)]

    # --- account -------------------------------------------------------------------------------
    def accounts(self, q: Params) -> list[dict[str, Any]]:
        locked = sum(p.margin for p in self.m.positions.values())
        pnl = sum(
            abs(p.qty) * (self.m.price(s) - p.entry) * (1 if p.qty > 0 else -1)
            for s, p in self.m.positions.items()
        )
        equity = self.m.balance + pnl
        return [wire.account_row(equity, self.m.balance - locked, locked, pnl)]

    def set_position_mode(self, q: Params) -> dict[str, str]:
        mode = q.get("posMode")
        if mode not in ("one_way_mode", "hedge_mode"):
            raise Refusal("40017", "Parameter verification failed: posMode")
        if self.m.positions:
            raise Refusal("40104", "Position mode cannot be changed with positions open")
        self.hedge_mode = mode == "hedge_mode"
        return {"posMode": mode}

    def set_margin_mode(self, q: Params) -> dict[str, str]:
        mk = self.market(q)
        if mk.symbol in self.m.positions:
            raise Refusal("45117", "Currently holding positions or orders, the margin mode "
                          "cannot be adjusted")  # fmt: skip
        return {"symbol": mk.wire_id, "marginCoin": "USDT", "marginMode": q.get("marginMode")}

    def set_leverage(self, q: Params) -> dict[str, str]:
        mk = self.market(q)
        lev = self._number(q, "leverage")
        cap = mk.contract.max_leverage
        if cap and lev > cap:
            raise Refusal("40017", f"Parameter verification failed: leverage {lev:g} > {cap:g}")
        if mk.symbol in self.m.positions:
            raise Refusal("40104", "Lever adjustment failure: a position is open")
        self.m.leverage[mk.symbol] = lev
        text = wire.num(lev)
        return {
            "symbol": mk.wire_id, "marginCoin": "USDT", "longLeverage": text,
            "shortLeverage": text, "crossMarginLeverage": text, "marginMode": "isolated",
        }  # fmt: skip

    def positions(self, wire_id: str | None) -> list[dict[str, Any]]:
        return [
            wire.position_row(p, self.by_wire_of(s), self.m.price(s))
            for s, p in self.m.positions.items()
            if wire_id is None or self.by_wire_of(s) == wire_id
        ]

    def by_wire_of(self, symbol: str) -> str:
        return self.m.markets[symbol].wire_id

    # --- orders --------------------------------------------------------------------------------
    def place_order(self, q: Params) -> dict[str, str]:
        mk = self.market(q)
        if self.hedge_mode and "tradeSide" not in q:
            raise Refusal("40774", "The order type for unilateral position must also be the "
                          "unilateral position type.")  # fmt: skip
        side, kind = q.get("side"), q.get("orderType")
        if side not in ("buy", "sell") or kind not in ("limit", "market"):
            raise Refusal("40017", "Parameter verification failed: side or orderType")
        size = self._number(q, "size")
        price = self._number(q, "price") if kind == "limit" else self.m.price(mk.symbol)
        reduce_only = q.get("reduceOnly") == "YES"
        self._check_size(mk, size, price, reduce_only, side)
        if q.get("clientOid") in self.m.client_oids:
            self.m.claim_client_oid(q["clientOid"])  # raises the duplicate error
        order = self.m.new_order(mk.symbol, side, kind, price if kind == "limit" else 0.0,
                                 size, reduce_only, q.get("clientOid", ""))  # fmt: skip
        if kind == "market":
            self.m.fill_market(order)
        return {"orderId": order.order_id, "clientOid": order.client_oid}

    def _check_size(self, mk: SimMarket, size: float, price: float, reduce: bool, side: str):
        c = mk.contract
        if c.step and abs(size / c.step - round(size / c.step)) > 1e-6:
            raise Refusal("40808", f"Parameter verification exception size checkBDScale error "
                          f"value={size:g} checkScale={wire._places(c.step)}")  # fmt: skip
        pos = self.m.positions.get(mk.symbol)
        if reduce:
            if pos is None or (pos.qty > 0) == (side == "buy"):
                raise Refusal("22002", "No position to close")
            return
        if size * price < c.min_notional or size < c.min_qty:
            raise Refusal("45110", f"less than the minimum amount {c.min_notional:g} USDT")
        locked = sum(p.margin for p in self.m.positions.values())
        if size * price / self.m.leverage[mk.symbol] > self.m.balance - locked:
            raise Refusal("40762", "The order amount exceeds the balance")

    def modify_order(self, q: Params) -> dict[str, str]:
        self.market(q)
        order = self._order(q)
        if not order.open or order.kind != "limit":
            raise Refusal("40768", "Order does not exist")
        new_cid = q.get("newClientOid", "")
        if new_cid:
            order.client_oid = self.m.claim_client_oid(new_cid)
        if "newPrice" in q:
            order.price = self._number(q, "newPrice")
        if "newSize" in q:
            order.size = self._number(q, "newSize")
        order.updated = self.m.stamp()
        return {"orderId": order.order_id, "clientOid": order.client_oid}

    def cancel_order(self, q: Params) -> dict[str, str]:
        self.market(q)
        order = self._order(q)  # a plan id is not an order: 40768, the stop stays live
        if not order.open:
            raise Refusal("40768", "Order does not exist")
        order.status, order.updated = "canceled", self.m.stamp()
        return {"orderId": order.order_id, "clientOid": order.client_oid}

    # --- stops ---------------------------------------------------------------------------------
    def place_tpsl(self, q: Params) -> dict[str, str]:
        mk = self.market(q)
        if q.get("planType") != "pos_loss":
            raise Refusal("40017", "Parameter verification failed: planType (only pos_loss)")
        hold = {"buy": "long", "long": "long", "sell": "short", "short": "short"}.get(
            str(q.get("holdSide"))
        )
        pos = self.m.positions.get(mk.symbol)
        if hold is None or pos is None or pos.hold != hold:
            raise Refusal("22002", "No position to close")
        trigger = self._number(q, "triggerPrice")
        self._check_stop_side(mk.symbol, hold, trigger)
        size = float(q["size"]) if q.get("size") else abs(pos.qty)
        cid = self.m.claim_client_oid(q.get("clientOid", ""))
        ts, oid = self.m.stamp(), self.m.new_id()
        self.m.plans[oid] = Plan(oid, cid, mk.symbol, hold, trigger, size, ts, ts)  # type: ignore[arg-type]
        return {"orderId": oid, "clientOid": cid}

    def _check_stop_side(self, symbol: str, hold: str, trigger: float) -> None:
        mark = self.m.price(symbol)
        if hold == "long" and trigger >= mark:
            raise Refusal("45122", f"Long position stop loss price please < mark price {mark:g}")
        if hold == "short" and trigger <= mark:
            raise Refusal("45122", f"Short position stop loss price please > mark price {mark:g}")

    def _plan(self, oid: str | None, cid: str | None) -> Plan | None:
        for p in self.m.plans.values():
            if (oid and p.order_id == oid) or (cid and p.client_oid == cid):
                return p
        return None

    def modify_tpsl(self, q: Params) -> dict[str, str]:
        self.market(q)
        plan = self._plan(q.get("orderId"), q.get("clientOid"))
        if plan is None or plan.status != "live":
            raise Refusal("43025", "Plan order does not exist")
        trigger = self._number(q, "triggerPrice")
        self._check_stop_side(plan.symbol, plan.hold, trigger)
        plan.trigger = trigger
        if q.get("size"):
            plan.size = self._number(q, "size")
        plan.updated = self.m.stamp()
        return {"orderId": plan.order_id, "clientOid": plan.client_oid}

    def cancel_plans(self, q: Params) -> dict[str, list[dict[str, str]]]:
        """Without planType (or another than pos_loss / profit_loss) tpsl orders are not seen:
        an empty successList, as Bitget answers."""
        mk = self.market(q)
        tpsl = q.get("planType") in ("pos_loss", "profit_loss")
        ids = q.get("orderIdList") or [
            {"orderId": p.order_id} for p in self.m.plans.values() if p.symbol == mk.symbol
        ]
        done, failed = [], []
        for ref in ids:
            plan = self._plan(ref.get("orderId"), ref.get("clientOid"))
            if plan is None:
                failed.append({**ref, "errorMsg": "Order does not exist"})
                continue
            if plan.status != "live" or not tpsl:  # not among the plan type asked: unseen
                continue
            plan.status, plan.updated = "cancelled", self.m.stamp()
            done.append({"orderId": plan.order_id, "clientOid": plan.client_oid})
        return {"successList": done, "failureList": failed}

    # --- queries -------------------------------------------------------------------------------
    def _wanted(self, q: Params, symbol: str) -> bool:
        return not q.get("symbol") or self.by_wire_of(symbol) == q["symbol"]

    def order_list(self, q: Params, open_: bool) -> dict[str, Any]:
        rows = [
            wire.order_row(o, self.by_wire_of(o.symbol))
            for o in reversed(self.m.orders.values())
            if o.open == open_ and self._wanted(q, o.symbol)
        ]
        return {"entrustedList": rows or None, "endId": rows[-1]["orderId"] if rows else None}

    def plan_list(self, q: Params, live: bool) -> dict[str, Any]:
        if q.get("planType") not in ("profit_loss", "pos_loss"):
            return {"entrustedList": None, "endId": None}
        rows = [
            wire.plan_row(p, self.by_wire_of(p.symbol))
            for p in reversed(self.m.plans.values())
            if (p.status == "live") == live
            and self._wanted(q, p.symbol)
            and q.get("orderId", p.order_id) == p.order_id
            and q.get("clientOid", p.client_oid) == p.client_oid
        ]
        return {"entrustedList": rows or None, "endId": rows[-1]["orderId"] if rows else None}

    def detail(self, q: Params) -> dict[str, Any]:
        self.market(q)
        try:
            order = self._order(q)
        except Refusal:
            raise Refusal("40109", "The data of the order cannot be found, please confirm "
                          "the order number") from None  # fmt: skip
        return wire.order_row(order, self.by_wire_of(order.symbol))

    def fills(self, q: Params) -> dict[str, Any]:
        mk = self.market(q)
        start, end = int(q.get("startTime", 0)), int(q.get("endTime", self.m.latest_ts + 1))
        rows = [
            wire.fill_row(f, mk.wire_id)
            for f in reversed(self.m.fills)
            if f.symbol == mk.symbol and start <= f.ts <= end and f.qty > EPS
            and q.get("orderId", f.order_id) == f.order_id
        ][: int(q.get("limit", 100))]  # fmt: skip
        return {"fillList": rows or None, "endId": rows[-1]["tradeId"] if rows else None}
