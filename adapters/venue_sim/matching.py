"""The simulator's matching engine: one account's orders, stops, positions and balance, matched
candle by candle on stored history, with no look-ahead. Pure: no HTTP.

Time. The clock is a cursor over the candle times from ``start_ts``. Between candles it stands
at the open of the next candle; a market order then fills at that open. Market time (order and
fill stamps) is the clock plus a monotonic offset of 1 ms per event, so fills sort.

Lockstep matching (the documented convention). ``step()`` advances until the next pause. For
candle c, for each symbol in turn, on the path open -> low -> high -> close when close >= open,
else open -> high -> low -> close (``path.Walk``):

- Phase A, exits of the position held at the candle's start: reduce-only limits and the
  ``pos_loss`` stop are walked along the path; the first touched fills (a limit at its price, or
  at the current price when that is already past it: better, maker fee; a stop at its trigger, or
  at the current price when already past it: worse, then ``slippage`` against the trader, taker
  fee). Pause "fill" after each; the walk goes on from there while that position lasts.
- Phase B, entries: non-reduce-only limits touched by the candle fill in path order (nearest the
  open first), each at its price or at the current price when gapped (maker fee); pause "fill"
  after EACH fill (the engine reacts between: places its stop, cancels other orders).
- Phase C: the ``pos_loss`` stop of a position opened or enlarged during this candle is checked
  against the whole candle (long: low <= trigger) and fills like phase A's stops; pause "fill".
- Then the candle closes: pause "candle". After the last candle: "end".

Market orders (reduce-only closes too) fill at once at the current price (the open of the next
candle between candles, the walk's price mid-candle), ``slippage`` against the trader, taker fee.
A limit order never fills on placement: the next walk fills it (at the current price if it is
already marketable). One-way mode: one net position per symbol at an average entry, isolated
margin = notional / leverage; the balance moves by realised P&L and fees. When a position goes
flat or flips, its ``pos_loss`` stops and reduce-only orders are cancelled (as Bitget does).
Not in this version: funding, liquidation, mark price apart from the candle price.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Literal

import msgspec

from adapters.venue_sim.book import (
    Fill,
    Order,
    Plan,
    Position,
    Refusal,
    Side,
    SimMarket,
)
from adapters.venue_sim.path import Walk

Pause = Literal["fill", "candle", "end"]
EPS = 1e-12
DEFAULT_LEVERAGE = 10.0


class StepResult(msgspec.Struct):
    paused: Pause
    ts: int  # open time of the candle processed
    fills: list[Fill]


class Costs(msgspec.Struct, frozen=True):
    """Fee rates and slippage, fractions of the notional / price."""

    maker: float = 0.0002
    taker: float = 0.0006
    slippage: float = 0.0


class Matcher:
    """The account and the candle cursor."""

    def __init__(
        self, markets: list[SimMarket], start_ts: int, balance: float, costs: Costs
    ) -> None:
        if not markets:
            raise ValueError("venue-sim: at least one market is needed")
        self.markets = {m.symbol: m for m in markets}
        self.clock_ts = markets[0].ts  # the first market's times drive the clock
        self.cursor = int(self.clock_ts.searchsorted(start_ts))
        self.balance = balance
        self.costs = costs
        self.orders: dict[str, Order] = {}
        self.plans: dict[str, Plan] = {}
        self.fills: list[Fill] = []
        self.positions: dict[str, Position] = {}
        self.leverage = dict.fromkeys(self.markets, DEFAULT_LEVERAGE)
        self.client_oids: set[str] = set()
        self.duplicates: list[str] = []
        self.pauses = 0
        # the fraction the next limit fill fills (the "partial" fault), None for all of it
        self.partial: Callable[[], float | None] = lambda: None
        self._ids = itertools.count(1_100_000_000_000_000_001)
        self._last_ms = 0
        self._walks: dict[str, Walk] = {}
        self._candle: Iterator[Fill] | None = None

    # --- time and prices -------------------------------------------------------------------
    @property
    def now_ts(self) -> int:
        """Where the clock stands: the open of the candle in progress or of the next one."""
        if self.cursor < len(self.clock_ts):
            return int(self.clock_ts[self.cursor])
        return int(self.clock_ts[-1] + (self.clock_ts[-1] - self.clock_ts[-2]))

    @property
    def latest_ts(self) -> int:
        """The newest market time anything happened at: mid-candle, fills are stamped after
        the candle's open, and a query "up to now" must see them."""
        return max(self._last_ms, self.now_ts)

    @property
    def last_stamp(self) -> int:
        """The newest stamp handed out: every change so far is stamped at or before it."""
        return self._last_ms

    def stamp(self) -> int:
        """Market time for an event: the clock, strictly after the previous stamp."""
        self._last_ms = max(self._last_ms + 1, self.now_ts)
        return self._last_ms

    def price(self, symbol: str) -> float:
        """The current price: the walk's mid-candle, else the open of the next candle."""
        walk = self._walks.get(symbol)
        if walk is not None:
            return walk.price()
        m = self.markets[symbol]
        i = min(int(m.ts.searchsorted(self.now_ts)), len(m.ts) - 1)
        return float(m.open[i])

    def new_id(self) -> str:
        return str(next(self._ids))

    def claim_client_oid(self, client_oid: str) -> str:
        """A fresh id when none is given; Bitget's duplicate error for one seen before."""
        if not client_oid:
            return self.new_id()
        if client_oid in self.client_oids:
            self.duplicates.append(client_oid)
            raise Refusal("40786", "Duplicate clientOid")
        self.client_oids.add(client_oid)
        return client_oid

    # --- stepping ------------------------------------------------------------------------------
    def step(self) -> StepResult:
        if self.cursor >= len(self.clock_ts):
            return StepResult("end", self.now_ts, [])
        self.pauses += 1
        ts, before = self.now_ts, len(self.fills)
        if self._candle is None:
            self._candle = self._walk_candle(ts)
        try:
            next(self._candle)
            paused: Pause = "fill"
        except StopIteration:
            self._candle, self._walks = None, {}
            self.cursor += 1
            paused = "candle"
        return StepResult(paused, ts, self.fills[before:])

    def _walk_candle(self, ts: int) -> Iterator[Fill]:
        for symbol, m in self.markets.items():
            i = int(m.ts.searchsorted(ts))
            if i >= len(m.ts) or m.ts[i] != ts:
                continue  # no candle of this market at this time
            walk = Walk.of(float(m.open[i]), float(m.high[i]), float(m.low[i]), float(m.close[i]))
            self._walks[symbol] = walk
            yield from self._exits(symbol, walk)
            walk.at = 0.0
            grown = yield from self._entries(symbol, walk)
            if grown:
                walk.at = 0.0
                yield from self._late_stop(symbol, walk)
            walk.finish()

    def _exits(self, symbol: str, walk: Walk) -> Iterator[Fill]:
        start = self.positions.get(symbol)
        while start is not None and self.positions.get(symbol) is start:
            long = start.qty > 0
            hits: list[tuple[float, Order | Plan]] = []
            for o in self._open_orders(symbol, reduce_only=True):
                hits += _touched(walk, o.price, below=o.side == "buy", what=o)
            for p in self._live_plans(symbol):
                hits += _touched(walk, p.trigger, below=long, what=p)
            if not hits:
                return
            at, what = min(hits, key=lambda h: h[0])
            walk.at = at
            yield self._fill_limit(what, walk) if isinstance(what, Order) else self._trigger(what)

    def _entries(self, symbol: str, walk: Walk) -> Iterator[Fill]:
        grown = False
        while True:
            hits: list[tuple[float, Order | Plan]] = []
            for o in self._open_orders(symbol, reduce_only=False):
                hits += _touched(walk, o.price, below=o.side == "buy", what=o)
            if not hits:
                return grown
            at, order = min(hits, key=lambda h: h[0])
            walk.at = at
            before = self.positions.get(symbol)
            fill = self._fill_limit(order, walk)  # type: ignore[arg-type]
            after = self.positions.get(symbol)
            grown = grown or (after is not None and (before is None or _grew(before, after)))
            yield fill

    def _late_stop(self, symbol: str, walk: Walk) -> Iterator[Fill]:
        pos = self.positions.get(symbol)
        for p in self._live_plans(symbol):
            if pos is not None and _touched(walk, p.trigger, below=pos.qty > 0, what=p):
                walk.at = _touched(walk, p.trigger, below=pos.qty > 0, what=p)[0][0]
                yield self._trigger(p)
                return

    # --- fills ---------------------------------------------------------------------------------
    def _fill_limit(self, order: Order, walk: Walk) -> Fill:
        current = walk.price()
        gapped = (current < order.price) if order.side == "buy" else (current > order.price)
        price = current if gapped else order.price
        qty = order.size - order.filled
        fraction = self.partial()
        if fraction is not None:
            qty *= fraction
        return self.execute(order, qty, price, maker=True)

    def _trigger(self, plan: Plan) -> Fill:
        """A stop fires: a reduce-only market order for the whole position spawns and fills
        (a ``pos_loss`` is the position's stop: its size at placement does not limit it)."""
        plan.status, plan.updated = "executed", self.stamp()
        side: Side = "sell" if plan.hold == "long" else "buy"
        pos = self.positions.get(plan.symbol)
        size = abs(pos.qty) if pos is not None else plan.size
        order = self.new_order(plan.symbol, side, "market", 0.0, size, True, "")
        order.source = "pos_loss_market"
        plan.executed_order = order.order_id
        return self.fill_market(order)

    def fill_market(self, order: Order) -> Fill:
        price = self.price(order.symbol)
        slip = self.costs.slippage
        price *= (1 + slip) if order.side == "buy" else (1 - slip)
        return self.execute(order, order.size - order.filled, price, maker=False)

    def execute(self, order: Order, qty: float, price: float, maker: bool) -> Fill:
        """Book a fill of ``qty`` of ``order`` at ``price``: position, balance, the order."""
        symbol, sign = order.symbol, 1.0 if order.side == "buy" else -1.0
        pos = self.positions.get(symbol)
        if order.reduce_only:
            qty = min(qty, abs(pos.qty)) if pos is not None and pos.qty * sign < 0 else 0.0
        profit = self._move_position(symbol, sign * qty, price)
        fee = qty * price * (self.costs.maker if maker else self.costs.taker)
        self.balance += profit - fee
        ts = self.stamp()
        order.filled += qty
        order.cost += qty * price
        order.fee += fee
        order.profit += profit
        order.updated = ts
        order.status = "filled" if order.filled >= order.size - EPS else "partially_filled"
        if order.reduce_only and qty == 0.0:
            order.status = "canceled"
        fill = Fill(self.new_id(), order.order_id, symbol, order.side, price, qty, fee, profit,
                    maker, ts)  # fmt: skip
        self.fills.append(fill)
        return fill

    def _move_position(self, symbol: str, delta: float, price: float) -> float:
        """Apply a signed quantity to the net position; the realised P&L."""
        pos = self.positions.get(symbol)
        if pos is None:
            if abs(delta) > EPS:
                lev = self.leverage[symbol]
                self.positions[symbol] = Position(symbol, delta, price, lev, self._last_ms + 1)
            return 0.0
        if pos.qty * delta > 0:  # enlarged: average entry
            total = pos.qty + delta
            pos.entry = (pos.qty * pos.entry + delta * price) / total
            pos.qty = total
            return 0.0
        closed = min(abs(delta), abs(pos.qty))
        profit = closed * (price - pos.entry) * (1.0 if pos.qty > 0 else -1.0)
        rest = pos.qty + delta
        if abs(rest) <= EPS or rest * pos.qty < 0:  # flat or flipped: its exits go
            self._drop_exits(symbol)
            del self.positions[symbol]
            if abs(rest) > EPS:
                self.positions[symbol] = Position(symbol, rest, price, pos.leverage, self.stamp())
        else:
            pos.qty = rest
        return profit

    def _drop_exits(self, symbol: str) -> None:
        ts = self.stamp()
        for o in self._open_orders(symbol, reduce_only=True):
            o.status, o.updated = "canceled", ts
        for p in self._live_plans(symbol):
            p.status, p.updated = "cancelled", ts

    # --- orders --------------------------------------------------------------------------------
    def new_order(
        self,
        symbol: str,
        side: Side,
        kind: Literal["limit", "market"],
        price: float,
        size: float,
        reduce_only: bool,
        client_oid: str,
    ) -> Order:
        order_id, ts = self.new_id(), self.stamp()
        cid = self.claim_client_oid(client_oid) if client_oid else order_id
        order = Order(order_id, cid, symbol, side, kind, price, size, reduce_only, ts, ts)
        self.orders[order_id] = order
        return order

    def _open_orders(self, symbol: str, reduce_only: bool) -> list[Order]:
        return [
            o
            for o in self.orders.values()
            if o.symbol == symbol and o.open and o.kind == "limit" and o.reduce_only == reduce_only
        ]

    def _live_plans(self, symbol: str) -> list[Plan]:
        return [p for p in self.plans.values() if p.symbol == symbol and p.status == "live"]

    def unprotected_symbols(self) -> set[str]:
        """Symbols holding a position without a live ``pos_loss`` (which closes the whole
        position when it fires, whatever size it was placed with)."""
        return {s for s in self.positions if not self._live_plans(s)}

    def close_by_hand(self, symbol: str) -> Fill | None:
        """A human closes the position at market from the venue's page."""
        pos = self.positions.get(symbol)
        if pos is None:
            return None
        side: Side = "sell" if pos.qty > 0 else "buy"
        order = self.new_order(symbol, side, "market", 0.0, abs(pos.qty), True, "")
        order.source = "manual"
        return self.fill_market(order)


def _touched(walk: Walk, level: float, below: bool, what: Order | Plan) -> list:
    at = walk.touch(level, below)
    return [] if at is None else [(at, what)]


def _grew(before: Position, after: Position) -> bool:
    return after.qty * before.qty < 0 or abs(after.qty) > abs(before.qty) + EPS
