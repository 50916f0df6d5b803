"""Executes a mono-position plan candle by candle on the Simulator.

Signals are decided at the close of a candle and executed at the next open (market order,
taker fee, slippage). For candle ``i``:

1. At the open, for an open position: funding if a settlement falls on this open; then a time
   exit (``max_hold`` candles reached), an exit signal or an opposite signal of candle ``i-1``
   closes it at the open.
2. A flat runner with a signal from candle ``i-1`` enters at the open; its take-profit and
   stop-loss are fixed from the fill price and the offsets of the signal candle.
3. Take-profit (limit, maker) and stop-loss (stop, taker) rest from the entry on, so they may
   trigger in the entry candle itself; a candle touching both follows the same intra-candle
   path rule as the grids (green: open -> low -> high -> close; red: open -> high -> low -> close).
   Both prices are rounded to the market's tick (``domain.ticks``) when they are set, so the
   touch test and the fill use the price the venue would have accepted.

The quantity is the notional over the entry price floored to the contract's step; an entry below
the contract's minimums is not placed (``EntryBlocked``, ``min_order``). The position has a
liquidation price (``domain.contracts``), checked as the grids' is: the adverse exit is the stop
or the liquidation price, whichever comes first, and a stop filling beyond it is a liquidation.
"""

from __future__ import annotations

import math

from domain.contracts import adverse_exit, adverse_fill, liquidation_trigger
from domain.execution import Costs, exit_touched, limit_fill, market_fill, stop_fill
from domain.ledger import position_pnl
from domain.runner_book import BookOrder, OrderRole, RunnerBook
from domain.runner_state import EntryRefusal
from domain.simulator import Simulator
from domain.strategies.plans import MarketArrays, MonoPlan
from domain.ticks import price_scale, round_scaled
from domain.trades import ExitReason, build_trade


