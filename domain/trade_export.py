"""A closed trade as an export row: the columns of ``backtest --trades-out`` and ``--json
--trades``, of ``status --trades-out`` and of the dashboard's trades download.

One definition for backtests and paper portfolios, so a backtest and a paper run of the same
strategy line up column by column in a spreadsheet. Times are written twice: as UTC text
(``2024-03-01T08:00Z``, which ``--from``/``--to`` accept) for people, and as epoch ms for
machines. Cells are builtins: a float computed from numpy arrays would otherwise print as
``np.float64(...)`` in a CSV.
"""

from __future__ import annotations

from collections.abc import Callable

from domain.market import iso_utc
from domain.trades import Trade

Cell = str | int | float

# column -> its cell; the order is the file's column order
_CELLS: dict[str, Callable[[Trade], Cell]] = {
    "strategy": lambda t: t.strategy,
    "symbol": lambda t: t.symbol,
    "side": lambda t: "long" if t.side > 0 else "short",
    "entry_time": lambda t: iso_utc(t.entry_ts),
    "exit_time": lambda t: iso_utc(t.exit_ts),
    "entry_price": lambda t: float(t.entry_price),
    "exit_price": lambda t: float(t.exit_price),
    "qty": lambda t: float(t.qty),
    "levels": lambda t: int(t.levels),
    "gross": lambda t: float(t.gross),
    "entry_fees": lambda t: float(t.entry_fees),
    "exit_fee": lambda t: float(t.exit_fee),
    "funding": lambda t: float(t.funding),  # > 0 paid, < 0 received, as in Trade
    "pnl": lambda t: float(t.pnl),
    "reason": lambda t: str(t.reason),  # the ExitReason's value
    "entry_ts": lambda t: int(t.entry_ts),
    "exit_ts": lambda t: int(t.exit_ts),
}
TRADE_COLUMNS: tuple[str, ...] = tuple(_CELLS)


def trade_row(trade: Trade) -> dict[str, Cell]:
    """The export row of ``trade``: its cells by column, in ``TRADE_COLUMNS`` order."""
    return {column: cell(trade) for column, cell in _CELLS.items()}
