"""A trade's export row (``domain.trade_export``): one hand-made short trade, cell by cell."""

from __future__ import annotations

import numpy as np

from domain.trade_export import TRADE_COLUMNS, trade_row
from domain.trades import ExitReason, Trade

# a short grid of 2 levels on 2024-03-01, opened 08:00 UTC, stopped out 13:30 UTC
SHORT = Trade(
    strategy="grid_atr",
    symbol="ETH/USDT",
    side=-1,
    entry_ts=1_709_280_000_000,
    exit_ts=1_709_299_800_000,
    entry_price=np.float64(3_400.5),  # engines compute from numpy arrays
    exit_price=3_500.25,
    qty=np.float64(0.3),
    levels=2,
    gross=-29.925,
    entry_fees=0.204,
    exit_fee=0.63,
    funding=-0.01,  # received
    pnl=-30.749,
    reason=ExitReason.SL,
)


def test_a_short_trade_becomes_its_row() -> None:
    assert trade_row(SHORT) == {
        "strategy": "grid_atr",
        "symbol": "ETH/USDT",
        "side": "short",
        "entry_time": "2024-03-01T08:00Z",
        "exit_time": "2024-03-01T13:30Z",
        "entry_price": 3_400.5,
        "exit_price": 3_500.25,
        "qty": 0.3,
        "levels": 2,
        "gross": -29.925,
        "entry_fees": 0.204,
        "exit_fee": 0.63,
        "funding": -0.01,
        "pnl": -30.749,
        "reason": "sl",
        "entry_ts": 1_709_280_000_000,
        "exit_ts": 1_709_299_800_000,
    }


def test_the_row_is_builtins_in_the_column_order() -> None:
    row = trade_row(SHORT)
    assert tuple(row) == TRADE_COLUMNS
    # a numpy float would print as np.float64(...) in a CSV: every cell is a builtin
    assert {type(v) for v in row.values()} <= {str, int, float}
    assert type(row["entry_price"]) is float and type(row["reason"]) is str


def test_a_reason_read_back_as_text_is_the_same_cell() -> None:
    # the paper read model holds the reason as its stored string, not the enum
    stored = Trade(**{**SHORT.record(), "reason": "sl"})
    assert trade_row(stored) == trade_row(SHORT)
