"""What a strategy's plan rests or signals for the candle after the last stored one.

The scanner shows, for every runner and researched pair, the distance to the take-profit (a
grid's moving average), the levels waiting below or above the price and a mono strategy's
signal. None of that is an event: a grid's take-profit moves with its indicator every candle.
It is derived here on the read side from the candle read model by the same pure plan builders
the engines execute (``domain.strategies``), so the page shows exactly the orders the runner
rests, never a second formula of them.

Resting orders of candle ``i`` use candles ``<= i-1`` only, so the next candle's orders come
from a plan built over the stored candles plus a placeholder row for that next candle: its
values are never read by the rows we take (the look-ahead tests prove it for every strategy).
Plans over a given series end are immutable, so they are cached by (series, last candle,
strategy, parameters, contract). The contract is the one paper trading obeys, the trading
venue's (``adapters.services.traded_contract``); without its spec stored there is no plan to
show, as there is no paper runner.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np

from adapters.services.backtest import BacktestInputError, BacktestRequest, load_market
from adapters.services.traded_contract import MissingSpecError, VenueContracts
from domain.strategies import strategy as strategy_spec
from domain.strategies.plans import GridPlan, MarketArrays
from projections.market_data import MarketDataReader, SeriesInfo

HISTORY_WARMUPS = 10  # warm-ups of history behind the plan: recursive indicators settle
MIN_HISTORY = 500  # candles, for strategies with a tiny warm-up
_CACHE_SIZE = 512


@dataclass(frozen=True, slots=True)
class NextCandle:
    """Orders and signals for the candle after ``ts`` (the last stored candle, closing at
    ``price``)."""

    ts: int
    price: float
    kind: str  # "grid" | "mono"
    take_profit: float | None = None  # grid exit resting during the next candle (the SMA)
    long_levels: tuple[float, ...] = ()  # grid entry prices by level (NaN: none rests)
    short_levels: tuple[float, ...] = ()
    trend: int | None = None  # grid trend filter known before the next candle (None: none)
    signal: int = 0  # mono: +1 / -1 decided at the last close, entered at the next open
    exit_signal: bool = False  # an open position closes at the next open

    def tp_distance_pct(self) -> float | None:
        """How far (in % of the price) the price must move to reach the take-profit."""
        if self.take_profit is None or not math.isfinite(self.take_profit) or not self.price:
            return None
        return abs(self.take_profit - self.price) / self.price * 100.0


class PlanCache:
    """Bounded cache of ``NextCandle`` per (series, last candle, strategy, parameters); shared
    by the request threads."""

    def __init__(self, size: int = _CACHE_SIZE) -> None:
        self._items: OrderedDict[tuple, NextCandle | None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def next_candle(
        self,
        reader: MarketDataReader,
        contracts: VenueContracts,
        exchange: str,
        strategy: str,
        symbol: str,
        params: dict[str, Any],
        end_ms: int | None = None,
    ) -> NextCandle | None:
        """The plan's next candle after the last candle stored before ``end_ms`` (None: all);
        None when the market, its history or its contract spec is missing."""
        timeframe = params.get("timeframe", "")
        info = reader.find(exchange, symbol, timeframe)
        if info is None:
            return None
        last = _last_ts(reader, info, end_ms)
        if last is None:
            return None
        try:
            contract = contracts.traded(reader, symbol).contract
        except MissingSpecError:
            return None
        key = (info.series_id, last, strategy, json.dumps(params, sort_keys=True), contract)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        found = _compute(reader, contracts, exchange, strategy, symbol, params, last)
        with self._lock:
            self._items[key] = found
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return found


def _last_ts(reader: MarketDataReader, info: SeriesInfo, end_ms: int | None) -> int | None:
    if end_ms is None or (info.last_ts is not None and info.last_ts < end_ms):
        return info.last_ts
    candles = reader.candles(info.series_id, end=end_ms)
    return int(candles.ts[-1]) if len(candles) else None


def _compute(
    reader: MarketDataReader,
    contracts: VenueContracts,
    exchange: str,
    strategy: str,
    symbol: str,
    params: dict[str, Any],
    last_ts: int,
) -> NextCandle | None:
    built = _built(reader, contracts, exchange, strategy, symbol, params, last_ts, 0, True)
    if built is None:
        return None
    market, plan = built
    n = len(market) - 1  # the placeholder row: the next candle
    price = float(market.close[-2])
    if isinstance(plan, GridPlan):
        return NextCandle(
            ts=last_ts,
            price=price,
            kind="grid",
            take_profit=_finite_or_none(plan.take_profit[n]),
            long_levels=_row(plan.long_entries, n),
            short_levels=_row(plan.short_entries, n),
            trend=int(plan.trend[n]) if plan.trend is not None else None,
            exit_signal=bool(plan.exit_at_open[n]) if plan.exit_at_open is not None else False,
        )
    # a mono signal at index n-1 is decided at the last close and entered at the next open
    return NextCandle(
        ts=last_ts,
        price=price,
        kind="mono",
        signal=int(plan.signal[n - 1]),
        exit_signal=bool(plan.exit_signal[n - 1]) if plan.exit_signal is not None else False,
    )


@dataclass(frozen=True, slots=True)
class PlanSpan:
    """The last candles up to a time and what a plan rested during each of them (a grid's
    take-profit and entry levels; None for a mono strategy): a runner's price chart."""

    market: MarketArrays
    take_profit: np.ndarray | None = None  # (n,)
    long_levels: np.ndarray | None = None  # (n, levels), NaN where none rests
    short_levels: np.ndarray | None = None


