"""``GridRunner.book(i)`` predicts ``step(i)``: live rests what paper will fill.

For every grid strategy on random markets (and several candles of each), the orders a runner
books before candle ``i`` are checked against what its step then does on that candle, with the
fill rules written out here from the documented convention (``domain.execution``):

- every level the step opens was booked, same level and side, and fills at the booked limit
  price or at the open when the open is already past it (a market entry: at the open);
- a take-profit close was booked and fills at its price or better at the open; a flip or an exit
  signal was booked as ``close_at_open``; a stop-loss close of a grid held at the open fills at the
  booked stop or worse at the open;
- a booked level the candle reached fills, unless the candle closed the grid (a candle that
  closes a grid opens nothing) or the margin guard ran out.
"""

from __future__ import annotations

import math

import pytest

from domain.backtest import Account, make_runner
from domain.execution import Costs
from domain.grid_runner import GridRunner
from domain.runner_book import RunnerBook
from domain.simulator import Simulator
from domain.strategies import REGISTRY
from domain.strategies.plans import GridPlan
from domain.trades import ExitReason
from tests.domain.test_lookahead import params, random_market

COSTS = Costs(0.0002, 0.0006, 0.0)  # no slippage: fills are exactly the prices below
GRIDS = sorted(
    n for n in REGISTRY if isinstance(REGISTRY[n].build(random_market(80, 0), params(n)), GridPlan)
)


def runner_on(name: str, seed: int) -> tuple[GridRunner, Simulator, object, int]:
    market = random_market(700, seed)
    spec, p = REGISTRY[name], params(name)
    sim = Simulator(name="book", capital=10_000.0, max_margin_ratio=0.7)
    plan = spec.build(market, p)
    runner = make_runner(sim, "k", name, "X/USDT", plan, market, p, COSTS, Account())
    assert isinstance(runner, GridRunner)
    return runner, sim, market, spec.warmup(p)


def events_of(sim: Simulator, since: int) -> list:
    return list(sim.pending_events[since:])


def check_candle(book: RunnerBook, market: object, i: int, new: list) -> None:
    o, h, lo = float(market.open[i]), float(market.high[i]), float(market.low[i])
    booked = {(e.level, e.side): e for e in book.entries}
    closed = [e for e in new if type(e).__name__ == "GridCycleClosed"]
    held_side = book.side
    for event in new:
        kind = type(event).__name__
        if kind == "GridLevelOpened":
            order = booked.get((event.level, event.side))
            assert order is not None, f"candle {i}: level {event.level} filled but not booked"
            if order.market:
                assert event.price == pytest.approx(o)
            else:
                better = min(order.price, o) if order.side > 0 else max(order.price, o)
                assert event.price == pytest.approx(better, rel=1e-12)
    for event in closed:
        trade, reason = event.trade, event.trade["reason"]
        if reason == ExitReason.TP and trade["entry_ts"] < book.ts:
            tp = book.take_profit
            assert math.isfinite(tp), f"candle {i}: take-profit not booked"
            better = max(tp, o) if held_side > 0 else min(tp, o)
            assert trade["exit_price"] == pytest.approx(better, rel=1e-12)
        elif reason in (ExitReason.FLIP, ExitReason.SIGNAL):
            assert book.close_at_open == reason
        elif reason in (ExitReason.SL, ExitReason.TRAIL) and trade["entry_ts"] < book.ts:
            worse = min(book.stop, o) if held_side > 0 else max(book.stop, o)
            assert trade["exit_price"] == pytest.approx(worse, rel=1e-12)
    if not closed and not any(type(e).__name__ == "EntryBlocked" for e in new):
        filled = {(e.level, e.side) for e in new if type(e).__name__ == "GridLevelOpened"}
        side_taken = next((s for (_, s) in filled), 0)
        for (level, side), order in booked.items():
            reached = order.market or (lo <= order.price if side > 0 else h >= order.price)
            if reached and side_taken in (0, side):
                assert (level, side) in filled, f"candle {i}: level {level} reached, not filled"


@pytest.mark.parametrize("name", GRIDS)
@pytest.mark.parametrize("seed", [4, 5])
def test_every_fill_and_exit_of_a_step_was_booked_before_its_candle(name: str, seed: int) -> None:
    runner, sim, market, start = runner_on(name, seed)
    fills = exits = 0
    for i in range(max(start, 1), len(market)):
        book = runner.book(i)
        since = len(sim.pending_events)
        runner.step(i)
        new = events_of(sim, since)
        check_candle(book, market, i, new)
        fills += sum(type(e).__name__ == "GridLevelOpened" for e in new)
        exits += sum(type(e).__name__ == "GridCycleClosed" for e in new)
    assert fills and exits, "the random market must make the strategy trade"


def test_a_closing_flip_books_nothing_else() -> None:
    """A grid that closes at the open (trend flip) rests no entry and no take-profit."""
    for name in GRIDS:
        runner, _sim, market, start = runner_on(name, 4)
        for i in range(max(start, 1), len(market)):
            book = runner.book(i)
            if book.close_at_open is not None:
                assert book.entries == () and math.isnan(book.take_profit)
                return
            runner.step(i)
    pytest.skip("no strategy flipped on this market")


def test_a_flat_runner_books_no_stop_and_no_take_profit() -> None:
    runner, _, _market, start = runner_on(GRIDS[0], 4)
    book = runner.book(max(start, 1))
    assert book.side == 0 and book.stop == 0.0 and math.isnan(book.take_profit)
    assert book.entries, "a flat grid rests its levels"


MONOS = sorted(n for n in REGISTRY if n not in GRIDS)


@pytest.mark.parametrize("name", MONOS)
def test_a_mono_step_enters_and_closes_only_as_booked(name: str) -> None:
    """Every entry a mono step makes was booked (a market order at the open, its side), every
    close at the open was booked with its reason, and a take-profit or stop exit of a position
    held at the open fills at the booked price or beyond at the open."""
    market = random_market(700, 4)
    spec, p = REGISTRY[name], params(name)
    sim = Simulator(name="book", capital=10_000.0, max_margin_ratio=0.7)
    runner = make_runner(sim, "k", name, "X/USDT", spec.build(market, p), market, p, COSTS,
                         Account())  # fmt: skip
    entries = closes = 0
    for i in range(max(spec.warmup(p), 1), len(market)):
        book = runner.book(i)
        since = len(sim.pending_events)
        runner.step(i)
        o = float(market.open[i])
        for event in sim.pending_events[since:]:
            kind = type(event).__name__
            if kind == "PositionOpened":
                (order,) = book.entries
                assert order.market and order.side == event.side and event.price == pytest.approx(o)
                entries += 1
            elif kind == "PositionClosed":
                reason, trade = event.trade["reason"], event.trade
                if reason in (ExitReason.TIME, ExitReason.SIGNAL, ExitReason.REVERSE):
                    assert book.close_at_open == reason
                elif reason == ExitReason.TP and trade["entry_ts"] < book.ts:
                    better = max(book.take_profit, o) if book.side > 0 else min(book.take_profit, o)
                    assert trade["exit_price"] == pytest.approx(better)
                elif reason == ExitReason.SL and trade["entry_ts"] < book.ts:
                    worse = min(book.stop, o) if book.side > 0 else max(book.stop, o)
                    assert trade["exit_price"] == pytest.approx(worse)
                closes += 1
    assert entries and closes, "the random market must make the strategy trade"
