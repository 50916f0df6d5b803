"""Use case: backtest one strategy on one stored market, with the settings of the config files.

Parameters are the strategy's config section, then its ``per_asset`` override for the symbol, then
the ``--param`` overrides, each validated by the config rules. Costs are the trading exchange's
fees (the venue the strategy would trade on) and the risk file's slippage. Funding comes from the
perpetual of the same asset on the same exchange when it is stored (a spot history trades as the
perpetual would); so does open interest, for the strategies that need it, each candle seeing the
last sample known at its close. The engines obey the contract of the perpetual the trading venue
would trade (``adapters.services.traded_contract``): its stored spec (``data import
<venue>-specs.csv`` or ``data fetch --specs``) is required unless the request waives it
(``--no-specs``), and the report names it. Decisions are saved to an in-memory event store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np

from adapters.exchanges.venues import VENUES
from adapters.services.traded_contract import MissingSpecError, TradedContract, VenueContracts
from adapters.store.event_store import open_store
from config.loader import check_param
from config.settings import Settings
from domain.backtest import Account, BacktestResult, run_backtest
from domain.execution import Costs
from domain.market import MarketError, check_symbol, perpetual_of, timeframe_ms
from domain.strategies import strategy as strategy_spec
from domain.strategies.plans import MarketArrays, funding_at_candles, series_at_close
from projections.market_data import MarketDataReader


class BacktestInputError(ValueError):
    """Bad strategy, parameter, symbol or period: reported in one line (CLI exit code 2)."""


@dataclass(frozen=True, slots=True)
class BacktestRequest:
    strategy: str
    symbol: str
    timeframe: str | None = None
    exchange: str = "binance"
    start_ms: int | None = None
    end_ms: int | None = None
    overrides: tuple[tuple[str, str], ...] = ()
    no_specs: bool = False  # run under ``Contract()`` rather than refuse a market without spec


@dataclass(frozen=True, slots=True)
class BacktestRun:
    request: BacktestRequest
    timeframe: str
    params: dict[str, Any]  # as ``strategy_params`` merged them: what the report shows
    result: BacktestResult
    funding_series: str | None
    open_interest_series: str | None
    contract: TradedContract  # the rules the engines obeyed


@dataclass(frozen=True, slots=True)
class LoadedMarket:
    """A market ready to trade: its arrays (``market.contract`` the traded contract's rules),
    the first candle that may trade, the series each aligned input came from (``{"funding":
    label, ...}``) and the contract with its provenance."""

    market: MarketArrays
    start: int
    sources: dict[str, str]
    contract: TradedContract


def strategy_params(settings: Settings, request: BacktestRequest) -> dict[str, Any]:
    """The strategy's section, its per-asset override for the symbol, then the ``--param``
    overrides, as a mapping: what reports show and events store (``StrategySpec.parse`` makes
    the struct the engines take)."""
    section = getattr(settings.strategies, request.strategy, None)
    if section is None:
        raise BacktestInputError(f"strategy {request.strategy!r} has no section in strategies.yaml")
    params = msgspec.structs.asdict(section)
    params.update(section.per_asset.get(request.symbol, {}))
    for key, text in request.overrides:
        value = _parse_value(text)
        reason = check_param(request.strategy, key, value)
        if reason:
            raise BacktestInputError(f"--param {key}={text}: {reason}")
        params[key] = value
    return params


def _parse_value(text: str) -> Any:
    try:
        return msgspec.yaml.decode(text.encode())
    except msgspec.DecodeError:
        return text


def run(settings: Settings, reader: MarketDataReader, request: BacktestRequest) -> BacktestRun:
    try:
        spec = strategy_spec(request.strategy)
    except KeyError as exc:
        raise BacktestInputError(exc.args[0]) from None
    params = strategy_params(settings, request)
    parsed = spec.parse(params)
    timeframe = request.timeframe or parsed.timeframe
    contracts = VenueContracts.of(settings, request.no_specs)
    loaded = load_market(reader, request, timeframe, spec.warmup(parsed), spec.needs, contracts)
    market, sources = loaded.market, loaded.sources
    missing = [need for need in spec.needs if need != "funding" and need not in market.extras]
    if missing:
        hint = _open_interest_hint(request, timeframe) if "open_interest" in missing else ""
        raise BacktestInputError(
            f"{request.strategy} needs {', '.join(missing)} history: none stored{hint}"
        )
    if "funding" in spec.needs and "funding" not in sources:
        raise BacktestInputError(f"{request.strategy} needs funding rates: none stored")
    result = run_backtest(
        market,
        request.strategy,
        request.symbol,
        parsed,
        costs(settings),
        account(settings),
        start=loaded.start,
        save=_memory_store_save(),
    )
    return BacktestRun(
        request,
        timeframe,
        params,
        result,
        sources.get("funding"),
        sources.get("open_interest"),
        loaded.contract,
    )


def load_market(
    reader: MarketDataReader,
    request: BacktestRequest,
    timeframe: str,
    warmup: int,
    needs: tuple[str, ...],
    contracts: VenueContracts,
    min_period: int = 2,
) -> LoadedMarket:
    """Candles of the period plus the whole stored history before it, the index of the first
    candle that may trade (at least ``warmup`` candles in), the series each aligned input came
    from, and the contract ``contracts`` gives the symbol (``BacktestInputError`` when its spec
    is not stored). The period must hold ``min_period`` candles (0: live trading starts before
    its first candle exists; the warm-up must still be there).

    The whole history, not just ``warmup`` candles: running indicators (EMA, ATR, running-sum
    SMA) depend on every earlier candle, and the walk-forward simulates each window on the
    full history before it, so ``backtest --from`` over a window reproduces its figures."""
    try:  # an empty symbol or timeframe would match any stored series
        check_symbol(request.symbol)
        timeframe_ms(timeframe)
    except MarketError as exc:
        raise BacktestInputError(str(exc)) from None
    info = reader.find(request.exchange, request.symbol, timeframe)
    if info is None:
        raise BacktestInputError(
            f"no {timeframe} candles of {request.symbol} on {request.exchange}: import or fetch "
            "some first"
        )
    candles = reader.candles(info.series_id, end=request.end_ms)
    first = int(np.searchsorted(candles.ts, request.start_ms)) if request.start_ms else 0
    start = max(first, warmup)
    if len(candles) - start < min_period or len(candles) < warmup:
        raise BacktestInputError(
            f"too few candles: {len(candles) - first} in the period, the strategy needs {warmup} "
            "before its first decision"
        )
    tf_ms = timeframe_ms(timeframe)
    ts = candles.ts
    sources: dict[str, str] = {}
    funding, funding_name = _funding(reader, request, ts, tf_ms)
    if funding_name is not None:
        sources["funding"] = funding_name
    extras: dict[str, np.ndarray] = {}
    if "open_interest" in needs:
        found = _open_interest(reader, request, timeframe, ts)
        if found is not None:
            extras["open_interest"], sources["open_interest"] = found
    try:
        traded = contracts.traded(reader, request.symbol)
    except MissingSpecError as exc:
        raise BacktestInputError(str(exc)) from None
    market = MarketArrays(
        ts,
        candles.open,
        candles.high,
        candles.low,
        candles.close,
        candles.volume,
        tf_ms,
        funding,
        extras,
        traded.contract,
    )
    return LoadedMarket(market, start, sources, traded)


def _funding(reader: MarketDataReader, request: BacktestRequest, ts: np.ndarray, tf_ms: int):
    info = reader.find(request.exchange, perpetual_of(request.symbol))
    if info is None:
        return np.full(len(ts), np.nan), None
    series = reader.funding(info.series_id)
    return funding_at_candles(ts, series.ts, series.rate, tf_ms), info.label


def _open_interest(
    reader: MarketDataReader, request: BacktestRequest, timeframe: str, ts: np.ndarray
) -> tuple[np.ndarray, str] | None:
    """Open interest of the perpetual, as known at each candle's close (NaN before any sample).

    The series sampled at the candles' own period is preferred, else the finest one stored:
    the alignment is causal whatever the period, a finer one is just fresher.
    """
    perp = perpetual_of(request.symbol)
    stored = [
        info
        for info in reader.series(kind="open_interest", symbol=perp)
        if info.exchange == request.exchange
    ]
    if not stored:
        return None
    info = min(stored, key=lambda s: (s.timeframe != timeframe, timeframe_ms(s.timeframe)))
    series = reader.open_interest(info.series_id)
    return series_at_close(ts, series.ts, series.amount, timeframe_ms(timeframe)), info.label


def _open_interest_hint(request: BacktestRequest, timeframe: str) -> str:
    """How to get the missing open interest (or why this exchange cannot give it)."""
    perp = perpetual_of(request.symbol)
    command = (
        f"scalp-radar data fetch --exchange {request.exchange} --symbol {perp} "
        f"--open-interest --since YYYY-MM-DD --timeframe {timeframe}"
    )
    caps = VENUES.get(request.exchange)
    unknown = f"{request.exchange} is not an exchange data fetch knows"
    problem = caps.open_interest_problem(timeframe) if caps else unknown
    return f"; fetch it with '{command}'" + (f" (but {problem})" if problem else "")


def costs(settings: Settings) -> Costs:
    venue = settings.exchanges.exchanges[settings.exchanges.trading_exchange]
    return Costs.from_percent(
        venue.fees.maker_percent, venue.fees.taker_percent, settings.risk.slippage_percent
    )


def account(settings: Settings) -> Account:
    risk = settings.risk
    return Account(risk.initial_capital, risk.max_margin_ratio, risk.max_asset_allocation, 1)


def _memory_store_save():
    store = open_store(memory=True)
    return lambda events: store.save(*events)
