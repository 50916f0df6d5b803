"""Inputs of the grid kernels: each distinct indicator once, each combination as a table row.

A strategy's plan is ``(candles, levels)`` prices that the kernels rebuild per candle from a few
series and per-combination scalars (see ``grid_nb.level_price_nb``). The series come from the
same ``domain.indicators`` wrappers, ``previous()`` shift and strategy helpers the strategy
modules use, so their values are bit-identical to the plan's; the level coefficients come from
the strategy modules' own ``multipliers`` / ``offsets`` / ``pullbacks`` / ``thresholds`` with
the same NumPy operations. A series is computed once per distinct key (``("sma_prev", 14)``,
``("atr_prev_positive", 10)`` ...) and shared by every combination that uses it: the 3240
grid_atr combinations need 4 SMA rows and 3 ATR rows (plus the raw ATRs they derive from).

Prices are on the market's tick grid as in ``StrategySpec.build``: the take-profit row is the
rounded copy of its indicator row (``_Rows.on_ticks``), the levels are rounded in the kernels
from the tick's ``(inv, step)`` carried in the cost row.

The flat-skip table (``grid_nb.next_reach_nb``) has one row per distinct nearest-level setup
(60 for the grid_atr grid); ``parts`` builds it, splitting a batch whose table would exceed
``REACH_BUDGET``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from domain.backtest import Account
from domain.execution import Costs
from domain.indicators import atr, ema, sma
from domain.metrics import DAY_MS
from domain.strategies import envelope_dca, grid_atr, grid_funding, grid_multi_tf, grid_trend
from domain.strategies.envelope_dca import EnvelopeDcaParams
from domain.strategies.grid_atr import GridAtrParams
from domain.strategies.grid_funding import GridFundingParams
from domain.strategies.grid_multi_tf import GridMultiTfParams
from domain.strategies.grid_trend import GridTrendParams
from domain.strategies.plans import MarketArrays, previous
from domain.strategies.spec import sides
from domain.ticks import has_tick, price_scale, round_prices
from optimization.fast.grid_nb import (
    CostCol,
    FloatCol,
    GridData,
    IntCol,
    LevelKind,
    Price,
    StratCol,
    next_reach_nb,
)

# the grid strategies' parameters (grid_multi_tf's and envelope_dca_short's are subclasses): all
# have num_levels, sl_percent and leverage
GridStrategyParams = EnvelopeDcaParams | GridAtrParams | GridFundingParams | GridTrendParams
REACH_BUDGET = 256 * 2**20  # bytes of flat-skip table per kernel call


@dataclass(frozen=True, slots=True)
class GridInputs:
    """Everything the kernels read (layouts in ``grid_nb``)."""

    case: tuple[int, int, int]  # the kernels' literal case: level kind, trend_on, trail_on
    data: GridData  # the market-wide arrays
    ci: np.ndarray  # (combos, IntCol.size) int64
    cf: np.ndarray  # (combos, FloatCol.size) float64
    coef: np.ndarray  # (combos, 2, max levels) float64: long / short level coefficients
    row_keys: tuple[tuple[Any, ...], ...]  # what each row of ``data.rows`` holds
    flat_keys: np.ndarray  # (keys, 7): the nearest-level setups, rows of data.reach_next


class UnknownGridStrategyError(ValueError):
    pass


class _Rows:
    """Distinct derived series, each computed on first use."""

    def __init__(self, market: MarketArrays) -> None:
        self.market = market
        self.index: dict[tuple[Any, ...], int] = {}
        self.series: list[np.ndarray] = []
        self._levels: dict[tuple[Any, ...], _Levels] = {}

    def levels(self, key: tuple[Any, ...], make: Callable[[], _Levels]) -> _Levels:
        """Level coefficients, computed once per distinct ``key`` (the parameters they read)."""
        if key not in self._levels:
            self._levels[key] = make()
        return self._levels[key]

    def get(self, key: tuple[Any, ...], make: Callable[[], np.ndarray]) -> int:
        if key not in self.index:
            values = np.asarray(make(), dtype=np.float64)
            if values.shape != (len(self.market),):
                raise ValueError(
                    f"series {key} has shape {values.shape}, not ({len(self.market)},)"
                )
            self.index[key] = len(self.series)
            self.series.append(values)
        return self.index[key]

    # -- the series of the grid strategies, exactly as their modules compute them --------------
    def sma_prev(self, period: int) -> int:
        return self.get(("sma_prev", period), lambda: previous(sma(self.market.close, period)))

    def ema_prev(self, period: int) -> int:
        return self.get(("ema_prev", period), lambda: previous(ema(self.market.close, period)))

    def atr(self, period: int) -> int:
        m = self.market
        return self.get(("atr", period), lambda: atr(m.high, m.low, m.close, period))

    def atr_prev_positive(self, period: int) -> int:
        def make() -> np.ndarray:
            vol = previous(self.series[self.atr(period)])
            return np.where(vol > 0, vol, np.nan)

        return self.get(("atr_prev_positive", period), make)

    def on_ticks(self, row: int) -> int:
        """Row ``row`` rounded to the market's tick (the row itself when there is none): a
        take-profit, rounded as ``StrategySpec.build`` rounds the plan's."""
        tick = self.market.contract.tick
        if not has_tick(tick):
            return row
        key = next(k for k, v in self.index.items() if v == row)
        return self.get(("on_ticks", *key), lambda: round_prices(self.series[row], tick))

    def nothing(self) -> int:
        """An all-NaN row: no take-profit, no exit signal."""
        return self.get(("nan",), lambda: np.full(len(self.market), np.nan))

    def known_rate(self) -> int:
        return self.get(("known_rate",), lambda: grid_funding.known_rate(self.market.funding))


