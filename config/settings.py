"""Settings structs: one frozen msgspec Struct per YAML file, plus ``Settings`` holding all five.

Config is data (NautilusTrader style): these classes only declare fields, types, bounds and
defaults. Reading, validating and cross-checking the files is ``config.loader``'s job.

Every struct is ``kw_only``, ``frozen`` and ``forbid_unknown_fields``, so a typo in a YAML key is an
error instead of a silently ignored setting. Bounds are ``msgspec.Meta`` constraints. A field with a
default may be left out of its YAML file; the shipped YAML files still spell every value out.

Units: ``*_percent`` fields are percentages (``25`` = 25 %), ``*_ratio``/``*_allocation`` and the
envelope offsets are fractions (``0.07`` = 7 %), funding thresholds are raw per-settlement funding
rates (``0.0005`` = 0.05 %), periods and holds are counted in candles of the strategy's timeframe.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import msgspec

from domain.kill_switch import Limits

# --- shared field types ----------------------------------------------------------------------

PosInt = Annotated[int, msgspec.Meta(ge=1)]
Period = Annotated[int, msgspec.Meta(ge=1, le=1000)]
Levels = Annotated[int, msgspec.Meta(ge=1, le=20)]
Leverage = Annotated[int, msgspec.Meta(ge=1, le=125)]
Percent = Annotated[float, msgspec.Meta(gt=0, le=100)]
# a stop 100 % away sits at price 0 for a long: it can never trigger, so 100 is refused
StopPercent = Annotated[float, msgspec.Meta(gt=0, lt=100)]
NonNegPercent = Annotated[float, msgspec.Meta(ge=0, le=100)]
PosFloat = Annotated[float, msgspec.Meta(gt=0)]
Fraction = Annotated[float, msgspec.Meta(gt=0, lt=1)]
FundingRate = Annotated[float, msgspec.Meta(gt=0, le=0.05)]
Timeframe = Annotated[str, msgspec.Meta(pattern=r"^[1-9][0-9]*[mhdw]$")]
Symbol = Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9]+/[A-Z0-9]+$")]
PerpSymbol = Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9]+/[A-Z0-9]+:[A-Z0-9]+$")]
Side = Literal["long", "short"]
Sides = Annotated[tuple[Side, ...], msgspec.Meta(min_length=1, max_length=2)]
LongOnly = Annotated[tuple[Literal["long"], ...], msgspec.Meta(min_length=1, max_length=1)]
HourUtc = Annotated[int, msgspec.Meta(ge=0, le=23)]


class _Config(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Base of every config struct (the options are inherited)."""


# --- strategies.yaml -------------------------------------------------------------------------


class StrategyParams(_Config):
    """Fields every strategy has.

    Parameters
    ----------
    enabled : bool, default False
        Run it in paper/live. Research (backtest, walk-forward) ignores this flag.
    timeframe : str
        Candle timeframe the strategy trades (``5m``, ``15m``, ``1h`` ...).
    leverage : int
        Exchange leverage, 1..125 (and at most ``risk.max_leverage``).
    sides : tuple of "long"/"short"
        Directions it may open.
    per_asset : dict[str, dict[str, Any]], default {}
        Asset symbol -> partial parameter dict overriding the fields above for that asset
        (written by ``optimize --apply``). When non-empty, only these assets are traded.
    """

    kind: ClassVar[str] = "abstract"

    enabled: bool = False
    timeframe: Timeframe = "1h"
    leverage: Leverage = 6
    sides: Sides = ("long",)
    per_asset: dict[str, dict[str, Any]] = {}


class GridParams(StrategyParams):
    """Marker base of grid/DCA strategies (several resting levels, one cycle per asset)."""

    kind: ClassVar[str] = "grid"


class MonoParams(StrategyParams):
    """Marker base of mono-position strategies (one position per asset at a time)."""

    kind: ClassVar[str] = "mono"
    leverage: Leverage = 10
    sides: Sides = ("long", "short")


class EnvelopeDcaParams(GridParams):
    """Envelope DCA: buy levels at SMA x (1 - start - i x step); TP at the SMA, SL on avg price.

    Parameters
    ----------
    ma_period : int, default 7
    num_levels : int, default 3
    envelope_start : float, default 0.07 (fraction below the SMA of level 0)
    envelope_step : float, default 0.03 (extra fraction per further level)
    sl_percent : float, default 25.0 (% from the average entry price)
    sides : default ("long",); leverage : default 6; timeframe : default "1h"
    """

    ma_period: Period = 7
    num_levels: Levels = 3
    envelope_start: Fraction = 0.07
    envelope_step: Fraction = 0.03
    sl_percent: StopPercent = 25.0


