"""Closed trades as CSV text (``domain.trade_export``'s columns): what ``backtest
--trades-out``, ``status --trades-out`` and the dashboard's download write."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from domain.trade_export import TRADE_COLUMNS, trade_row
from domain.trades import Trade


def trades_csv(trades: Iterable[Trade]) -> str:
    """A header line, then one line per trade. The csv module writes floats with ``repr``:
    full precision, so a spreadsheet sums the same P&L the engine booked."""
    out = io.StringIO()
    # "\n" like the equity CSV; every spreadsheet reads it
    writer = csv.DictWriter(out, TRADE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(trade_row(t) for t in trades)
    return out.getvalue()
