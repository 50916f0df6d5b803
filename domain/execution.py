"""Trading costs, fill prices and the intra-candle path rule shared by every engine.

Resting limit orders (grid entries, take-profits) pay the maker fee and fill at their price, or
at the open when the candle opens past it (a gap fills a limit at the better price). Stops and
market orders (stop-loss, forced closes, signal entries) pay the taker fee, fill at the stop
price or at the open when the candle opens past it (a gap fills a stop at the worse price), and
then lose the slippage. The fast engine implements the same rule; the parity test holds both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Costs:
    """Fractions, not percents: ``maker=0.0002`` is 0.02 %."""

    maker: float
    taker: float
    slippage: float

    @classmethod
    def from_percent(cls, maker: float, taker: float, slippage: float) -> Costs:
        return cls(maker / 100.0, taker / 100.0, slippage / 100.0)


def limit_fill(price: float, open_: float, buying: bool) -> float:
    """Fill of a resting limit order touched in a candle that opened at ``open_``:
    a buy limit fills at min(price, open), a sell limit at max(price, open)."""
    return min(price, open_) if buying else max(price, open_)


def stop_fill(price: float, open_: float, buying: bool, slippage: float) -> float:
    """Fill of a stop (or market) order: the worse of stop and open, then slippage against us."""
    raw = max(price, open_) if buying else min(price, open_)
    return raw * (1.0 + slippage) if buying else raw * (1.0 - slippage)


def market_fill(open_: float, buying: bool, slippage: float) -> float:
    """A market order sent at the open of a candle."""
    return open_ * (1.0 + slippage) if buying else open_ * (1.0 - slippage)


def exit_touched(
    side: int, o: float, h: float, l: float, c: float, take_profit: float, stop: float
) -> str:
    """Which resting exit a candle reaches first: ``"tp"``, ``"stop"`` or ``""``.

    The intra-candle path rule: a green candle (close >= open) travels open -> low -> high ->
    close, a red one open -> high -> low -> close. A long touched both ways in a green candle is
    therefore stopped out (pessimistic), in a red one it takes profit; shorts mirror this.
    NaN prices never trigger.
    """
    if side > 0:
        tp_hit, stop_hit = h >= take_profit, l <= stop
    else:
        tp_hit, stop_hit = l <= take_profit, h >= stop
    if tp_hit and stop_hit:
        low_first = c >= o
        return "stop" if low_first == (side > 0) else "tp"
    return "stop" if stop_hit else "tp" if tp_hit else ""
