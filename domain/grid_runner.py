"""Executes a grid plan candle by candle on the Simulator: the rules every engine shares.

For candle ``i`` of a runner, in this order:

1. At the open, for a grid already open: funding is charged if a settlement falls on this open;
   a trend flip (``plan.trend[i]`` against the grid) or an exit signal closes it at the open
   (market order). During the plan's ``min_hold`` candles after the first fill, exit signals and
   the take-profit wait; stops and flips do not.
2. Exits of the grid open at the candle's start: take-profit (limit at ``plan.take_profit[i]``),
   stop-loss (``sl_fraction`` from the average entry) or trailing stop, whichever is tighter.
   When one candle touches both, the **intra-candle path** decides: a green candle
   (close >= open) is taken to travel open -> low -> high -> close, a red one
   open -> high -> low -> close. So a long grid touched both ways in a green candle is stopped
   out; in a red candle it takes profit (mirrored for shorts).
3. A candle that closed a grid opens nothing; otherwise untouched levels whose price the candle
   reached are filled, nearest first, unless the Simulator refuses entries (kill switch; the
   regime filter, which only refuses new grids; the margin guard). A flat runner offered both
   sides (long levels below, short levels above) takes the side its path reaches first.
4. After new fills, the stop of the enlarged grid is checked against the same candle (the stop
   rests on the exchange from the fill on); its take-profit is not: only the next candle can take
   profit. Both choices are the pessimistic reading of an unknown path.
5. At the close, the trailing stop (if the plan has one) follows the candle's extreme.

Every order price is on the market's tick grid (``domain.ticks``, ``market.tick``; 0 leaves
prices as computed) before it meets a candle: the plan's levels and take-profit come rounded
from ``StrategySpec.build``, the stop-loss (rounded from the average entry) and the trailing
stop (rounded each time it moves) are rounded here. The rounded price is the order's price,
hence also its fill price.

Fill prices and fees follow ``domain.execution``. Sizing is fixed: each level commits
``margin_per_level`` (capital / assets / levels, capped per asset), no compounding, and the
Simulator's global margin guard may refuse a level. A level's quantity is its notional over the
fill price floored to the contract's step; an order below the contract's minimum quantity or
notional is not placed (``EntryBlocked``, ``min_order``), the other levels still may be.

An open grid has a liquidation price (isolated margin, ``domain.contracts``): the adverse exit
is the stop or the liquidation price, whichever a move against the grid reaches first, and a
stop that would fill at or beyond the liquidation price (a gap) is a liquidation too. A
liquidated grid loses its whole margin (reason ``liquidation``).
"""

from __future__ import annotations

import math

import numpy as np

from domain.contracts import adverse_exit, adverse_fill, liquidation_trigger
from domain.execution import Costs, exit_touched, limit_fill, market_fill, stop_fill
from domain.ledger import price_pnl, totals
from domain.runner_book import BookOrder, OrderRole, RunnerBook
from domain.runner_state import EntryRefusal
from domain.simulator import Simulator
from domain.strategies.plans import GridPlan, MarketArrays
from domain.ticks import price_scale, round_scaled
from domain.trades import ExitReason, build_trade