@dataclass(frozen=True, slots=True)
class _Levels:
    coef_long: np.ndarray
    coef_short: np.ndarray
    ints: dict[int, int]  # near_long, near_short, ordered


@dataclass(frozen=True, slots=True)
class _Combo:
    ints: dict[int, int]  # IntCol -> value (absent rows: the all-NaN row)
    levels: _Levels
    trail_mult: float = 0.0  # trailing-stop distance in ATRs (0: no trailing stop)


@dataclass(frozen=True, slots=True)
class _Kind:
    levels: int  # LevelKind
    trend: bool  # levels gated by the trend row, which also flips the grid
    trail: bool  # trailing stop
    market_entries: bool
    combo: Callable[[_Rows, Any], _Combo]  # (rows, the strategy's parameters)


def _sides(params: GridStrategyParams) -> dict[int, int]:
    allowed = sides(params)
    return {IntCol.long_on: int(1 in allowed), IntCol.short_on: int(-1 in allowed)}


def _rising(values: np.ndarray) -> int:
    return int(bool(np.all(np.diff(values) >= 0)))


def _atr_levels(coef: np.ndarray) -> _Levels:
    """anchor -/+ vol x coef: the highest long and the lowest short level have the smallest coef."""
    near = int(np.argmin(coef))
    ints = {IntCol.near_long: near, IntCol.near_short: near, IntCol.ordered: _rising(coef)}
    return _Levels(coef, coef, ints)


def _grid_atr(rows: _Rows, p: GridAtrParams) -> _Combo:
    mid = rows.sma_prev(int(p.ma_period))
    key = ("multipliers", p.atr_multiplier_start, p.atr_multiplier_step, p.num_levels)
    levels = rows.levels(key, lambda: _atr_levels(np.asarray(grid_atr.multipliers(p), float)))
    ints = {
        IntCol.anchor: mid,
        IntCol.vol: rows.atr_prev_positive(int(p.atr_period)),
        IntCol.take_profit: rows.on_ticks(mid),
        **_sides(p),
    }
    return _Combo(ints, levels)


def _grid_multi_tf(rows: _Rows, p: GridMultiTfParams) -> _Combo:
    combo = _grid_atr(rows, p)
    key = ("supertrend_trend", p.trend_timeframe, p.st_atr_period, p.st_atr_multiplier)
    combo.ints[IntCol.trend] = rows.get(key, lambda: grid_multi_tf.trend(rows.market, p))
    return combo


