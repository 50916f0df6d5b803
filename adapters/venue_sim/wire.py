"""Bitget v2 JSON shapes: the envelope, error bodies, and the rows of orders, plan orders,
fills, positions, the account and contracts, as the venue writes them (field names and string
numbers from ccxt 4.5.90's recorded Bitget fixtures and the comments of its ``bitget.py``)."""

from __future__ import annotations

import math
from typing import Any

from adapters.venue_sim.book import Fill, Order, Plan, Position, SimMarket

OK = "00000"


def envelope(data: Any, now_ms: int, code: str = OK, msg: str = "success") -> dict[str, Any]:
    return {"code": code, "msg": msg, "requestTime": now_ms, "data": data}


def error(code: str, msg: str, now_ms: int) -> dict[str, Any]:
    return envelope(None, now_ms, code, msg)


def num(x: float) -> str:
    """A number as Bitget writes it: a plain decimal string, no exponent."""
    if not math.isfinite(x):
        return str(x)
    text = f"{x:.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def order_row(o: Order, wire_id: str) -> dict[str, Any]:
    """An order in orders-pending, orders-history and detail (``state`` and ``status`` both:
    detail writes the one, the lists the other)."""
    status = {"live": "live", "partially_filled": "partially_filled"}.get(o.status, o.status)
    return {
        "symbol": wire_id, "size": num(o.size), "orderId": o.order_id, "clientOid": o.client_oid,
        "baseVolume": num(o.filled), "fee": num(-o.fee), "price": num(o.price) if o.price else "",
        "priceAvg": num(o.average) if o.filled else "", "state": status, "status": status,
        "side": o.side, "force": "gtc", "totalProfits": num(o.profit),
        "posSide": "net", "marginCoin": "USDT", "quoteVolume": num(o.cost), "leverage": "",
        "marginMode": "isolated", "enterPointSource": "API",
        "tradeSide": "close" if o.reduce_only else "open", "posMode": "one_way_mode",
        "orderType": o.kind, "orderSource": o.source, "presetStopSurplusPrice": "",
        "presetStopLossPrice": "", "reduceOnly": "YES" if o.reduce_only else "NO",
        "cTime": str(o.created), "uTime": str(o.updated),
    }  # fmt: skip


def plan_row(p: Plan, wire_id: str) -> dict[str, Any]:
    """A ``pos_loss`` order in orders-plan-pending / orders-plan-history."""
    return {
        "planType": "pos_loss", "symbol": wire_id, "size": num(p.size), "orderId": p.order_id,
        "clientOid": p.client_oid, "price": "", "executePrice": "0", "callbackRatio": "",
        "triggerPrice": num(p.trigger), "triggerType": "mark_price", "planStatus": p.status,
        "side": "sell" if p.hold == "long" else "buy", "posSide": "net",
        "marginCoin": "USDT", "marginMode": "isolated", "enterPointSource": "API",
        "tradeSide": "close", "posMode": "one_way_mode", "orderType": "market",
        "orderSource": "pos_loss", "stopSurplusTriggerPrice": "", "stopSurplusExecutePrice": "",
        "stopSurplusTriggerType": "", "stopLossTriggerPrice": num(p.trigger),
        "stopLossExecutePrice": "", "stopLossTriggerType": "mark_price",
        "executeOrderId": p.executed_order, "reduceOnly": "YES",
        "cTime": str(p.created), "uTime": str(p.updated),
    }  # fmt: skip


def fill_row(f: Fill, wire_id: str) -> dict[str, Any]:
    return {
        "tradeId": f.trade_id, "symbol": wire_id, "orderId": f.order_id, "price": num(f.price),
        "baseVolume": num(f.qty),
        "feeDetail": [{"deduction": "no", "feeCoin": "USDT", "totalDeductionFee": None,
                       "totalFee": num(-f.fee)}],
        "side": f.side, "quoteVolume": num(f.qty * f.price), "profit": num(f.profit),
        "enterPointSource": "api", "tradeSide": "close" if f.profit else "open",
        "posMode": "one_way_mode", "tradeScope": "maker" if f.maker else "taker",
        "cTime": str(f.ts),
    }  # fmt: skip


def position_row(p: Position, wire_id: str, mark: float) -> dict[str, Any]:
    size = abs(p.qty)
    pnl = size * (mark - p.entry) * (1 if p.qty > 0 else -1)
    return {
        "marginCoin": "USDT", "symbol": wire_id, "holdSide": p.hold, "openDelegateSize": "0",
        "marginSize": num(p.margin), "available": num(size), "locked": "0", "total": num(size),
        "leverage": num(p.leverage), "achievedProfits": "0", "openPriceAvg": num(p.entry),
        "marginMode": "isolated", "posMode": "one_way_mode", "unrealizedPL": num(pnl),
        "liquidationPrice": "0", "keepMarginRate": "0.004", "markPrice": num(mark),
        "marginRatio": "0", "cTime": str(p.created), "uTime": str(p.created),
    }  # fmt: skip


def account_row(equity: float, available: float, locked: float, pnl: float) -> dict[str, Any]:
    return {
        "marginCoin": "USDT", "locked": num(locked), "available": num(available),
        "crossedMaxAvailable": num(available), "isolatedMaxAvailable": num(available),
        "maxTransferOut": num(available), "accountEquity": num(equity),
        "usdtEquity": num(equity), "btcEquity": "0", "crossedRiskRate": "0",
        "unrealizedPL": num(pnl), "coupon": "0", "crossedUnrealizedPL": "0",
        "isolatedUnrealizedPL": num(pnl),
    }  # fmt: skip