class GridRunner:
    def __init__(
        self,
        sim: Simulator,
        key: str,
        strategy: str,
        symbol: str,
        plan: GridPlan,
        market: MarketArrays,
        costs: Costs,
        margin_per_level: float,
    ) -> None:
        self.sim, self.key, self.strategy, self.symbol = sim, key, strategy, symbol
        self.plan, self.costs = plan, costs
        self.margin_per_level = margin_per_level
        self.notional = margin_per_level * plan.leverage
        self.ts, self.tf_ms = market.ts.tolist(), market.tf_ms
        self.o, self.h = market.open.tolist(), market.high.tolist()
        self.l, self.c = market.low.tolist(), market.close.tolist()
        self.funding = {i: r for i, r in enumerate(market.funding.tolist()) if r == r}
        self.contract = market.contract
        self.tiers = market.contract.tier_table()
        self.tick_inv, self.tick_step = price_scale(float(market.contract.tick))
        # level rows stay numpy: they are read only on the few candles that reach a level
        self.long, self.short = plan.long_entries, plan.short_entries
        self.tp = plan.take_profit.tolist()
        self.trend = plan.trend.tolist() if plan.trend is not None else None
        self.trail = plan.trail_at_close.tolist() if plan.trail_at_close is not None else None
        self.exit_at_open = plan.exit_at_open.tolist() if plan.exit_at_open is not None else None
        # the nearest level of each side per candle: one comparison rejects most candles
        self.long_reach = _reach(plan.long_entries, np.fmax, len(self.ts))
        self.short_reach = _reach(plan.short_entries, np.fmin, len(self.ts))
        self._totals_at = -1  # Simulator version the cached (qty, cost) were computed at
        self._qty = self._cost = 0.0
        self._stop_at = -1  # same for the adverse exit
        self._stop = (0.0, ExitReason.SL, 0.0)
        self.blocked = 0  # levels refused by the margin guard
        self.too_small = 0  # levels not placed: below the venue's minimum quantity or notional
        sim.enable_runner(key, strategy, symbol, "grid")
        self.state = sim.runner(key)

    # -- per candle -----------------------------------------------------------------------------
    def step(self, i: int) -> None:
        side = self.state.side
        if side and (self._at_open(i, side) or self._exits(i, side)):
            return
        reached = self.l[i] <= self.long_reach[i] or self.h[i] >= self.short_reach[i]
        if reached and self._fills(i):
            self._stop_after_fill(i)
        if self.trail is not None and self.state.side:
            self._follow_trail(i)

    def book(self, i: int) -> RunnerBook:
        """The orders ``step(i)`` will look for, from what is known at the close of ``i - 1``
        (the plan's row ``i`` and the state): what live trading rests on the venue during
        candle ``i``. Reads no price of candle ``i`` (live, its row is a placeholder)."""
        side = self.state.side
        here = {"key": self.key, "symbol": self.symbol, "ts": self.ts[i]}
        if not side:
            return RunnerBook(**here, entries=self._book_entries(i, 0))
        qty, _ = self._totals()
        held = {"stop": self._stop_price(side)[0], "side": side, "qty": qty}
        reason = self._reason_at_open(i, side)
        if reason:
            return RunnerBook(**here, close_at_open=reason, **held)
        tp = math.nan if self.plan.min_hold and self._holding(i) else self.tp[i]
        return RunnerBook(**here, entries=self._book_entries(i, side), take_profit=tp, **held)

    def _book_entries(self, i: int, side: int) -> tuple[BookOrder, ...]:
        """Untouched levels in fill order (nearest first), as far as the margin guard lets them
        all fill; a flat runner offers both sides, since the candle's path picks one."""
        if self.sim.entry_block(self.key, adding=bool(side)):
            return ()
        orders: list[BookOrder] = []
        for s, entries in ((1, self.long), (-1, self.short)):
            if entries is None or side not in (0, s):
                continue
            taken = 0
            for level, price in enumerate(entries[i].tolist()):
                if str(level) in self.state.levels or price != price:
                    continue
                if not self.sim.margin_allows((taken + 1) * self.margin_per_level):
                    break
                market = self.plan.market_entries or math.isinf(price)
                # a market order's size is priced at the last close, the best guess of the open
                qty = self.contract.order_qty(self.notional, self.c[i - 1] if market else price)
                if qty:
                    role = OrderRole.ENTRY
                    orders.append(BookOrder(role, level, s, price, qty, market=market))
                    taken += 1
        return tuple(orders)

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
        qty, cost = self._totals()
        return price_pnl(side, qty, cost, price)

    def _totals(self) -> tuple[float, float]:
        """(quantity, cost) of the open levels, cached until the next Simulator event."""
        if self._totals_at != self.sim.version:
            self._qty, self._cost = totals(self.state.levels.values())
            self._totals_at = self.sim.version
        return self._qty, self._cost

    # -- the rules ----------------------------------------------------------------------------
    def _at_open(self, i: int, side: int) -> bool:
        rate = self.funding.get(i)
        if rate is None and self.trend is None and self.exit_at_open is None:
            return False  # the common case (grid_atr, envelopes): nothing happens at the open
        o = self.o[i]
        if rate is not None:
            qty, _ = self._totals()
            self.sim.charge_funding(self.key, rate, side * rate * qty * o, self.ts[i])
        reason = self._reason_at_open(i, side)
        if not reason:
            return False
        self._close(i, market_fill(o, side < 0, self.costs.slippage), self.costs.taker, reason)
        return True

    def _reason_at_open(self, i: int, side: int) -> ExitReason | None:
        """Why the open grid closes at the open of ``i`` (known at the close of ``i - 1``)."""
        if self.trend is not None and self.trend[i] == -side:
            return ExitReason.FLIP
        if self.exit_at_open is not None and self.exit_at_open[i] and not self._holding(i):
            return ExitReason.SIGNAL
        return None

    def _exits(self, i: int, side: int) -> bool:
        o = self.o[i]
        stop, _, _ = self._stop_price(side)
        tp = math.nan if self.plan.min_hold and self._holding(i) else self.tp[i]
        touched = exit_touched(side, o, self.h[i], self.l[i], self.c[i], tp, stop)
        if touched == "stop":
            self._stopped(i, side)
        elif touched == "tp":
            self._close(i, limit_fill(tp, o, side < 0), self.costs.maker, ExitReason.TP)
        return bool(touched)

    def _holding(self, i: int) -> bool:
        """Inside the plan's minimum hold since the grid's first fill."""
        hold = self.plan.min_hold
        return bool(hold) and (self.ts[i] - self.state.opened_ts) // self.tf_ms < hold

    def _stop_price(self, side: int) -> tuple[float, ExitReason, float]:
        """(the adverse exit a move against the grid reaches first, its reason, the liquidation
        price): the tighter of the stop-loss and the trailing stop, or the liquidation price
        when it comes before them; cached until the next Simulator event."""
        if self._stop_at != self.sim.version:
            qty, cost = self._totals()
            stop, why = self.venue_stop(side, cost / qty)
            liquidation = liquidation_trigger(
                side, qty, cost, self.state.margin, self.tiers, self.tick_inv, self.tick_step
            )
            stop, liquidated = adverse_exit(side, stop, liquidation)
            self._stop = (stop, ExitReason.LIQUIDATION if liquidated else why, liquidation)
            self._stop_at = self.sim.version
        return self._stop

    def venue_stop(self, side: int, entry: float) -> tuple[float, ExitReason]:
        """The stop a grid averaging ``entry`` rests (the exchange-side stop, live): the
        stop-loss rounded to the tick, or the trailing stop when it is tighter."""
        stop = self._on_tick(entry * (1.0 - side * self.plan.sl_fraction))
        trail = self.state.trail if self.state.side == side else 0.0
        if trail and (trail > stop if side > 0 else trail < stop):
            return trail, ExitReason.TRAIL
        return stop, ExitReason.SL

    def venue_take_profit(self, side: int, entry: float) -> float:
        """NaN: a grid's take-profit rests from the candle after a fill (``book``)."""
        return math.nan

    def _stopped(self, i: int, side: int) -> None:
        """The adverse exit was reached in candle ``i``: a stop fills (a gap: at the open), a
        liquidation closes at its price; a stop filling beyond the liquidation price is one."""
        stop, why, liquidation = self._stop_price(side)
        fill = stop_fill(stop, self.o[i], side < 0, self.costs.slippage)
        price, liquidated = adverse_fill(side, fill, why == ExitReason.LIQUIDATION, liquidation)
        self._close(i, price, self.costs.taker, ExitReason.LIQUIDATION if liquidated else why)

    def _fills(self, i: int) -> bool:
        side = self.state.side or self._side_reached_first(i)
        entries = self.long if side > 0 else self.short
        if not side or entries is None:
            return False
        adding = bool(self.state.side)
        if self.sim.entry_block(self.key, adding):
            return False
        o, l, h = self.o[i], self.l[i], self.h[i]
        filled = self.state.levels
        opened = False
        for level, price in enumerate(entries[i].tolist()):
            if str(level) in filled or price != price:
                continue
            if (l > price) if side > 0 else (h < price):
                continue
            if not self.sim.margin_allows(self.margin_per_level):
                self.blocked += 1
                self.sim.refuse_entry(self.key, EntryRefusal.MARGIN, self.ts[i])
                break
            if self.plan.market_entries:
                fill, fee_rate = market_fill(o, side > 0, self.costs.slippage), self.costs.taker
            else:
                fill, fee_rate = limit_fill(price, o, side > 0), self.costs.maker
            qty = self.contract.order_qty(self.notional, fill)
            if not qty:
                self.too_small += 1
                self.sim.refuse_entry(self.key, EntryRefusal.MIN_ORDER, self.ts[i])
                continue
            if not opened and not adding:
                self.sim.warn_collision(self.key, self.ts[i])
            fee = fee_rate * fill * qty
            self.sim.open_level(
                self.key, level, side, fill, qty, fee, self.margin_per_level, self.ts[i]
            )
            opened = True
        return opened

    def _side_reached_first(self, i: int) -> int:
        long_hit = self.long is not None and self.l[i] <= self.long_reach[i]
        short_hit = self.short is not None and self.h[i] >= self.short_reach[i]
        if long_hit and short_hit:
            return 1 if self.c[i] >= self.o[i] else -1  # the path's first extreme
        return 1 if long_hit else -1 if short_hit else 0

    def _stop_after_fill(self, i: int) -> None:
        side = self.state.side
        stop, _, _ = self._stop_price(side)
        if (self.l[i] <= stop) if side > 0 else (self.h[i] >= stop):
            self._stopped(i, side)

    def _follow_trail(self, i: int) -> None:
        distance = self.trail[i]
        if distance != distance:
            return
        side, current = self.state.side, self.state.trail
        if side > 0:
            candidate = self._on_tick(self.h[i] - distance)
            better = not current or candidate > current
        else:
            candidate = self._on_tick(self.l[i] + distance)
            better = not current or candidate < current
        if better and math.isfinite(candidate) and candidate > 0:
            self.sim.move_trailing_stop(self.key, candidate, self.ts[i])

    def _on_tick(self, price: float) -> float:
        return round_scaled(price, self.tick_inv, self.tick_step)

    def _close(self, i: int, price: float, fee_rate: float, reason: ExitReason) -> None:
        trade = build_trade(
            self.state, self.strategy, self.symbol, self.ts[i], price, fee_rate, reason
        )
        self.sim.close_cycle(self.key, trade.record())


def _reach(entries: np.ndarray | None, pick, n: int) -> list[float]:
    """Per candle, the level a price move reaches first (NaN: none rests, never reached)."""
    if entries is None or entries.shape[1] == 0:
        return [math.nan] * n
    with np.errstate(invalid="ignore"):
        return pick.reduce(entries, axis=1).tolist()
