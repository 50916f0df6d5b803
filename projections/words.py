"""Trading figures in words, one rule each, for every reader: the paper journal, the Telegram
messages and reports, the CLI and the dashboard.

Funding is told as paid or received (never a bare sign: the domain's ``funding`` is > 0 paid,
< 0 received), an exit by what closed it (a grid's take-profit is its moving average, so its
exit is "exit at MA", which can lose money) and whether it won, a kill switch's trip as a
sentence with its dates, and a price with the decimals of its market's tick.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain.kill_switch import TripReason
from domain.strategies import REGISTRY
from domain.trades import ExitReason

_EXITS: dict[str, str] = {
    ExitReason.TP: "take-profit",
    ExitReason.SL: "stop-loss",
    ExitReason.TRAIL: "trailing stop",
    ExitReason.FLIP: "trend flip",
    ExitReason.SIGNAL: "exit signal",
    ExitReason.TIME: "time limit",
    ExitReason.REVERSE: "opposite signal",
    ExitReason.LIQUIDATION: "liquidated",
    ExitReason.END: "end of data",
    ExitReason.RUIN: "account ruined",
    ExitReason.DISABLED: "runner disabled",
}
# every grid strategy's take-profit is its moving average (``GridPlan.take_profit``), which can
# sit below a long grid's entries: its exit is not a profit by construction
GRID_TP = "exit at MA"


def money(value: float) -> str:
    """A balance: thousands separators, 2 decimals (P&L gets its sign: ``signed``)."""
    return f"{value:,.2f}"


def signed(value: float) -> str:
    """Money with its sign (always shown) and thousands separators, 2 decimals."""
    return f"{value:+,.2f}"


def paid_or_received(paid: float) -> str:
    """Funding's direction in words: positive ``paid`` left the account, negative came in."""
    if paid == 0:
        return "none"
    return f"{'paid' if paid > 0 else 'received'} {money(abs(paid))}"


def funding(paid: float) -> str:
    """A trade's or an account's funding as a phrase: "funding paid 1.20"."""
    return "no funding" if paid == 0 else f"funding {paid_or_received(paid)}"


def exit_name(reason: str, kind: str) -> str:
    """What closed a trade, from its stored ``reason`` (old records keep theirs) and whether it
    was a grid cycle or a mono position (``kind``)."""
    if reason == ExitReason.TP and kind == "grid":
        return GRID_TP
    return _EXITS.get(reason, reason)


def trade_exit(trade: dict[str, Any]) -> str:
    """``exit_name`` of a stored trade (a ``Trade.record()`` or a read-model row): its
    strategy says whether it was a grid."""
    spec = REGISTRY.get(trade["strategy"])
    return exit_name(str(trade["reason"]), spec.kind if spec else "mono")


def outcome(pnl: float) -> str:
    return "won" if pnl > 0 else "lost" if pnl < 0 else "even"


def utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def trip_sentence(reason: str, figures: dict[str, Any] | None) -> str:
    """Why a kill switch tripped, as a sentence from its recorded figures (what is missing is
    left out; the reason alone without its figure)."""
    f = figures or {}
    if reason == TripReason.DRAWDOWN and "drawdown_percent" in f:
        peak = ""
        if "peak_equity" in f and "peak_ts" in f:
            peak = f" of {money(f['peak_equity'])} on {utc(f['peak_ts'])}"
        window = f" within {f['window_hours']:g} h" if "window_hours" in f else ""
        return f"equity fell {f['drawdown_percent']:.2f} % from its peak{peak}{_limit(f, window)}"
    since = {TripReason.SESSION_LOSS: "since its last reset", TripReason.DAILY_LOSS: "today (UTC)"}
    if reason in since and "loss_percent" in f:
        detail = ""
        if "realized" in f and "unrealized" in f:
            detail = f": {signed(f['realized'])} closed, {signed(f['unrealized'])} open"
        return f"lost {f['loss_percent']:.2f} % of the capital {since[reason]}{detail}{_limit(f)}"
    return reason.replace("_", " ")


def _limit(figures: dict[str, Any], extra: str = "") -> str:
    threshold = figures.get("threshold_percent")
    return "" if threshold is None else f" (limit {threshold:.2f} %{extra})"


def tick_decimals(tick: float | None) -> int | None:
    """Decimals a price of this tick needs (0.1 -> 1, 0.25 -> 2, 5 -> 0); None: no tick."""
    if not tick or not math.isfinite(tick) or tick <= 0:
        return None
    exponent = Decimal(repr(tick)).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def price(value: float | None, tick: float | None = None) -> str:
    """A price with thousands separators and its tick's decimals (8 significant digits when the
    market's tick is unknown)."""
    if value is None or not math.isfinite(value):
        return "-"
    decimals = tick_decimals(tick)
    return f"{value:,.8g}" if decimals is None else f"{value:,.{decimals}f}"


def price_change(value: float, tick: float | None = None) -> str:
    """A difference of two prices with its sign, in the tick's decimals ("+0.2", "-1.5"); a
    difference below half a tick is "0.0", unsigned."""
    decimals = tick_decimals(tick)
    shown = round(value, decimals) if decimals is not None else value
    sign = "+" if shown > 0 else "-" if shown < 0 else ""
    return sign + price(abs(shown), tick)
