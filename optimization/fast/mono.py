"""The fast engine for mono-position strategies: plans to arrays, kernels, results back.

Every combination's ``MonoPlan`` comes from the strategy's own ``build`` (vectorised numpy over
numba indicators), built once over the whole market: plans are causal, so the rows before ``end``
equal the plan ``run_backtest`` builds on ``market.head(end)``. Combinations share work where their
parameters repeat: a plan's parts depend on a few parameters each (``DEPENDS``: the signal of
vwap_rsi does not move with ``tp_percent``), so each distinct signal / take-profit / stop-loss /
exit row is built and stored once, and a combination is four row indices plus its scalars. The
rows go to ``mono_nb.batch_nb``, which runs the combinations in parallel over every window.

Parameters a strategy's ``DEPENDS`` entry does not name are added to every part's key (a
parameter that is the same for all combinations costs nothing; an unknown one that varies only
costs builds), and a strategy without an entry is built once per combination: a missing entry can
make the engine slower, never wrong. ``sides`` is no plan input, the kernel filters entries by it.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import numpy as np

from domain.backtest import Account
from domain.execution import Costs
from domain.metrics import DAY_MS
from domain.strategies import strategy as strategy_spec
from domain.strategies.params import MonoParams
from domain.strategies.plans import MarketArrays, MonoPlan
from domain.strategies.spec import sides
from domain.ticks import price_scale
from domain.trades import Trade
from optimization.fast import mono_nb
from optimization.fast.prepared import Preparations
from optimization.fast.results import DEFAULT_ACCOUNT, SYMBOL, WindowMetrics

# strategy -> plan part -> the parameters that part depends on (read off each strategy's build)
PARTS = ("signal", "tp", "sl", "scalars")  # signal includes exit_signal; scalars: leverage, hold
DEPENDS: dict[str, dict[str, tuple[str, ...]]] = {
    "vwap_rsi": {
        "signal": (
            "rsi_period",
            "rsi_long_threshold",
            "rsi_short_threshold",
            "vwap_deviation_entry",
        ),
        "tp": ("tp_percent",),
        "sl": ("sl_percent",),
        "scalars": ("leverage",),
    },
    "momentum": {
        "signal": ("breakout_lookback", "volume_multiplier"),
        "tp": ("tp_percent",),
        "sl": ("sl_percent",),
        "scalars": ("leverage", "max_hold_candles"),
    },
    "funding": {
        "signal": ("funding_threshold",),
        "tp": ("tp_percent",),
        "sl": ("sl_percent",),
        "scalars": ("leverage", "max_hold_candles"),
    },
    "liquidation": {
        "signal": ("oi_change_threshold", "leverage_estimate", "zone_buffer_percent"),
        "tp": ("tp_percent",),
        "sl": ("sl_percent",),
        "scalars": ("leverage",),
    },
    "bollinger_mr": {
        "signal": ("bb_period", "bb_std"),
        "tp": (),
        "sl": ("sl_percent",),
        "scalars": ("leverage", "max_hold_candles"),
    },
    "donchian_breakout": {
        "signal": ("entry_lookback", "atr_period"),
        "tp": ("atr_period", "atr_tp_multiple"),
        "sl": ("atr_period", "atr_sl_multiple"),
        "scalars": ("leverage",),
    },
    "supertrend": {
        "signal": ("atr_period", "atr_multiplier"),
        "tp": ("tp_percent",),
        "sl": ("sl_percent",),
        "scalars": ("leverage",),
    },
}
NOT_PLAN_INPUTS = frozenset({"sides"})


# --- market and account ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Market:
    """The market as contiguous kernel inputs."""

    ts: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    funding: np.ndarray
    day_end: np.ndarray  # candle i is the last of its UTC day in the whole series
    tf_ms: int
    tick_inv: float  # the market's tick as ``domain.ticks.price_scale`` gives it
    tick_step: float
    qty_step: float  # the contract's quantity rules (``domain.contracts``)
    min_qty: float
    min_notional: float
    tiers: np.ndarray  # ``Contract.tier_table()``

    @classmethod
    def of(cls, market: MarketArrays) -> _Market:
        if market.tf_ms <= 0:
            raise ValueError(f"market.tf_ms must be > 0, got {market.tf_ms}")
        ts = np.ascontiguousarray(market.ts, dtype=np.int64)
        day = ts // DAY_MS
        day_end = np.ones(len(ts), dtype=np.bool_)
        day_end[:-1] = day[1:] != day[:-1]

        def floats(values: np.ndarray) -> np.ndarray:
            return np.ascontiguousarray(values, dtype=np.float64)

        return cls(
            ts,
            floats(market.open),
            floats(market.high),
            floats(market.low),
            floats(market.close),
            floats(market.funding),
            day_end,
            int(market.tf_ms),
            *price_scale(float(market.contract.tick)),
            float(market.contract.step),
            float(market.contract.min_qty),
            float(market.contract.min_notional),
            market.contract.tier_table(),
        )

    def args(self) -> tuple[Any, ...]:
        return (
            self.ts,
            self.open,
            self.high,
            self.low,
            self.close,
            self.funding,
            self.day_end,
            self.tf_ms,
            self.tick_inv,
            self.tick_step,
            self.qty_step,
            self.min_qty,
            self.min_notional,
            self.tiers,
        )


def _account_args(account: Account, costs: Costs) -> tuple[float, bool, tuple[float, ...]]:
    """(margin per position, margin guard passes, (capital, maker, taker, slippage)).

    One runner holds at most one position, so the Simulator's ``margin_used`` is 0.0 whenever it
    is flat and its guard ``margin_used + margin <= max_margin_ratio x capital + 1e-9`` has the
    same answer at every entry."""
    margin = account.margin_per_asset()
    can_enter = 0.0 + margin <= account.max_margin_ratio * account.capital + 1e-9
    scalars = (float(account.capital), float(costs.maker), float(costs.taker))
    return margin, bool(can_enter), (*scalars, float(costs.slippage))


# --- plans -------------------------------------------------------------------------------------


def _frozen(value: Any) -> Hashable:
    if isinstance(value, int | float | str | None):
        return value
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


@dataclass
class PlanTable:
    """Distinct plan rows of a set of combinations, and each combination's row indices.

    ``add(params)`` builds the strategy's plan only when one of the combination's parts (signal
    and exit signal, take-profit offsets, stop-loss offsets, leverage and holding limit) has not
    been seen with the same parameters before.
    """

    strategy: str
    market: MarketArrays
    margin: float
    builds: int = 0
    _rows: dict[str, list[Any]] = field(default_factory=lambda: {p: [] for p in PARTS})
    _index: dict[str, dict[Hashable, int]] = field(default_factory=lambda: {p: {} for p in PARTS})
    _combo_rows: list[tuple[int, int, int, int]] = field(default_factory=list)
    _sides: list[tuple[bool, bool]] = field(default_factory=list)

    def _keys(self, params: MonoParams) -> dict[str, Hashable]:
        # the fields by name: DEPENDS names them, and a field it does not name still keys
        values = msgspec.structs.asdict(params)
        depends = DEPENDS.get(self.strategy)
        if depends is None:
            everything = tuple(sorted((k, _frozen(v)) for k, v in values.items()))
            return {part: everything for part in PARTS}
        named = _named(self.strategy)
        others = tuple(sorted((k, _frozen(v)) for k, v in values.items() if k not in named))
        return {
            part: (tuple([_frozen(values.get(name)) for name in depends[part]]), others)
            for part in PARTS
        }

    def add(self, params: MonoParams) -> None:
        keys = self._keys(params)
        if any(keys[part] not in self._index[part] for part in PARTS):
            plan = strategy_spec(self.strategy).build(self.market, params)
            if not isinstance(plan, MonoPlan):
                raise ValueError(f"{self.strategy} is not a mono-position strategy")
            self.builds += 1
            n = len(self.market)
            exit_signal = (
                np.zeros(n, dtype=np.bool_) if plan.exit_signal is None else plan.exit_signal
            )
            values = {
                "signal": (plan.signal, exit_signal),
                "tp": plan.tp_offset,
                "sl": plan.sl_offset,
                "scalars": (float(plan.leverage), int(plan.max_hold)),
            }
            for part in PARTS:
                if keys[part] not in self._index[part]:
                    self._index[part][keys[part]] = len(self._rows[part])
                    self._rows[part].append(values[part])
        rows = tuple(self._index[part][keys[part]] for part in PARTS)
        self._combo_rows.append(rows)  # type: ignore[arg-type]
        directions = sides(params)
        self._sides.append((1 in directions, -1 in directions))

    def kernel_args(self) -> tuple[Any, ...]:
        """Plan arguments of ``mono_nb.batch_nb``: row tables, row indices and scalars."""
        n = len(self.market)
        rows = np.array(self._combo_rows, dtype=np.int64).reshape(-1, 4)
        signal_rows = self._rows["signal"]
        signals = _stack([s for s, _ in signal_rows], np.int8, n)
        exits = _stack([e for _, e in signal_rows], np.bool_, n)
        tp = _stack(self._rows["tp"], np.float64, n)
        sl = _stack(self._rows["sl"], np.float64, n)
        scalars = self._rows["scalars"]
        leverage = np.array([scalars[r][0] for r in rows[:, 3]], dtype=np.float64)
        max_hold = np.array([scalars[r][1] for r in rows[:, 3]], dtype=np.int64)
        sides_ = np.array(self._sides, dtype=np.bool_).reshape(-1, 2)
        return (
            signals,
            np.ascontiguousarray(rows[:, 0]),
            tp,
            np.ascontiguousarray(rows[:, 1]),
            sl,
            np.ascontiguousarray(rows[:, 2]),
            exits,
            np.ascontiguousarray(rows[:, 0]),
            max_hold,
            self.margin * leverage,  # the runner's notional: margin x plan.leverage
            np.ascontiguousarray(sides_[:, 0]),
            np.ascontiguousarray(sides_[:, 1]),
        )


@functools.cache
def _named(strategy: str) -> frozenset[str]:
    """Parameters the strategy's ``DEPENDS`` entry names, and those that are no plan input."""
    return frozenset(n for names in DEPENDS[strategy].values() for n in names) | NOT_PLAN_INPUTS