def plan_span(
    reader: MarketDataReader,
    contracts: VenueContracts,
    exchange: str,
    strategy: str,
    symbol: str,
    params: dict[str, Any],
    last_ts: int,
    candles: int,
) -> PlanSpan | None:
    """The ``candles`` candles up to ``last_ts`` (included) with their plan: the orders the
    runner rested during each one; None when the market, its contract or the strategy is
    unknown."""
    built = _built(reader, contracts, exchange, strategy, symbol, params, last_ts, candles, False)
    if built is None:
        return None
    market, plan = built
    keep = slice(len(market) - min(candles, len(market)), None)
    if not isinstance(plan, GridPlan):
        return PlanSpan(market.tail(candles))
    return PlanSpan(
        market.tail(candles),
        plan.take_profit[keep],
        None if plan.long_entries is None else plan.long_entries[keep],
        None if plan.short_entries is None else plan.short_entries[keep],
    )


def _built(
    reader: MarketDataReader,
    contracts: VenueContracts,
    exchange: str,
    strategy: str,
    symbol: str,
    params: dict[str, Any],
    last_ts: int,
    candles: int,
    next_candle: bool,
) -> tuple[MarketArrays, Any] | None:
    """The market up to ``last_ts`` (its history for the indicators plus ``candles``), with a
    placeholder row for the candle after it when ``next_candle``, and the strategy's plan over
    it; None when the strategy, its parameters, the market or the contract spec is missing."""
    try:
        spec = strategy_spec(strategy)
        parsed = spec.parse(params)
    except (KeyError, msgspec.ValidationError):
        # a strategy, or parameters, this version does not know (a result stored by an
        # older one): no plan to show
        return None
    warmup = spec.warmup(parsed)
    timeframe = parsed.timeframe
    request = BacktestRequest(strategy, symbol, timeframe, exchange, None, last_ts + 1)
    try:
        market = load_market(reader, request, timeframe, warmup, spec.needs, contracts).market
    except BacktestInputError:
        return None
    market = market.tail(max(HISTORY_WARMUPS * warmup, MIN_HISTORY) + candles)
    if next_candle:
        last_row = (int(market.ts[-1]) + market.tf_ms, *(float(market.close[-1]),) * 4, 0.0)
        market = market.appended(last_row)
    return market, spec.build(market, parsed)


def _row(levels: np.ndarray | None, i: int) -> tuple[float, ...]:
    return () if levels is None else tuple(float(v) for v in levels[i])


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None
