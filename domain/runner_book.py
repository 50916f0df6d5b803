"""What a runner wants resting on the venue during its next candle: the live mirror of a step.

Paper simulates candle ``i`` after it closed (``GridRunner.step``); live trading must have the
orders on the book while ``i`` trades. Everything a step reads about its candle's orders is known
at the close of ``i - 1`` (plans are causal: resting prices come from candles ``<= i - 1``), so a
runner can say beforehand which orders its step will look for: ``GridRunner.book(i)``.

The executor places exactly these orders; the venue fills them; the step of the shadow Simulator
on the same candle then books the same fills. A property test holds ``book`` to ``step``: every
fill a step makes is an order of the book at the same price, and every exit it takes was resting.
"""

from __future__ import annotations

import math
from enum import StrEnum

import msgspec

from domain.trades import ExitReason


class OrderRole(StrEnum):
    """Why an order exists; stored in the executor's events."""

    ENTRY = "entry"  # a grid level (limit) or a market entry at the open
    TAKE_PROFIT = "take_profit"  # reduce-only limit resting at the plan's exit price
    STOP = "stop"  # the exchange-side stop (``pos_loss``) covering the whole position
    CLOSE = "close"  # reduce-only market close (flip, exit signal, shadow flat, disabled)
    EMERGENCY = "emergency"  # reduce-only market close after a stop could not be placed


class BookOrder(msgspec.Struct, frozen=True):
    """One order a runner wants resting during its next candle.

    ``side`` is +1 buy / -1 sell; ``price`` is on the tick grid (``math.inf`` with ``market``:
    a market order sent at the candle's open); ``qty`` is on the step grid, above the minimums."""

    role: OrderRole
    level: int  # grid level index; -1 for a take-profit
    side: int
    price: float
    qty: float
    market: bool = False


class RunnerBook(msgspec.Struct, frozen=True):
    """A runner's wishes for candle ``ts``, decided at the close of the candle before.

    close_at_open : the reason to close the open position at the open (flip, exit signal),
        or None. When set, nothing else rests: a candle that closes a grid opens nothing.
    entries : the levels that may fill (both sides while flat: the path picks one).
    take_profit : the reduce-only exit price, NaN when none rests (flat, minimum hold).
    stop : the price the exchange-side stop must sit at (0.0 when flat).
    side, qty : the shadow position the book was computed for (0 when flat).
    """

    key: str
    symbol: str
    ts: int
    close_at_open: ExitReason | None = None
    entries: tuple[BookOrder, ...] = ()
    take_profit: float = math.nan
    stop: float = 0.0
    side: int = 0
    qty: float = 0.0