def _trend_direction(market: MarketArrays, p: GridTrendParams) -> np.ndarray:
    trend = previous(grid_trend.direction(market, p))
    trend[:1] = 0.0
    return trend


def _grid_trend(rows: _Rows, p: GridTrendParams) -> _Combo:
    key = ("pullbacks", p.pull_start, p.pull_step, p.num_levels)
    levels = rows.levels(key, lambda: _atr_levels(np.asarray(grid_trend.pullbacks(p), float)))
    trend = ("ema_adx_trend", p.ema_fast, p.ema_slow, p.adx_period, p.adx_threshold)
    ints = {
        IntCol.anchor: rows.ema_prev(int(p.ema_fast)),
        IntCol.vol: rows.atr_prev_positive(int(p.atr_period)),
        IntCol.trend: rows.get(trend, lambda: _trend_direction(rows.market, p)),
        IntCol.trail: rows.atr(int(p.atr_period)),
        **_sides(p),
    }
    return _Combo(ints, levels, float(p.trail_mult))


def _envelope_levels(p: EnvelopeDcaParams) -> _Levels:
    """As envelope_dca.build: long ``mid x (1 - lower)``, short ``mid x (1 + (1/(1-lower)-1))``."""
    lower = np.asarray(envelope_dca.offsets(p), dtype=np.float64)
    coef_long = 1.0 - lower
    coef_short = 1.0 + (1.0 / (1.0 - lower) - 1.0)
    ints = {
        IntCol.near_long: int(np.argmax(coef_long)),
        IntCol.near_short: int(np.argmin(coef_short)),
        IntCol.ordered: _rising(-coef_long) & _rising(coef_short),
    }
    return _Levels(coef_long, coef_short, ints)


def _envelope(rows: _Rows, p: EnvelopeDcaParams) -> _Combo:
    mid = rows.sma_prev(int(p.ma_period))
    key = ("offsets", p.envelope_start, p.envelope_step, p.num_levels)
    levels = rows.levels(key, lambda: _envelope_levels(p))
    ints = {IntCol.anchor: mid, IntCol.take_profit: rows.on_ticks(mid), **_sides(p)}
    return _Combo(ints, levels)


def _funding_levels(p: GridFundingParams) -> _Levels:
    """Level k triggers at a known rate <= -threshold[k], as in grid_funding.build."""
    coef = -np.asarray(grid_funding.thresholds(p), dtype=np.float64)
    ints = {IntCol.near_long: int(np.argmax(coef)), IntCol.near_short: 0}
    return _Levels(coef, np.zeros_like(coef), ints | {IntCol.ordered: _rising(-coef)})


def _grid_funding(rows: _Rows, p: GridFundingParams) -> _Combo:
    rate = rows.known_rate()
    key = ("thresholds", p.funding_threshold_start, p.funding_threshold_step, p.num_levels)
    ints = {
        IntCol.anchor: rate,
        IntCol.min_hold: int(p.min_hold_candles),
        IntCol.long_on: 1,
        IntCol.short_on: 0,
    }
    if p.tp_mode in grid_funding.SMA_EXIT:
        ints[IntCol.take_profit] = rows.on_ticks(rows.sma_prev(int(p.ma_period)))
    if p.tp_mode in grid_funding.FUNDING_EXIT:
        ints[IntCol.signal] = rate
    return _Combo(ints, rows.levels(key, lambda: _funding_levels(p)))


KINDS: dict[str, _Kind] = {
    "grid_atr": _Kind(LevelKind.atr, False, False, False, _grid_atr),
    "grid_multi_tf": _Kind(LevelKind.atr, True, False, False, _grid_multi_tf),
    "grid_trend": _Kind(LevelKind.atr, True, True, False, _grid_trend),
    "envelope_dca": _Kind(LevelKind.envelope, False, False, False, _envelope),
    "envelope_dca_short": _Kind(LevelKind.envelope, False, False, False, _envelope),
    "grid_funding": _Kind(LevelKind.funding, False, False, True, _grid_funding),
}


