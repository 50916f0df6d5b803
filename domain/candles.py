"""Market-data events and the rules a candle, a funding rate, an open-interest sample or a
contract spec obey.

Candles, funding settlements, open-interest samples and contract specs are facts from the outside
world: each one is an immutable event in a per-series log (an ``EventSourcedLog``, never folded
into aggregate state). Fields are named ``ts`` (never ``timestamp``, which the event library owns)
and hold builtins only.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.contracts import MarginTier
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
    not say. ``tiers``: a perpetual's maintenance-margin tiers, rows of ``[max_notional, mmr,
    max_leverage]`` by increasing position value (``domain.contracts.MarginTier``); empty for a
    spot market and when the venue did not say. ``source`` tells where the figures came from
    (``"ccxt load_markets"``, a file name). Recorded again only when a figure or a tier changes,
    so the log is the instrument's history of rules.

    Class version 2 added ``tiers``: events stored before carry none (``upcast_v1_v2``, which
    the event library applies as it reads them).
    """

    TOPIC = "scalp_radar:ContractSpecRecorded"
    class_version = 2
    exchange: str
    symbol: str
    price_tick: float
    amount_step: float | None
    min_amount: float | None
    min_notional: float | None
    max_leverage: float | None
    source: str
    recorded_at: int
    tiers: list[list[float]]

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A version 1 event's state as version 2: it was recorded before tiers were, so it has
        none (what a spec without tiers means: no liquidation known)."""
        state["tiers"] = []


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
    tiers: tuple[MarginTier, ...] = ()

    def problem(self) -> tuple[str, str] | None:
        """``(field, why)`` when a figure or a tier cannot be stored, else None."""
        return contract_spec_problem(
            self.price_tick,
            self.amount_step,
            self.min_amount,
            self.min_notional,
            self.max_leverage,
            self.tier_rows(),
        )

    def figures(self) -> dict[str, float | None]:
        """The numeric fields by name (``SPEC_FIELDS``)."""
        return {name: getattr(self, name) for name in SPEC_FIELDS}

    def tier_rows(self) -> list[list[float]]:
        """The tiers as the event stores them: ``[max_notional, mmr, max_leverage]`` rows."""
        return [[t.max_notional, t.mmr, t.max_leverage] for t in self.tiers]


SPEC_FIELDS = ("price_tick", "amount_step", "min_amount", "min_notional", "max_leverage")
TIER_FIELDS = ("max_notional", "mmr", "max_leverage")

# The range every market-data event must fall in, so that every read model (int64 time columns,
# float64 values) and every report (dates, ratios of prices) can hold it. The store is
# append-only: an event no projection can apply would stop the read models for good. So every
# creator of these events checks them here (CSV import, exchange fetch, the live feed, and
# ``MarketData`` itself as the last gate).
MIN_TS = 1_230_768_000_000  # 2009-01-01 00:00 UTC: before any crypto market
MAX_TS = 4_102_444_800_000  # 2100-01-01 00:00 UTC (exclusive)
MIN_PRICE = 1e-12  # a memecoin at 1e-8 fits; 1 / price stays far from overflow
MAX_PRICE = 1e12  # BTC in the weakest fiat is ~1e10
MAX_AMOUNT = 1e18  # a volume, open interest or spec figure (a memecoin's daily volume ~1e14)
MIN_TICK, MAX_TICK = MIN_PRICE, MAX_PRICE
# Funding above 100 % per settlement is a unit error (a percent read as a fraction), not a market.
MAX_ABS_FUNDING_RATE = 1.0


def contract_spec_problem(
    price_tick: float,
    amount_step: float | None,
    min_amount: float | None,
    min_notional: float | None,
    max_leverage: float | None,
    tiers: Sequence[Sequence[float]] = (),
) -> tuple[str, str] | None:
    """``(field, why)`` for the first figure a contract spec cannot hold, else None: the tick
    (within [1e-12, 1e12], like prices) and the amount step must be positive, minimums
    non-negative, the leverage at least 1; all finite and at most 1e18. Only the tick is
    required. Then the margin tiers (``tiers_problem``), as the field ``tiers``."""
    values = (price_tick, amount_step, min_amount, min_notional, max_leverage)
    for name, value in zip(SPEC_FIELDS, values, strict=True):
        if value is None:
            if name == "price_tick":
                return name, "is required"
            continue
        problem = _number_problem("", value)
        if problem is not None:
            return name, problem.strip()
        if name in ("price_tick", "amount_step") and value <= 0:
            return name, f"{value} must be > 0"
        if name in ("min_amount", "min_notional") and value < 0:
            return name, f"{value} must be >= 0"
        if name == "max_leverage" and value < 1:
            return name, f"{value} must be >= 1"
        if name == "price_tick" and not MIN_TICK <= value <= MAX_TICK:
            return name, f"{_show(value)} is outside {MIN_TICK:g} .. {MAX_TICK:g}"
        if value > MAX_AMOUNT:
            return name, f"{_show(value)} is above {MAX_AMOUNT:g}"
    problem = tiers_problem(tiers)
    return None if problem is None else ("tiers", problem)


def tiers_problem(tiers: Sequence[Sequence[float]]) -> str | None:
    """Why these maintenance-margin tiers cannot be stored, or None: rows of three finite
    figures ``max_notional, mmr, max_leverage``, the upper bounds of position value strictly
    increasing from above 0 up to 1e18 (the tier of a position is the first whose bound it does
    not pass), each rate a fraction in (0, 1), each leverage at least 1. No tiers is sound (a
    spot market, or a venue that does not say)."""
    previous = 0.0
    for k, row in enumerate(tiers, start=1):
        if len(row) != len(TIER_FIELDS):
            return f"tier {k} has {len(row)} figures, not {':'.join(TIER_FIELDS)}"
        for name, value in zip(TIER_FIELDS, row, strict=True):
            problem = _number_problem(f"tier {k} {name}", value)
            if problem is not None:
                return problem
        bound, mmr, leverage = row
        if bound <= previous:
            after = f"tier {k - 1}'s {previous:g}" if k > 1 else "0"
            return f"tier {k} max_notional {bound:g} is not above {after} (tiers must increase)"
        if bound > MAX_AMOUNT:
            return f"tier {k} max_notional {_show(bound)} is above {MAX_AMOUNT:g}"
        if not 0 < mmr < 1:
            return f"tier {k} mmr {mmr:g} is not a fraction in (0, 1)"
        if leverage < 1:
            return f"tier {k} max_leverage {leverage:g} must be >= 1"
        previous = bound
    return None


def ts_problem(ts: object, what: str = "timestamp") -> str | None:
    """Why ``ts`` (UTC ms) cannot be the time of a market-data event, or None: a whole number
    of milliseconds in [2009-01-01, 2100-01-01)."""
    if not _is_number(ts) or not (isinstance(ts, numbers.Integral) or _whole(ts)):  # type: ignore[arg-type]
        return f"{what} {_show(ts)} is not a whole number of milliseconds"
    if ts < 0:  # type: ignore[operator]
        return f"negative {what} {_show(ts)}"
    if not MIN_TS <= ts < MAX_TS:  # type: ignore[operator]
        return f"{what} {_show(ts)} is outside 2009-01-01 .. 2100-01-01 UTC"
    return None


def candle_problem(
    ts: int, o: float, h: float, l: float, c: float, v: float, tf_ms: int
) -> str | None:
    """Why this candle cannot be stored, or ``None`` when it is sound: a time in range and on
    the timeframe's grid, finite prices within [1e-12, 1e12] with low <= open, close <= high,
    and a finite volume within [0, 1e18]."""
    # the sound case in one expression (every import row passes here twice): NaN fails every
    # comparison (never min/max here: min(1.0, nan) is 1.0), so anything odd falls through to
    # the checks that say what is wrong
    if (
        type(ts) is int
        and MIN_TS <= ts < MAX_TS
        and not ts % tf_ms
        and type(o) is float
        and type(h) is float
        and type(l) is float
        and type(c) is float
        and type(v) is float
        and MIN_PRICE <= l <= o <= h <= MAX_PRICE
        and l <= c <= h
        and 0.0 <= v <= MAX_AMOUNT
    ):
        return None
    problem = ts_problem(ts)
    if problem is not None:
        return problem
    if ts % tf_ms:
        return f"timestamp {ts} is not aligned to the {tf_ms} ms timeframe"
    named = (("open", o), ("high", h), ("low", l), ("close", c), ("volume", v))
    for name, value in named:
        problem = _number_problem(name, value)
        if problem is not None:
            return problem
    if min(o, h, l, c) <= 0:
        return "prices must be > 0"
    for name, value in named[:4]:
        if value < MIN_PRICE:
            return f"{name} {value} is below {MIN_PRICE:g}"
        if value > MAX_PRICE:
            return f"{name} {_show(value)} is above {MAX_PRICE:g}"
    if v < 0:
        return f"volume {v} is negative"
    if v > MAX_AMOUNT:
        return f"volume {_show(v)} is above {MAX_AMOUNT:g}"
    if h < l:
        return f"high {h} < low {l}"
    if h < max(o, c) or l > min(o, c):
        return f"open/close outside the high-low range (o={o} h={h} l={l} c={c})"
    return None


def funding_problem(ts: int, rate: float) -> str | None:
    """Why this funding settlement cannot be stored, or ``None`` when it is sound: a time in
    range and a finite rate with |rate| < 1."""
    problem = ts_problem(ts) or _number_problem("funding rate", rate)
    if problem is not None:
        return problem
    if abs(rate) >= MAX_ABS_FUNDING_RATE:
        return (
            f"funding rate {_show(rate)} is not a fraction "
            f"(|rate| must be < {MAX_ABS_FUNDING_RATE})"
        )
    return None


def open_interest_problem(ts: int, amount: float) -> str | None:
    """Why this open-interest sample cannot be stored, or ``None`` when it is sound: a time in
    range and a finite amount within (0, 1e18]."""
    problem = ts_problem(ts) or _number_problem("open interest", amount)
    if problem is not None:
        return problem
    if amount <= 0:
        return f"open interest {amount} must be > 0"
    if amount > MAX_AMOUNT:
        return f"open interest {_show(amount)} is above {MAX_AMOUNT:g}"
    return None


def _is_number(value: object) -> bool:
    """A real number (numpy scalars too), not a bool, a string or None."""
    kind = type(value)
    if kind is int or kind is float:
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _number_problem(name: str, value: object) -> str | None:
    if not _is_number(value):
        return f"{name} {_show(value)} is not a number"
    # a huge int is finite, but math.isfinite cannot convert it to a float
    if not isinstance(value, numbers.Integral) and not math.isfinite(value):  # type: ignore[arg-type]
        return f"{name} is {value}"
    return None


def _whole(value: float) -> bool:
    return math.isfinite(value) and float(value).is_integer()


def _show(value: object) -> str:
    """A value for a message: a 400-digit number is cut, so a refusal stays one short line."""
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:12]}...({len(text)} characters)"