class EnvelopeDcaShortParams(EnvelopeDcaParams):
    """Mirror of ``EnvelopeDcaParams`` selling above the SMA; only ``sides`` defaults to short."""

    sides: Sides = ("short",)


class GridAtrParams(GridParams):
    """Grid ATR: levels at SMA -/+ ATR x (start + i x step); TP at the SMA, SL on avg price.

    Parameters
    ----------
    ma_period : int, default 14
    atr_period : int, default 14
    atr_multiplier_start : float, default 2.0
    atr_multiplier_step : float, default 1.0
    num_levels : int, default 3
    sl_percent : float, default 20.0
    sides : default ("long",); leverage : default 6; timeframe : default "1h"
    """

    ma_period: Period = 14
    atr_period: Period = 14
    atr_multiplier_start: PosFloat = 2.0
    atr_multiplier_step: PosFloat = 1.0
    num_levels: Levels = 3
    sl_percent: StopPercent = 20.0


class GridMultiTfParams(GridAtrParams):
    """Grid ATR on ``timeframe`` with its direction set by a SuperTrend on ``trend_timeframe``.

    The trend candles are resampled from closed ``timeframe`` candles. A direction flip closes
    the open cycle.

    Parameters
    ----------
    (all of ``GridAtrParams``) and
    st_atr_period : int, default 10
    st_atr_multiplier : float, default 3.0
    trend_timeframe : str, default "4h"
    sides : default ("long", "short")
    """

    sides: Sides = ("long", "short")
    st_atr_period: Period = 10
    st_atr_multiplier: PosFloat = 3.0
    trend_timeframe: Timeframe = "4h"


class GridFundingParams(GridParams):
    """Long-only DCA when funding is very negative (shorts pay longs).

    Level i opens when the last settled funding rate < -(start + i x step).

    Parameters
    ----------
    funding_threshold_start : float, default 0.0005
    funding_threshold_step : float, default 0.0005
    num_levels : int, default 3
    ma_period : int, default 14
    sl_percent : float, default 15.0
    tp_mode : "funding_positive" | "sma_cross" | "funding_or_sma", default "funding_or_sma"
        Exit when funding turns positive, when price crosses the SMA, or the first of both.
    min_hold_candles : int, default 8 (no take-profit before this many candles)
    sides : ("long",) only
    """

    sides: LongOnly = ("long",)
    funding_threshold_start: FundingRate = 0.0005
    funding_threshold_step: FundingRate = 0.0005
    num_levels: Levels = 3
    ma_period: Period = 14
    sl_percent: StopPercent = 15.0
    tp_mode: Literal["funding_positive", "sma_cross", "funding_or_sma"] = "funding_or_sma"
    min_hold_candles: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 8


class GridTrendParams(GridParams):
    """Trend-following DCA: EMA cross gives the side, ADX > threshold gates entries,
    levels are pull-backs of ATR x (start + i x step) from the fast EMA, an ATR trailing stop
    follows the high/low watermark, a direction flip closes the cycle.

    Parameters
    ----------
    ema_fast : int, default 20
    ema_slow : int, default 50
    adx_period : int, default 14
    adx_threshold : float, default 20.0
    atr_period : int, default 14
    pull_start : float, default 1.0
    pull_step : float, default 0.5
    num_levels : int, default 3
    trail_mult : float, default 2.0
    sl_percent : float, default 15.0
    sides : default ("long", "short")
    """

    sides: Sides = ("long", "short")
    ema_fast: Period = 20
    ema_slow: Period = 50
    adx_period: Period = 14
    adx_threshold: Annotated[float, msgspec.Meta(ge=0, le=100)] = 20.0
    atr_period: Period = 14
    pull_start: PosFloat = 1.0
    pull_step: PosFloat = 0.5
    num_levels: Levels = 3
    trail_mult: PosFloat = 2.0
    sl_percent: StopPercent = 15.0


class VwapRsiParams(MonoParams):
    """VWAP + RSI mean reversion (5m): long under VWAP with RSI oversold, short mirrored.

    Parameters
    ----------
    rsi_period : int, default 14
    rsi_long_threshold : float, default 30.0
    rsi_short_threshold : float, default 70.0
    vwap_deviation_entry : float, default 0.2 (% distance from VWAP required)
    tp_percent : float, default 0.6
    sl_percent : float, default 0.3
    timeframe : default "5m"
    """

    timeframe: Timeframe = "5m"
    rsi_period: Period = 14
    rsi_long_threshold: NonNegPercent = 30.0
    rsi_short_threshold: NonNegPercent = 70.0
    vwap_deviation_entry: Percent = 0.2
    tp_percent: Percent = 0.6
    sl_percent: StopPercent = 0.3