def grid_kind(strategy: str) -> _Kind:
    try:
        return KINDS[strategy]
    except KeyError:
        known = ", ".join(sorted(KINDS))
        raise UnknownGridStrategyError(
            f"the fast grid engine has no strategy {strategy!r} (known: {known})"
        ) from None


def prepare(
    strategy: str,
    market: MarketArrays,
    combos: Sequence[GridStrategyParams],
    costs: Costs,
    account: Account,
) -> GridInputs:
    """Kernel inputs for ``combos`` (the strategy's parameter structs) on ``market``."""
    kind = grid_kind(strategy)
    n = len(market)
    rows = _Rows(market)
    built = [kind.combo(rows, p) for p in combos]
    width = max([len(c.levels.coef_long) for c in built], default=1)
    ci = np.full((len(built), IntCol.size), -1, dtype=np.int64)
    ci[:, IntCol.min_hold] = 0
    ci[:, IntCol.ordered] = 0
    cf = np.zeros((len(built), FloatCol.size))
    coef = np.full((len(built), 2, width), np.nan)
    absent = (IntCol.vol, IntCol.take_profit, IntCol.trend, IntCol.trail, IntCol.signal)
    for c in built:
        for col in absent:  # an all-NaN row: never reached, never an exit
            c.ints.setdefault(col, rows.nothing())
    for k, (p, c) in enumerate(zip(combos, built, strict=True)):
        levels = int(p.num_levels)
        if not 1 <= levels <= 62 or len(c.levels.coef_long) != levels:
            raise ValueError(f"combo {k}: num_levels must be in 1..62, got {p.num_levels!r}")
        for col, value in (c.ints | c.levels.ints).items():
            ci[k, col] = value
        ci[k, IntCol.num_levels] = levels
        margin = account.margin_per_asset() / levels  # as domain.backtest.make_runner
        cf[k, FloatCol.sl_fraction] = p.sl_percent / 100.0
        cf[k, FloatCol.margin_per_level] = margin
        cf[k, FloatCol.notional] = margin * float(p.leverage)
        cf[k, FloatCol.trail_mult] = c.trail_mult
        coef[k, 0, :levels] = c.levels.coef_long
        coef[k, 1, :levels] = c.levels.coef_short
    series = np.ascontiguousarray(np.vstack(rows.series or [np.full(n, np.nan)]))
    flat_keys = _flat_keys(ci, coef)
    strat = np.zeros(StratCol.size, dtype=np.int64)
    strat[StratCol.market_entries] = int(kind.market_entries)
    strat[StratCol.tf_ms] = int(market.tf_ms)
    # the kernels skip the loads of rows these say are all NaN (a spot market; no exit signal)
    strat[StratCol.funding_on] = _any_value(np.asarray(market.funding, dtype=np.float64))
    strat[StratCol.signal_on] = _any_value(series[np.unique(ci[:, IntCol.signal])])
    cost_row = np.zeros(CostCol.size)
    cost_row[CostCol.maker] = costs.maker
    cost_row[CostCol.taker] = costs.taker
    cost_row[CostCol.slippage] = costs.slippage
    cost_row[CostCol.capital] = account.capital
    cost_row[CostCol.margin_limit] = account.max_margin_ratio * account.capital + 1e-9
    cost_row[CostCol.tick_inv], cost_row[CostCol.tick_step] = price_scale(
        float(market.contract.tick)
    )
    contract = market.contract
    cost_row[CostCol.qty_step] = contract.step
    cost_row[CostCol.min_qty] = contract.min_qty
    cost_row[CostCol.min_notional] = contract.min_notional
    day_end = day_ends(market.ts)
    data = GridData(
        ts=np.ascontiguousarray(market.ts, dtype=np.int64),
        prices=_prices(market),
        day_end=day_end,
        day_count=np.concatenate([[0], np.cumsum(day_end, dtype=np.int64)]),
        rows=series,
        reach_next=np.empty((0, n + 1), dtype=np.int32),  # filled per part, see ``parts``
        strat=strat,
        costs=cost_row,
        tiers=contract.tier_table(),
    )
    case = (int(kind.levels), int(kind.trend), int(kind.trail))
    return GridInputs(case, data, ci, cf, coef, tuple(rows.index), flat_keys)


