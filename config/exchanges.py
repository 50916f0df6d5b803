"""exchanges.yaml: the trading and history venues, their fees, funding hours and pacing."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from config.fields import ConfigStruct, HourUtc


class Fees(ConfigStruct):
    """Trading fees in %: ``maker_percent`` (resting orders), ``taker_percent`` (market/stop)."""

    maker_percent: Annotated[float, msgspec.Meta(ge=-0.1, le=1)]
    taker_percent: Annotated[float, msgspec.Meta(ge=0, le=1)]


class RateLimit(ConfigStruct):
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


class Exchange(ConfigStruct):
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


class ExchangesFile(ConfigStruct):
    """exchanges.yaml.

    Parameters
    ----------
    trading_exchange : str, default "bitget" (paper/live venue; its fees price backtests)
    history_exchange : str, default "binance" (where research candles come from)
    exchanges : dict[str, Exchange], default {} (ccxt id -> settings)
    """

    trading_exchange: str = "bitget"
    history_exchange: str = "binance"
    exchanges: dict[str, Exchange] = msgspec.field(default_factory=dict)