class MonoRunner:
    def __init__(
        self,
        sim: Simulator,
        key: str,
        strategy: str,
        symbol: str,
        plan: MonoPlan,
        market: MarketArrays,
        costs: Costs,
        margin: float,
        sides: tuple[int, ...] = (1, -1),
    ) -> None:
        self.sim, self.key, self.strategy, self.symbol = sim, key, strategy, symbol
        self.plan, self.costs, self.margin, self.sides = plan, costs, margin, sides
        self.notional = margin * plan.leverage
        self.ts, self.tf_ms = market.ts.tolist(), market.tf_ms
        self.o, self.h = market.open.tolist(), market.high.tolist()
        self.l, self.c = market.low.tolist(), market.close.tolist()
        self.funding = {i: r for i, r in enumerate(market.funding.tolist()) if r == r}
        self.contract = market.contract
        self.tiers = market.contract.tier_table()
        self.tick_inv, self.tick_step = price_scale(float(market.contract.tick))
        self.signal = plan.signal.tolist()
        self.tp_offset, self.sl_offset = plan.tp_offset.tolist(), plan.sl_offset.tolist()
        self.exit_signal = plan.exit_signal.tolist() if plan.exit_signal is not None else None
        self.blocked = 0  # entries refused by the margin guard
        self.too_small = 0  # entries not placed: below the venue's minimums
        sim.enable_runner(key, strategy, symbol, "mono")
        self.state = sim.runner(key)

    def step(self, i: int) -> None:
        if i == 0:
            return
        if self.state.side:
            self._at_open(i)
        if not self.state.side:
            self._enter(i)
        if self.state.side:
            self._exits(i)

    def close_at_end(self, i: int, reason: ExitReason = ExitReason.END) -> None:
        """Forced close at candle ``i``'s close (market order): the data ended, or the account
        is ruined."""
        side = self.state.side
        if side:
            price = self.c[i] * (1.0 - side * self.costs.slippage)
            self._close(i, price, self.costs.taker, reason)

    def unrealized(self, price: float) -> float:
        side = self.state.side
        if not side:
            return 0.0
        entry, qty, _ = self.state.levels["0"]
        return position_pnl(side, entry, qty, price)

    # -- live: what rests on the venue during candle i ---------------------------------------
    def book(self, i: int) -> RunnerBook:
        """The orders ``step(i)`` will look for, known at the close of ``i - 1``: a close at the
        open (time, exit signal, reverse), a market entry at the open on the signal of
        ``i - 1`` (after the close: a reverse enters the other side), the take-profit and the
        stop of the position held. Reads no price of candle ``i``."""
        side, state = self.state.side, self.state
        here = {"key": self.key, "symbol": self.symbol, "ts": self.ts[i]}
        close = self._reason_at_open(i) if side else None
        entries = self._book_entry(i, freed=state.margin if close else 0.0)
        if not side:
            return RunnerBook(**here, entries=entries)
        qty = state.levels["0"][1]
        held = {"side": side, "qty": qty, "stop": state.sl}
        if close:
            return RunnerBook(**here, close_at_open=close, entries=entries, **held)
        return RunnerBook(**here, take_profit=state.tp or math.nan, **held)

    def _book_entry(self, i: int, freed: float) -> tuple[BookOrder, ...]:
        side = self.signal[i - 1]
        if side not in self.sides or self.sim.entry_block(self.key, adding=False):
            return ()
        sim = self.sim
        used = sim.margin_used - freed + self.margin
        if used > sim.max_margin_ratio * sim.capital + 1e-9 or used > sim.cash:
            return ()
        # sized at the last close with the slippage, the best guess of the open's fill
        qty = self.contract.order_qty(
            self.notional, market_fill(self.c[i - 1], side > 0, self.costs.slippage)
        )
        return (BookOrder(OrderRole.ENTRY, 0, side, math.inf, qty, market=True),) if qty else ()

    def venue_stop(self, side: int, entry: float) -> tuple[float, ExitReason]:
        """The stop of a position entered at ``entry`` on the signal of the last stored candle
        (live: the runner over the candles plus the next one's placeholder)."""
        offset = self.sl_offset[len(self.ts) - 2]
        return round_scaled(entry * (1.0 - side * offset), self.tick_inv, self.tick_step), (
            ExitReason.SL
        )

    def venue_take_profit(self, side: int, entry: float) -> float:
        """Its take-profit (NaN: none), resting from the entry on, as paper's does."""
        offset = self.tp_offset[len(self.ts) - 2]
        return round_scaled(entry * (1.0 + side * offset), self.tick_inv, self.tick_step)

    # -- the rules ----------------------------------------------------------------------------
    def _at_open(self, i: int) -> None:
        side, o = self.state.side, self.o[i]
        rate = self.funding.get(i)
        if rate is not None:
            qty = self.state.levels["0"][1]
            self.sim.charge_funding(self.key, rate, side * rate * qty * o, self.ts[i])
        reason = self._reason_at_open(i)
        if reason:
            self._close(i, market_fill(o, side < 0, self.costs.slippage), self.costs.taker, reason)

    def _reason_at_open(self, i: int) -> ExitReason | None:
        """Why the position closes at the open of ``i`` (known at the close of ``i - 1``)."""
        held = (self.ts[i] - self.state.opened_ts) // self.tf_ms
        if self.plan.max_hold and held >= self.plan.max_hold:
            return ExitReason.TIME
        if self.exit_signal is not None and self.exit_signal[i - 1]:
            return ExitReason.SIGNAL
        if self.signal[i - 1] == -self.state.side:
            return ExitReason.REVERSE
        return None

    def _enter(self, i: int) -> None:
        side = self.signal[i - 1]
        if side not in self.sides or self.sim.entry_block(self.key, adding=False):
            return
        if not self.sim.margin_allows(self.margin):
            self.blocked += 1
            self.sim.refuse_entry(self.key, EntryRefusal.MARGIN, self.ts[i])
            return
        self.sim.warn_collision(self.key, self.ts[i])
        price = market_fill(self.o[i], side > 0, self.costs.slippage)
        qty = self.contract.order_qty(self.notional, price)
        if not qty:
            self.too_small += 1
            self.sim.refuse_entry(self.key, EntryRefusal.MIN_ORDER, self.ts[i])
            return
        inv, step = self.tick_inv, self.tick_step
        tp = round_scaled(price * (1.0 + side * self.tp_offset[i - 1]), inv, step)
        tp = tp if tp == tp else 0.0  # a NaN offset means no take-profit; events store 0.0
        sl = round_scaled(price * (1.0 - side * self.sl_offset[i - 1]), inv, step)
        fee = self.costs.taker * price * qty
        self.sim.open_position(self.key, side, price, qty, fee, self.margin, tp, sl, self.ts[i])

    def _exits(self, i: int) -> None:
        side, o = self.state.side, self.o[i]
        tp, sl = self.state.tp or math.nan, self.state.sl
        entry, qty, _ = self.state.levels["0"]
        inv, step = self.tick_inv, self.tick_step
        liquidation = liquidation_trigger(
            side, qty, entry * qty, self.state.margin, self.tiers, inv, step
        )
        stop, liquidated = adverse_exit(side, sl, liquidation)
        touched = exit_touched(side, o, self.h[i], self.l[i], self.c[i], tp, stop)
        if touched == "stop":
            fill = stop_fill(stop, o, side < 0, self.costs.slippage)
            price, liquidated = adverse_fill(side, fill, liquidated, liquidation)
            why = ExitReason.LIQUIDATION if liquidated else ExitReason.SL
            self._close(i, price, self.costs.taker, why)
        elif touched == "tp":
            self._close(i, limit_fill(tp, o, side < 0), self.costs.maker, ExitReason.TP)

    def _close(self, i: int, price: float, fee_rate: float, reason: ExitReason) -> None:
        trade = build_trade(
            self.state, self.strategy, self.symbol, self.ts[i], price, fee_rate, reason
        )
        self.sim.close_position(self.key, trade.record())
