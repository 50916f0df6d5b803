"""Market-data events and the rules a candle, a funding rate, an open-interest sample or a
contract spec obey.

Candles, funding settlements, open-interest samples and contract specs are facts from the outside
world: each one is an immutable event in a per-series log (an ``EventSourcedLog``, never folded
into aggregate state). Fields are named ``ts`` (never ``timestamp``, which the event library owns)
and hold builtins only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

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


class ContractSpecRecorded(Fact):
    """A venue's trading rules for one instrument, as they were when ``recorded_at`` (UTC ms).

    ``price_tick``: order prices are multiples of it (every engine rounds order prices to it);
    ``amount_step`` / ``min_amount``: order sizes in base units; ``min_notional``: the smallest
    order value in the quote currency; ``max_leverage``: for perpetuals. None: the venue did
    not say. ``source`` tells where the figures came from (``"ccxt load_markets"``, a file name).
    Recorded again only when a figure changes, so the log is the instrument's history of rules.
    """

    TOPIC = "scalp_radar:ContractSpecRecorded"
    exchange: str
    symbol: str
    price_tick: float
    amount_step: float | None
    min_amount: float | None
    min_notional: float | None
    max_leverage: float | None
    source: str
    recorded_at: int


@dataclass(frozen=True, slots=True)
class ContractSpec:
    """The figures of a ``ContractSpecRecorded`` (what makes two records the same spec)."""

    exchange: str
    symbol: str
    price_tick: float
    amount_step: float | None = None
    min_amount: float | None = None
    min_notional: float | None = None
    max_leverage: float | None = None

    def problem(self) -> tuple[str, str] | None:
        """``(field, why)`` when a figure cannot be stored, else None."""
        return contract_spec_problem(
            self.price_tick, self.amount_step, self.min_amount, self.min_notional, self.max_leverage
        )

    def figures(self) -> dict[str, float | None]:
        """The numeric fields by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)[2:]}


SPEC_FIELDS = ("price_tick", "amount_step", "min_amount", "min_notional", "max_leverage")


def contract_spec_problem(
    price_tick: float,
    amount_step: float | None,
    min_amount: float | None,
    min_notional: float | None,
    max_leverage: float | None,
) -> tuple[str, str] | None:
    """``(field, why)`` for the first figure a contract spec cannot hold, else None: the tick
    and the amount step must be positive, minimums non-negative, the leverage at least 1; all
    finite. Only the tick is required."""
    values = (price_tick, amount_step, min_amount, min_notional, max_leverage)
    for name, value in zip(SPEC_FIELDS, values, strict=True):
        if value is None:
            if name == "price_tick":
                return name, "is required"
            continue
        if not math.isfinite(value):
            return name, f"is {value}"
        if name in ("price_tick", "amount_step") and value <= 0:
            return name, f"{value} must be > 0"
        if name in ("min_amount", "min_notional") and value < 0:
            return name, f"{value} must be >= 0"
        if name == "max_leverage" and value < 1:
            return name, f"{value} must be >= 1"
    return None


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
