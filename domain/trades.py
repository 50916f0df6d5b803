"""Closed trades, their fingerprint, and how a position's P&L is computed.

A trade is one grid cycle (all its levels, from the first fill to the common exit) or one mono
position. Its ``pnl`` is net: price P&L minus entry and exit fees minus funding paid (the seed
kept funding out of trade P&L; the errata puts it back where it belongs).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Trade:
    strategy: str
    symbol: str
    side: int  # +1 long, -1 short
    entry_ts: int  # first fill
    exit_ts: int
    entry_price: float  # quantity-weighted average of the fills
    exit_price: float
    qty: float
    levels: int  # fills in the cycle (1 for mono positions)
    gross: float  # side x (exit - entry) x qty
    entry_fees: float
    exit_fee: float
    funding: float  # > 0 paid, < 0 received
    pnl: float  # gross - entry_fees - exit_fee - funding
    reason: str  # tp | sl | trail | flip | signal | time | end

    def record(self) -> dict[str, Any]:
        # a flat dict of builtins: no need for asdict's recursive deep copy
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Trade:
        return cls(**record)


def gross_pnl(
    side: int, levels: list[list[float]], exit_price: float
) -> tuple[float, float, float]:
    """(gross P&L, total qty, average entry) of ``[price, qty, ts]`` levels closed at one price."""
    qty = sum(level[1] for level in levels)
    cost = sum(level[0] * level[1] for level in levels)
    average = cost / qty
    return side * (exit_price * qty - cost), qty, average


def build_trade(
    state: dict[str, Any],
    strategy: str,
    symbol: str,
    exit_ts: int,
    price: float,
    fee_rate: float,
    reason: str,
) -> Trade:
    """The trade that closing a runner's open levels (``state`` in the Simulator) at ``price``
    makes."""
    side, levels = state["side"], list(state["levels"].values())
    gross, qty, average = gross_pnl(side, levels, price)
    exit_fee = fee_rate * price * qty
    return Trade(
        strategy=strategy,
        symbol=symbol,
        side=side,
        entry_ts=state["opened_ts"],
        exit_ts=exit_ts,
        entry_price=average,
        exit_price=price,
        qty=qty,
        levels=len(levels),
        gross=gross,
        entry_fees=state["entry_fees"],
        exit_fee=exit_fee,
        funding=state["funding"],
        pnl=gross - state["entry_fees"] - exit_fee - state["funding"],
        reason=reason,
    )


def fingerprint(trades: list[Trade]) -> str:
    """sha256 over the closed trades: entry/exit times and prices, sizes and P&L.

    Floats are written with 10 significant digits so that two engines computing the same trade
    in a different but equivalent order of operations still agree (a 1e-10 relative difference is
    not a different trade; a different fill is).
    """
    digest = hashlib.sha256()
    for t in trades:
        fields = (t.side, t.entry_ts, t.exit_ts, t.entry_price, t.exit_price, t.qty, t.pnl)
        digest.update(("|".join(_fmt(v) for v in fields) + "\n").encode())
    return digest.hexdigest()


def _fmt(value: float | int) -> str:
    return str(value) if isinstance(value, int) else f"{value:.10g}"