def parts(inputs: GridInputs, budget: int | None = None) -> Iterator[tuple[np.ndarray, GridInputs]]:
    """``(combo indices, inputs)`` pieces whose ``reach_next`` table (int32, one row per distinct
    nearest-level setup) stays within ``budget`` bytes: normally one piece with every combo;
    combos of many different setups (random sampling of continuous parameters) come in
    several."""
    width = 4 * inputs.data.reach_next.shape[1]
    per_part = max(1, (REACH_BUDGET if budget is None else budget) // width)
    flat = inputs.ci[:, IntCol.flat]
    for first in range(0, max(len(inputs.flat_keys), 1), per_part):
        keys = np.arange(first, min(first + per_part, len(inputs.flat_keys)))
        group = np.flatnonzero((flat >= first) & (flat < first + per_part))
        ci = inputs.ci[group]
        ci[:, IntCol.flat] -= first
        kind, trend_on = inputs.case[0], inputs.case[1]
        table = inputs.flat_keys[keys]
        d = inputs.data
        reach_next = next_reach_nb(
            kind,
            trend_on,
            d.prices[Price.low],
            d.prices[Price.high],
            d.rows,
            np.ascontiguousarray(table[:, :5], dtype=np.int64),
            np.ascontiguousarray(table[:, 5:]),
            d.costs[CostCol.tick_inv],
            d.costs[CostCol.tick_step],
        )
        data = d._replace(reach_next=reach_next)
        part = GridInputs(
            inputs.case, data, ci, inputs.cf[group], inputs.coef[group], inputs.row_keys, table
        )
        yield group, part


def _prices(market: MarketArrays) -> np.ndarray:
    prices = np.empty((Price.size, len(market)))
    prices[Price.open] = market.open
    prices[Price.high] = market.high
    prices[Price.low] = market.low
    prices[Price.close] = market.close
    prices[Price.funding] = market.funding
    return prices


def _any_value(values: np.ndarray) -> int:
    """1 when ``values`` holds a value that is not NaN (NaN: no funding, no exit signal)."""
    return int(not np.isnan(values).all())


def _flat_keys(ci: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """The distinct nearest-level setups (anchor, vol and trend rows, sides, nearest long and
    short coefficients) as a (keys, 7) float64 table; sets ``ci[:, IntCol.flat]``."""
    keys: dict[tuple[Any, ...], int] = {}
    for k in range(len(ci)):
        c = ci[k]
        key = (
            int(c[IntCol.anchor]),
            int(c[IntCol.vol]),
            int(c[IntCol.trend]),
            int(c[IntCol.long_on]),
            int(c[IntCol.short_on]),
            float(coef[k, 0, c[IntCol.near_long]]),
            float(coef[k, 1, c[IntCol.near_short]]),
        )
        ci[k, IntCol.flat] = keys.setdefault(key, len(keys))
    return np.array(list(keys), dtype=np.float64).reshape(len(keys), 7)


def day_ends(ts: np.ndarray) -> np.ndarray:
    """1 where the next candle opens on another UTC day (and at the last candle), as
    ``domain.metrics.daily_returns`` picks the last candle of each day."""
    day = np.asarray(ts, dtype=np.int64) // DAY_MS
    if len(day) == 0:
        return np.zeros(0, dtype=np.uint8)
    return np.append(day[1:] != day[:-1], True).astype(np.uint8)


def max_days(ts: np.ndarray, windows: np.ndarray) -> int:
    """The most UTC days any window spans (room for its daily equity closes)."""
    most = 0
    for start, end in windows:
        if end > start:
            most = max(most, int(ts[end - 1] // DAY_MS - ts[start] // DAY_MS) + 1)
    return most
