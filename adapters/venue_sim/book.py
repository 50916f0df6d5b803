"""The simulated account's vocabulary: markets, orders, plan (stop) orders, fills, positions,
and the refusal Bitget answers with a code."""

from __future__ import annotations

from typing import Literal

import msgspec
import numpy as np

from domain.contracts import Contract

Side = Literal["buy", "sell"]
OrderStatus = Literal["live", "partially_filled", "filled", "canceled"]
PlanStatus = Literal["live", "executed", "cancelled"]


class SimMarket(msgspec.Struct):
    """One USDT perpetual: ccxt ``symbol`` ("BTC/USDT:USDT", wire id "BTCUSDT"), the venue's
    rules and its candles (open times in ms, one timeframe)."""

    symbol: str
    contract: Contract
    ts: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    @property
    def wire_id(self) -> str:
        return self.symbol.split(":")[0].replace("/", "")


class Refusal(Exception):
    """A request Bitget refuses: its error ``code`` and message; nothing changed."""

    def __init__(self, code: str, msg: str) -> None:
        super().__init__(f"{code} {msg}")
        self.code, self.msg = code, msg


class Order(msgspec.Struct):
    """A normal (limit or market) order."""

    order_id: str
    client_oid: str
    symbol: str
    side: Side
    kind: Literal["limit", "market"]
    price: float  # 0 for a market order
    size: float
    reduce_only: bool
    created: int
    updated: int
    filled: float = 0.0
    cost: float = 0.0  # sum of price x quantity of its fills
    fee: float = 0.0  # paid, positive
    profit: float = 0.0  # realised by its fills
    status: OrderStatus = "live"
    source: str = "normal"  # "pos_loss_market" for the market order a triggered stop spawns

    @property
    def open(self) -> bool:
        return self.status in ("live", "partially_filled")

    @property
    def average(self) -> float:
        return self.cost / self.filled if self.filled else 0.0


class Plan(msgspec.Struct):
    """A position stop-loss (``pos_loss``) protecting the ``long`` or ``short`` position."""

    order_id: str
    client_oid: str
    symbol: str
    hold: Literal["long", "short"]
    trigger: float
    size: float
    created: int
    updated: int
    status: PlanStatus = "live"
    executed_order: str = ""  # the market order it spawned


class Fill(msgspec.Struct, frozen=True):
    trade_id: str
    order_id: str
    symbol: str
    side: Side
    price: float
    qty: float
    fee: float  # paid, positive
    profit: float  # realised
    maker: bool
    ts: int


class Position(msgspec.Struct):
    """One-way net position: ``qty`` signed (long > 0), average ``entry``."""

    symbol: str
    qty: float
    entry: float
    leverage: float
    created: int

    @property
    def hold(self) -> Literal["long", "short"]:
        return "long" if self.qty > 0 else "short"

    @property
    def margin(self) -> float:
        """Isolated margin: notional at entry / leverage."""
        return abs(self.qty) * self.entry / self.leverage
