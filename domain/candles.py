"""Market-data events and the rules a candle, a funding rate or an open-interest sample obey.

Candles, funding settlements and open-interest samples are facts from the outside world: each
one is an immutable event in a per-series log (an ``EventSourcedLog``, never folded into aggregate
state). Fields are named ``ts`` (never ``timestamp``, which the event library owns) and hold
builtins only.
"""

from __future__ import annotations

import math

from domain.facts import Fact


class SeriesListed(Fact):
    """A new series (candles of a market, funding or open interest of a perpetual) got data.

    Recorded once per series, in the same transaction as its first candles, so read models
    can map the stream id back to exchange, symbol and timeframe.
    """

    TOPIC = "scalp_radar:SeriesListed"
    series_id: str
    kind: str  # "candles" | "funding" | "open_interest"
    exchange: str
    symbol: str
    timeframe: str  # "" for funding; the sample period for open interest


class CandleClosed(Fact):
    """A closed candle; ``ts`` is its open time (UTC ms), ``v`` its base-asset volume."""

    TOPIC = "scalp_radar:CandleClosed"
    ts: int
    o: float
    h: float
    l: float
    c: float
    v: float


class FundingSettled(Fact):
    """A funding settlement of a perpetual; positive ``rate`` means longs pay shorts."""

    TOPIC = "scalp_radar:FundingSettled"
    ts: int
    rate: float


class OpenInterestRecorded(Fact):
    """Open interest of a perpetual sampled at ``ts`` (UTC ms), in base-asset units (BTC, not
    USDT: the notional moves with the price, the count of open contracts does not)."""

    TOPIC = "scalp_radar:OpenInterestRecorded"
    ts: int
    amount: float


# Funding above 100 % per settlement is a unit error (a percent read as a fraction), not a market.
MAX_ABS_FUNDING_RATE = 1.0


def candle_problem(
    ts: int, o: float, h: float, l: float, c: float, v: float, tf_ms: int
) -> str | None:
    """Why this candle cannot be stored, or ``None`` when it is sound."""
    if ts < 0 or ts % tf_ms:
        return f"timestamp {ts} is not aligned to the {tf_ms} ms timeframe"
    for name, value in (("open", o), ("high", h), ("low", l), ("close", c), ("volume", v)):
        if not math.isfinite(value):
            return f"{name} is {value}"
    if min(o, h, l, c) <= 0:
        return "prices must be > 0"
    if v < 0:
        return f"volume {v} is negative"
    if h < l:
        return f"high {h} < low {l}"
    if h < max(o, c) or l > min(o, c):
        return f"open/close outside the high-low range (o={o} h={h} l={l} c={c})"
    return None


def funding_problem(ts: int, rate: float) -> str | None:
    """Why this funding settlement cannot be stored, or ``None`` when it is sound."""
    if ts < 0:
        return f"negative timestamp {ts}"
    if not math.isfinite(rate):
        return f"funding rate is {rate}"
    if abs(rate) >= MAX_ABS_FUNDING_RATE:
        return f"funding rate {rate} is not a fraction (|rate| must be < {MAX_ABS_FUNDING_RATE})"
    return None


def open_interest_problem(ts: int, amount: float) -> str | None:
    """Why this open-interest sample cannot be stored, or ``None`` when it is sound."""
    if ts < 0:
        return f"negative timestamp {ts}"
    if not math.isfinite(amount):
        return f"open interest is {amount}"
    if amount <= 0:
        return f"open interest {amount} must be > 0"
    return None