def _stack(rows: list[np.ndarray], dtype: Any, n: int) -> np.ndarray:
    if not rows:
        return np.zeros((1, n), dtype=dtype)
    return np.ascontiguousarray(np.stack([np.asarray(r) for r in rows]).astype(dtype, copy=False))


def _windows(windows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    bounds = np.asarray(windows, dtype=np.int64)
    if bounds.ndim != 2 or bounds.shape[1] != 2:
        raise ValueError(f"windows must have shape (windows, 2), got {bounds.shape}")
    starts, ends = bounds[:, 0].copy(), bounds[:, 1].copy()
    if np.any(starts < 0) or np.any(ends > n) or np.any(starts > ends):
        raise ValueError(f"windows must satisfy 0 <= start <= end <= {n} (the market length)")
    return starts, ends


# --- entry points ------------------------------------------------------------------------------


def batch_metrics(
    strategy: str,
    market: MarketArrays,
    combos: Sequence[MonoParams],
    windows: np.ndarray,
    costs: Costs,
    account: Account = DEFAULT_ACCOUNT,
    preparations: Preparations | None = None,
) -> WindowMetrics:
    """Metrics of every combination on every ``[start, end)`` window (see ``optimization.fast
    .api.batch_metrics``). With ``preparations``, the market's kernel arrays and the plan table
    are built once per market and combinations."""
    starts, ends = _windows(windows, len(market))
    margin, can_enter, (capital, maker, taker, slippage) = _account_args(account, costs)

    def build() -> tuple[Any, ...]:
        table = PlanTable(strategy, market, margin)
        for params in combos:
            table.add(params)
        return (*_Market.of(market).args(), *table.kernel_args())

    inputs = (
        build()
        if preparations is None
        else preparations.get(strategy, market, combos, costs, account, build)
    )
    sharpe, return_pct, drawdown_pct, trades_, wins = mono_nb.batch_nb(
        *inputs,
        can_enter,
        margin,
        capital,
        maker,
        taker,
        slippage,
        starts,
        ends,
    )
    return WindowMetrics(sharpe, return_pct, drawdown_pct, trades_, wins)


def trades(
    strategy: str,
    market: MarketArrays,
    params: MonoParams,
    costs: Costs,
    account: Account = DEFAULT_ACCOUNT,
    start: int = 0,
    end: int | None = None,
) -> list[Trade]:
    """Closed trades of one combination on ``[start, end)``, as the event-driven backtest of
    ``market.head(end)`` from ``start`` records them (symbol ``"X"``)."""
    end = len(market) if end is None else end
    data = _Market.of(market)
    starts, ends = _windows(np.array([[start, end]]), len(market))
    margin, can_enter, (capital, maker, taker, slippage) = _account_args(account, costs)
    table = PlanTable(strategy, market, margin)
    table.add(params)
    (signals, _, tp, _, sl, _, exits, _, max_hold, notional, longs, shorts) = table.kernel_args()
    records = mono_nb.trades_nb(
        *data.args(),
        signals[0],
        tp[0],
        sl[0],
        exits[0],
        int(max_hold[0]),
        float(notional[0]),
        bool(longs[0]),
        bool(shorts[0]),
        can_enter,
        margin,
        capital,
        maker,
        taker,
        slippage,
        int(starts[0]),
        int(ends[0]),
    )
    return [_trade(strategy, r) for r in records.tolist()]


def _trade(strategy: str, record: tuple[Any, ...]) -> Trade:
    side, entry_ts, exit_ts, entry, exit_, qty, gross, fees, exit_fee, paid, pnl, reason = record
    return Trade(
        strategy=strategy,
        symbol=SYMBOL,
        side=int(side),
        entry_ts=int(entry_ts),
        exit_ts=int(exit_ts),
        entry_price=float(entry),
        exit_price=float(exit_),
        qty=float(qty),
        levels=1,
        gross=float(gross),
        entry_fees=float(fees),
        exit_fee=float(exit_fee),
        funding=float(paid),
        pnl=float(pnl),
        reason=mono_nb.REASON_NAMES[int(reason)],
    )