class MomentumParams(MonoParams):
    """Momentum breakout (5m): close beyond the N-candle range on a volume spike.

    Parameters
    ----------
    breakout_lookback : int, default 20
    volume_multiplier : float, default 2.0 (volume vs its lookback mean)
    tp_percent : float, default 0.6
    sl_percent : float, default 0.3
    max_hold_candles : int, default 12 (time exit)
    timeframe : default "5m"
    """

    timeframe: Timeframe = "5m"
    breakout_lookback: Period = 20
    volume_multiplier: PosFloat = 2.0
    tp_percent: Percent = 0.6
    sl_percent: StopPercent = 0.3
    max_hold_candles: PosInt = 12


class FundingParams(MonoParams):
    """Funding-rate fade (15m): short when funding > threshold, long when < -threshold.

    Parameters
    ----------
    funding_threshold : float, default 0.0003
    tp_percent : float, default 0.4
    sl_percent : float, default 0.2
    max_hold_candles : int, default 32 (8 h of 15m candles, one funding period)
    timeframe : default "15m"
    """

    timeframe: Timeframe = "15m"
    funding_threshold: FundingRate = 0.0003
    tp_percent: Percent = 0.4
    sl_percent: StopPercent = 0.2
    max_hold_candles: PosInt = 32


class LiquidationParams(MonoParams):
    """Liquidation-zone hunting (5m): trade towards estimated liquidation clusters after an
    open-interest build-up.

    Parameters
    ----------
    oi_change_threshold : float, default 5.0 (% open-interest change over the lookback)
    leverage_estimate : int, default 15 (typical crowd leverage used to place the zones)
    zone_buffer_percent : float, default 1.5
    tp_percent : float, default 0.8
    sl_percent : float, default 0.4
    timeframe : default "5m"
    """

    timeframe: Timeframe = "5m"
    oi_change_threshold: Percent = 5.0
    leverage_estimate: Leverage = 15
    zone_buffer_percent: Percent = 1.5
    tp_percent: Percent = 0.8
    sl_percent: StopPercent = 0.4


class BollingerMrParams(MonoParams):
    """Bollinger mean reversion (1h): enter outside the bands, take profit at the middle band.

    Parameters
    ----------
    bb_period : int, default 20
    bb_std : float, default 2.0
    sl_percent : float, default 5.0
    max_hold_candles : int, default 48 (time exit)
    timeframe : default "1h"
    """

    bb_period: Period = 20
    bb_std: PosFloat = 2.0
    sl_percent: StopPercent = 5.0
    max_hold_candles: PosInt = 48


class DonchianBreakoutParams(MonoParams):
    """Donchian channel breakout (1h), TP/SL in ATR multiples from the entry.

    Parameters
    ----------
    entry_lookback : int, default 20
    atr_period : int, default 14
    atr_tp_multiple : float, default 3.0
    atr_sl_multiple : float, default 1.5
    timeframe : default "1h"
    """

    entry_lookback: Period = 20
    atr_period: Period = 14
    atr_tp_multiple: PosFloat = 3.0
    atr_sl_multiple: PosFloat = 1.5


class SupertrendParams(MonoParams):
    """SuperTrend trend following (1h): enter on a direction flip.

    Parameters
    ----------
    atr_period : int, default 10
    atr_multiplier : float, default 3.0
    tp_percent : float, default 4.0
    sl_percent : float, default 2.0
    timeframe : default "1h"
    """

    atr_period: Period = 10
    atr_multiplier: PosFloat = 3.0
    tp_percent: Percent = 4.0
    sl_percent: StopPercent = 2.0


class StrategiesFile(_Config):
    """strategies.yaml: one optional section per strategy; a missing section means the strategy
    is not defined in this config (it cannot be run, optimised or referenced)."""

    envelope_dca: EnvelopeDcaParams | None = None
    envelope_dca_short: EnvelopeDcaShortParams | None = None
    grid_atr: GridAtrParams | None = None
    grid_multi_tf: GridMultiTfParams | None = None
    grid_funding: GridFundingParams | None = None
    grid_trend: GridTrendParams | None = None
    vwap_rsi: VwapRsiParams | None = None
    momentum: MomentumParams | None = None
    funding: FundingParams | None = None
    liquidation: LiquidationParams | None = None
    bollinger_mr: BollingerMrParams | None = None
    donchian_breakout: DonchianBreakoutParams | None = None
    supertrend: SupertrendParams | None = None

    def defined(self) -> dict[str, StrategyParams]:
        """Strategy name -> params, for the sections present in the file."""
        return {
            name: params for name in STRATEGY_PARAMS if (params := getattr(self, name)) is not None
        }


