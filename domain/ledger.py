"""The bookkeeping of a paper portfolio: what a fill, a funding payment and a close do to the
account and to the position a runner holds, and what open fills are worth at a price.

The Simulator's ``@event`` mutators and the paper read model's projector both call these
functions, so the read model's cash, fees and margin equal the aggregate's to the bit (the same
float operations in the same order) with no copy of the arithmetic to keep in step. They change
the objects they are given and nothing else: no clock, no I/O. Anything with the attributes of
``Account`` / ``Holding`` will do (``Simulator`` and ``RunnerState``; the projector's rows).

Money conventions: fees and funding leave the cash when they are paid (a fill pays its fee, a
settlement its funding); a close brings back the price P&L minus the exit fee. Margin is
counted, not moved: ``margin_used`` is what the global margin guard reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

Level = tuple[float, float, int]  # one fill: (price, qty, ts)


class Account(Protocol):
    cash: float
    margin_used: float
    fees_paid: float
    funding_paid: float
    trades_closed: int


class Holding(Protocol):
    """An open grid cycle or mono position."""

    levels: dict[str, Level]  # level index (str; "0" for a mono position) -> its fill
    entry_fees: float
    funding: float  # > 0 paid, < 0 received
    margin: float


def open_level(
    account: Account,
    holding: Holding,
    level: int,
    price: float,
    qty: float,
    fee: float,
    margin: float,
    ts: int,
) -> None:
    """Grid level ``level`` fills: one more fill in the cycle, its fee paid, its margin in use."""
    holding.levels[str(level)] = (price, qty, ts)
    holding.entry_fees += fee
    holding.margin += margin
    _pay_entry(account, fee, margin)


def open_position(
    account: Account,
    holding: Holding,
    price: float,
    qty: float,
    fee: float,
    margin: float,
    ts: int,
) -> None:
    """A mono position opens: its one fill, fee and margin."""
    holding.levels = {"0": (price, qty, ts)}
    holding.entry_fees = fee
    holding.margin = margin
    _pay_entry(account, fee, margin)


def _pay_entry(account: Account, fee: float, margin: float) -> None:
    account.margin_used += margin
    account.cash -= fee
    account.fees_paid += fee


def charge_funding(account: Account, holding: Holding | None, amount: float) -> None:
    """A funding settlement: ``amount`` > 0 is paid by the position, < 0 received."""
    if holding is not None:
        holding.funding += amount
    account.cash -= amount
    account.funding_paid += amount


def settle(account: Account, gross: float, exit_fee: float, margin: float) -> None:
    """A cycle or position closes (its trade's ``gross`` and ``exit_fee``): the price P&L
    minus the exit fee comes back to the cash, and ``margin`` is no longer in use."""
    account.cash += gross - exit_fee
    account.fees_paid += exit_fee
    account.margin_used -= margin
    account.trades_closed += 1


def totals(levels: Iterable[Level]) -> tuple[float, float]:
    """(quantity, cost) of fills: the sums of qty and of price x qty, in fill order."""
    levels = list(levels)
    return sum(level[1] for level in levels), sum(level[0] * level[1] for level in levels)


def price_pnl(side: int, qty: float, cost: float, price: float) -> float:
    """What fills of ``qty`` that cost ``cost`` are worth at ``price``: side x (price x qty -
    cost). The unrealised P&L at a mark, the gross P&L of a close at its fill price."""
    return side * (price * qty - cost)


def unrealized(side: int, levels: Iterable[Level], price: float) -> float:
    """``price_pnl`` of ``levels`` at ``price``."""
    qty, cost = totals(levels)
    return price_pnl(side, qty, cost, price)


def position_pnl(side: int, entry: float, qty: float, price: float) -> float:
    """The unrealised P&L of a mono position as the mono runner and the fast mono engine
    compute it: side x (price - entry) x qty (not rounded as ``price_pnl``: the equity curves
    of the two engines agree to the bit)."""
    return side * (price - entry) * qty
