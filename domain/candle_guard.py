"""The gate between a candle feed and the Simulator: bad or out-of-order candles never pass.

A feed (replayed from the store or streamed from an exchange) may repeat a candle after a
reconnect, deliver one late, or carry a corrupt value. Each market's newest accepted open time
is remembered; a candle is rejected, with the reason, when it is not newer or breaks the candle
rules of ``domain.candles``.
"""

from __future__ import annotations

from domain.candles import candle_problem

Row = tuple[int, float, float, float, float, float]  # ts (open time), o, h, l, c, v


class CandleGuard:
    def __init__(self, last_ts: dict[str, int] | None = None) -> None:
        self.last_ts: dict[str, int] = dict(last_ts or {})

    def check(self, market: str, row: Row, tf_ms: int) -> str | None:
        """Why ``row`` of ``market`` (candles of ``tf_ms``) must be rejected, or None (then it
        counts as accepted)."""
        ts = int(row[0])
        last = self.last_ts.get(market)
        if last is not None and ts == last:
            return f"duplicate of the candle at {ts}"
        if last is not None and ts < last:
            return f"older ({ts}) than the last accepted candle ({last})"
        problem = candle_problem(ts, *row[1:], tf_ms=tf_ms)
        if problem is not None:
            return problem
        self.last_ts[market] = ts
        return None
