"""Closed trades, their fingerprint, and how a position's P&L is computed.

A trade is one grid cycle (all its levels, from the first fill to the common exit) or one mono
position. Its ``pnl`` is net: price P&L minus entry and exit fees minus funding paid (the seed
kept funding out of trade P&L; the errata puts it back where it belongs).
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Any

import msgspec

from domain.ledger import price_pnl, totals
from domain.runner_state import RunnerState


class ExitReason(StrEnum):
    """Why a grid cycle or a position closed: the ``reason`` a trade stores (its value)."""

    TP = "tp"  # the take-profit: a grid's is its moving average, which can sit below the entries
    SL = "sl"  # the stop-loss
    TRAIL = "trail"  # the trailing stop (grid_trend)
    FLIP = "flip"  # the trend turned against the grid: closed at the open
    SIGNAL = "signal"  # the strategy's own exit signal, at the open
    TIME = "time"  # a mono position held for max_hold_candles
    # an opposite-signal close: the entry signal of the other side closed a mono position
    # (at the open; the opposite position is not opened on the same candle)
    REVERSE = "reverse"
    LIQUIDATION = "liquidation"  # the venue liquidated it (isolated margin): its margin is lost
    END = "end"  # the data ended with it open: closed at the last close (a backtest's end)
    RUIN = "ruin"  # the account's equity reached zero: everything closed, trading stops
    DISABLED = "disabled"  # paper: its runner was disabled in the config while it was open
    FLATTENED = "flattened"  # the operator flattened the portfolio (``flatten``, ``/flatten``)


class Trade(msgspec.Struct, frozen=True):
    """One closed trade. Its ``record()`` (the fields by name, builtins only) is the ``trade``
    payload of the ``GridCycleClosed`` / ``PositionClosed`` events."""

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
    reason: ExitReason  # stored as its value; old records decode to the same strings

    def record(self) -> dict[str, Any]:
        # builtins only: the reason as its plain string (an event's payload)
        return msgspec.structs.asdict(self) | {"reason": str(self.reason)}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Trade:
        return cls(**record)


def build_trade(
    state: RunnerState,
    strategy: str,
    symbol: str,
    exit_ts: int,
    price: float,
    fee_rate: float,
    reason: ExitReason,
) -> Trade:
    """The trade that closing a runner's open levels (``state`` in the Simulator) at ``price``
    makes."""
    side, levels = state.side, state.levels.values()
    qty, cost = totals(levels)
    gross = price_pnl(side, qty, cost, price)
    # a liquidation costs the whole margin: the venue keeps what the maintenance margin leaves
    # at the liquidation price as its fee (``domain.contracts``)
    liquidated = reason == ExitReason.LIQUIDATION
    exit_fee = state.margin + gross if liquidated else fee_rate * price * qty
    return Trade(
        strategy=strategy,
        symbol=symbol,
        side=side,
        entry_ts=state.opened_ts,
        exit_ts=exit_ts,
        entry_price=cost / qty,
        exit_price=price,
        qty=qty,
        levels=len(levels),
        gross=gross,
        entry_fees=state.entry_fees,
        exit_fee=exit_fee,
        funding=state.funding,
        pnl=gross - state.entry_fees - exit_fee - state.funding,
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
