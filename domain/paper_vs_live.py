"""Paper versus live, trade by trade: what the venue's fills did against what the shadow
Simulator booked for the same cycle.

Live trades one runner per symbol (the venue nets a symbol into one position), so a live round
trip (``domain.live_trades``) is paired with the shadow's trade of the same symbol and side that
entered in the candle of its first fill: paper books a fill at its candle's open time, the venue
at the moment within that candle. What paper did not see is the difference: the prices the venue
gave, its fees, and the slippage those prices cost at the live quantity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec

from domain.live_trades import LiveTrade
from domain.trades import Trade


class TradePair(msgspec.Struct, frozen=True, kw_only=True):
    """One cycle as paper and live made it; ``paper`` or ``live`` is None when only the other
    made it (a fill paper never saw, or a paper trade the venue never filled)."""

    symbol: str
    side: int
    entry_ts: int  # the candle of the entry (paper's time)
    paper: Trade | None
    live: LiveTrade | None

    @property
    def entry_diff(self) -> float | None:
        """Live entry price minus paper's (None unless both traded)."""
        return self.live.entry_price - self.paper.entry_price if self.both else None

    @property
    def exit_diff(self) -> float | None:
        return self.live.exit_price - self.paper.exit_price if self.both else None

    @property
    def paper_fees(self) -> float | None:
        return None if self.paper is None else self.paper.entry_fees + self.paper.exit_fee

    @property
    def slippage(self) -> float | None:
        """What the live prices cost against paper's at the live quantity, in quote currency:
        positive when live bought higher or sold lower than paper (the slippage paper did not
        see), negative when the venue gave better prices."""
        if not self.both:
            return None
        return self.side * (self.entry_diff - self.exit_diff) * self.live.qty

    @property
    def both(self) -> bool:
        return self.paper is not None and self.live is not None


def pair_trades(
    live: Iterable[LiveTrade], paper: Iterable[Trade], candle_ms: Mapping[str, int]
) -> list[TradePair]:
    """Every cycle of either side, oldest entry first. ``candle_ms`` is each symbol's candle
    length (its runner's timeframe); a live trade of a symbol the shadow does not trade, or of
    no paper cycle, stands alone."""
    by_cycle = {(t.symbol, t.side, t.entry_ts): t for t in paper}
    pairs: list[TradePair] = []
    for t in live:
        length = candle_ms.get(t.symbol)
        candle = t.entry_ts // length * length if length else t.entry_ts
        twin = by_cycle.pop((t.symbol, t.side, candle), None)
        pairs.append(TradePair(symbol=t.symbol, side=t.side, entry_ts=candle, paper=twin, live=t))
    for t in by_cycle.values():
        pairs.append(
            TradePair(symbol=t.symbol, side=t.side, entry_ts=t.entry_ts, paper=t, live=None)
        )
    return sorted(pairs, key=lambda p: (p.entry_ts, p.symbol))