# The registry later code uses to validate ``--param KEY=VALUE`` and per-asset overrides.
STRATEGY_PARAMS: dict[str, type[StrategyParams]] = {
    "envelope_dca": EnvelopeDcaParams,
    "envelope_dca_short": EnvelopeDcaShortParams,
    "grid_atr": GridAtrParams,
    "grid_multi_tf": GridMultiTfParams,
    "grid_funding": GridFundingParams,
    "grid_trend": GridTrendParams,
    "vwap_rsi": VwapRsiParams,
    "momentum": MomentumParams,
    "funding": FundingParams,
    "liquidation": LiquidationParams,
    "bollinger_mr": BollingerMrParams,
    "donchian_breakout": DonchianBreakoutParams,
    "supertrend": SupertrendParams,
}

# Fields a per-asset override may not touch (they define the runner, not its tuning).
NOT_OVERRIDABLE: frozenset[str] = frozenset({"enabled", "timeframe", "per_asset"})
# Fields a walk-forward grid may not sweep (structure and risk, not signal parameters).
NOT_TUNABLE: frozenset[str] = NOT_OVERRIDABLE | {"leverage", "sides"}


# --- param_grids.yaml ------------------------------------------------------------------------


class WfoWindows(_Config):
    """Rolling walk-forward windows, in days.

    Parameters
    ----------
    is_days : int, default 180 (in-sample)
    oos_days : int, default 60 (out-of-sample)
    step_days : int, default 60 (shift between consecutive windows)
    embargo_days : int, default 7 (gap between each in-sample end and its out-of-sample start:
        the earlier system's value; no candle of the gap is traded or selected on, so an
        indicator state or an open grid carried over from the in-sample period cannot leak
        into the out-of-sample result)
    """

    is_days: Annotated[int, msgspec.Meta(ge=7, le=3650)] = 180
    oos_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 60
    step_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 60
    embargo_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 7


class WfoSettings(WfoWindows):
    """Walk-forward defaults.

    Parameters
    ----------
    (windows of ``WfoWindows``) and
    full_score_trades : int, default 30
        Each window selects the combination with the highest in-sample score
        ``IS Sharpe x min(1, IS trades / full_score_trades)``: a combination trading less than
        this in-sample has its Sharpe discounted (a handful of lucky trades is not an edge).
    validation_source : "perpetual", default "perpetual"
        Transfer validation runs on the USDT perpetual of the same asset (``Asset.perp_symbol``).
    overrides : dict[str, WfoWindows], default {}
        Strategy name -> its own windows (grid_funding uses 360/90/90).
    """

    full_score_trades: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 30
    validation_source: Literal["perpetual"] = "perpetual"
    overrides: dict[str, WfoWindows] = {}


class ParamGridsFile(_Config):
    """param_grids.yaml.

    Parameters
    ----------
    wfo : WfoSettings, default WfoSettings()
    grids : dict[str, dict[str, list]], default {}
        Strategy name -> parameter name -> values to sweep. The combination count is the
        product of the list lengths.
    """

    wfo: WfoSettings = msgspec.field(default_factory=WfoSettings)
    grids: dict[str, dict[str, list[Any]]] = {}


# --- assets.yaml -----------------------------------------------------------------------------


class Asset(_Config):
    """One tradable asset.

    Parameters
    ----------
    symbol : str, required (ccxt spot-style ``BASE/QUOTE``, the research candles)
    perp_symbol : str, required (ccxt ``BASE/QUOTE:SETTLE``, traded and used for validation)
    timeframes : tuple[str, ...], default ("1h",) (streamed live)
    strategies : tuple[str, ...], default () (restrict the asset to these; empty = any)
    """

    symbol: Symbol
    perp_symbol: PerpSymbol
    timeframes: Annotated[tuple[Timeframe, ...], msgspec.Meta(min_length=1)] = ("1h",)
    strategies: tuple[str, ...] = ()


class AssetsFile(_Config):
    """assets.yaml: ``assets``, the universe (symbols unique)."""

    assets: tuple[Asset, ...] = ()


# --- risk.yaml -------------------------------------------------------------------------------