def _places(x: float) -> int:
    """Decimal places of a tick or step such as 0.001 (0 for whole numbers)."""
    text = num(x)
    return len(text.split(".")[1]) if "." in text else 0


def contract_row(m: SimMarket) -> dict[str, Any]:
    """/api/v2/mix/market/contracts entry (the recorded BTCUSDT fixture, with this market's
    rules: ccxt reads the tick as priceEndStep x 10^-pricePlace, the step as sizeMultiplier)."""
    c = m.contract
    price_place = _places(c.tick) if c.tick else 1
    end_step = round(c.tick * 10**price_place) if c.tick else 1
    step = c.step or 0.001
    base = m.symbol.split("/")[0]
    return {
        "symbol": m.wire_id, "baseCoin": base, "quoteCoin": "USDT",
        "buyLimitPriceRatio": "0.01", "sellLimitPriceRatio": "0.01", "feeRateUpRatio": "0.005",
        "makerFeeRate": "0.0002", "takerFeeRate": "0.0006", "openCostUpRatio": "0.01",
        "supportMarginCoins": ["USDT"], "minTradeNum": num(c.min_qty or step),
        "priceEndStep": str(end_step), "volumePlace": str(_places(step)),
        "pricePlace": str(price_place), "sizeMultiplier": num(step), "symbolType": "perpetual",
        "minTradeUSDT": num(c.min_notional), "maxSymbolOrderNum": "200",
        "maxProductOrderNum": "400", "maxPositionNum": "150", "symbolStatus": "normal",
        "offTime": "-1", "limitOpenTime": "-1", "deliveryTime": "", "deliveryStartTime": "",
        "deliveryPeriod": "", "launchTime": "", "fundInterval": "8", "minLever": "1",
        "maxLever": num(c.max_leverage or 125), "posLimit": "0.05", "maintainTime": "",
    }  # fmt: skip


def candle_row(m: SimMarket, i: int) -> list[str]:
    """[open time, o, h, l, c, base volume, quote volume], as mix/market/candles writes it."""
    return [str(int(m.ts[i])), num(float(m.open[i])), num(float(m.high[i])),
            num(float(m.low[i])), num(float(m.close[i])), num(float(m.volume[i])), "0"]  # fmt: skip


# --- the private websocket's rows (ccxt.pro bitget's handle_order / handle_my_trades) -------
WS_STATUS = {"live": "live", "partially_filled": "partially_filled", "filled": "filled",
             "canceled": "cancelled", "executed": "executed", "cancelled": "cancelled"}  # fmt: skip


def ws_push(channel: str, row: dict[str, Any], now_ms: int) -> dict[str, Any]:
    """One frame of a private channel: Bitget pushes contract orders and fills on
    ``instId: default`` whatever the symbol (the row names it)."""
    arg = {"instType": "USDT-FUTURES", "channel": channel, "instId": "default"}
    return {"action": "snapshot", "arg": arg, "data": [row], "ts": now_ms}


def ws_order_row(o: Order, wire_id: str, fill: Fill | None) -> dict[str, Any]:
    """An ``orders`` row: ``accBaseVolume`` is the order's filled total; an update that carries
    a fill adds that fill's fields (``baseVolume`` is the fill's quantity there, not the
    total as in the REST lists)."""
    row = {
        "instId": wire_id, "orderId": o.order_id, "clientOid": o.client_oid,
        "price": num(o.price), "size": num(o.size), "accBaseVolume": num(o.filled),
        "priceAvg": num(o.average), "status": WS_STATUS[o.status], "side": o.side,
        "orderType": o.kind, "force": "gtc", "posMode": "one_way_mode", "posSide": "net",
        "tradeSide": "close" if o.reduce_only else "open",
        "reduceOnly": "yes" if o.reduce_only else "no", "marginMode": "isolated",
        "marginCoin": "USDT", "enterPointSource": "API", "orderSource": o.source,
        "feeDetail": [{"feeCoin": "USDT", "fee": num(-o.fee)}],
        "cTime": str(o.created), "uTime": str(o.updated),
    }  # fmt: skip
    if fill is not None:
        row |= {
            "tradeId": fill.trade_id, "fillPrice": num(fill.price), "baseVolume": num(fill.qty),
            "fillFee": num(-fill.fee), "fillFeeCoin": "USDT", "fillTime": str(fill.ts),
            "fillNotionalUsd": num(fill.qty * fill.price), "pnl": num(fill.profit),
            "tradeScope": "M" if fill.maker else "T",
        }  # fmt: skip
    return row


def ws_plan_row(p: Plan, wire_id: str) -> dict[str, Any]:
    """An ``orders-algo`` row of a ``pos_loss`` stop."""
    return {
        "instId": wire_id, "orderId": p.order_id, "clientOid": p.client_oid,
        "triggerPrice": num(p.trigger), "price": num(p.trigger), "triggerType": "mark_price",
        "planType": "pos_loss", "size": num(p.size), "side": "sell" if p.hold == "long" else "buy",
        "posSide": "net", "posMode": "one_way_mode", "tradeSide": "close", "reduceOnly": "yes",
        "orderType": "market", "marginMode": "isolated", "marginCoin": "USDT",
        "status": WS_STATUS[p.status], "cTime": str(p.created), "uTime": str(p.updated),
    }  # fmt: skip


def ws_fill_row(f: Fill, wire_id: str, order_kind: str) -> dict[str, Any]:
    """A ``fill`` row: the REST fill row, plus the order's type and ``uTime``."""
    return fill_row(f, wire_id) | {"orderType": order_kind, "uTime": str(f.ts)}