# the kill-switch thresholds are the domain's own struct (frozen, kw_only, unknown keys
# refused, like every config struct): one declaration of the fields, bounds and defaults
KillSwitch = Limits


class RiskFile(_Config):
    """risk.yaml.

    Parameters
    ----------
    initial_capital : float, default 10000.0 (quote currency)
    max_margin_ratio : float, default 0.70 (global margin guard, 0.1..1.0 of capital)
    max_asset_allocation : float, default 0.25 (cap per asset, fraction of capital)
    max_leverage : int, default 20 (no strategy or override may exceed it)
    slippage_percent : float, default 0.05 (applied to taker fills)
    regime_filter_enabled : bool, default True
    kill_switch : KillSwitch, default KillSwitch() (``domain.kill_switch.Limits``)
    """

    initial_capital: PosFloat = 10_000.0
    max_margin_ratio: Annotated[float, msgspec.Meta(ge=0.1, le=1.0)] = 0.70
    max_asset_allocation: Annotated[float, msgspec.Meta(gt=0, le=1.0)] = 0.25
    max_leverage: Leverage = 20
    slippage_percent: Annotated[float, msgspec.Meta(ge=0, le=5)] = 0.05
    regime_filter_enabled: bool = True
    kill_switch: KillSwitch = msgspec.field(default_factory=KillSwitch)


# --- exchanges.yaml --------------------------------------------------------------------------


class Fees(_Config):
    """Trading fees in %: ``maker_percent`` (resting orders), ``taker_percent`` (market/stop)."""

    maker_percent: Annotated[float, msgspec.Meta(ge=-0.1, le=1)]
    taker_percent: Annotated[float, msgspec.Meta(ge=0, le=1)]


class RateLimit(_Config):
    """Client-side pacing.

    Parameters
    ----------
    min_interval_ms : int, default 100 (between REST calls; ccxt ``rateLimit``)
    max_retries : int, default 3 (on a network error or rate-limit answer)
    retry_backoff_s : float, default 2.0 (first wait; doubles per retry, capped at 30 s)
    ws_subscribe_batch : int, default 10 (websocket subscriptions per batch)
    ws_subscribe_pause_s : float, default 0.5 (pause between batches)
    """

    min_interval_ms: Annotated[int, msgspec.Meta(ge=0, le=60_000)] = 100
    max_retries: Annotated[int, msgspec.Meta(ge=0, le=20)] = 3
    retry_backoff_s: Annotated[float, msgspec.Meta(ge=0, le=600)] = 2.0
    ws_subscribe_batch: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 10
    ws_subscribe_pause_s: Annotated[float, msgspec.Meta(ge=0, le=60)] = 0.5


class Exchange(_Config):
    """One exchange as reached through ccxt.

    Parameters
    ----------
    fees : Fees, required
    funding_hours_utc : tuple[int, ...], default (0, 8, 16)
    margin_mode : "isolated" | "cross", default "isolated"
    position_mode : "one_way" | "hedge", default "one_way"
    rate_limit : RateLimit, default RateLimit()
    """

    fees: Fees
    funding_hours_utc: Annotated[tuple[HourUtc, ...], msgspec.Meta(min_length=1)] = (0, 8, 16)
    margin_mode: Literal["isolated", "cross"] = "isolated"
    position_mode: Literal["one_way", "hedge"] = "one_way"
    rate_limit: RateLimit = msgspec.field(default_factory=RateLimit)


class ExchangesFile(_Config):
    """exchanges.yaml.

    Parameters
    ----------
    trading_exchange : str, default "bitget" (paper/live venue; its fees price backtests)
    history_exchange : str, default "binance" (where research candles come from)
    exchanges : dict[str, Exchange], default {} (ccxt id -> settings)
    """

    trading_exchange: str = "bitget"
    history_exchange: str = "binance"
    exchanges: dict[str, Exchange] = {}


# --- all of it -------------------------------------------------------------------------------


class Settings(_Config):
    """The five files. An attribute path (``settings.risk.kill_switch``) is also the key path
    the loader reports problems with (``risk.kill_switch``)."""

    strategies: StrategiesFile
    param_grids: ParamGridsFile
    assets: AssetsFile
    risk: RiskFile
    exchanges: ExchangesFile


# Settings field -> file name, in load order.
FILES: dict[str, str] = {
    "strategies": "strategies.yaml",
    "param_grids": "param_grids.yaml",
    "assets": "assets.yaml",
    "risk": "risk.yaml",
    "exchanges": "exchanges.yaml",
}
