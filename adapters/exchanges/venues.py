"""What each supported exchange allows when backfilling public market data.

One frozen record per venue (the freqtrade ``_ft_has`` idea): the fetcher reads limits from here
instead of branching on exchange names. Figures are the venues' documented limits as encoded by
ccxt 4.5.90 (``bitget.fetch_ohlcv`` / ``binance.fetch_ohlcv``, their funding-history methods and
``binance.fetch_open_interest_history``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

HOUR_MS = 3_600_000
DAY_MS = 86_400_000

# How a venue pages its funding history: "forward" = ``startTime`` + ``limit`` (oldest first);
# "pages" = ``pageNo`` + ``pageSize`` counting back from the newest settlement (no start time).
FundingPaging = Literal["forward", "pages"]


class UnknownVenueError(ValueError):
    """An exchange name this project has no capability record for."""


@dataclass(frozen=True, slots=True)
class VenueCaps:
    name: str
    ccxt_class: str
    candle_limit_recent: int  # candles per call while the page is recent
    candle_limit_history: int  # candles per call once the page is older than history_after_days
    history_after_days: int | None  # None: one endpoint serves all history
    max_window_days: int | None  # widest startTime..endTime span one call may ask for
    funding: bool
    funding_limit: int  # settlements per call
    funding_paging: FundingPaging
    market_types: tuple[str, ...]  # ccxt ``options['fetchMarkets']['types']`` to load
    open_interest_limit: int | None  # samples per call; None: ccxt has no history for this venue
    open_interest_days: int | None  # the venue serves only this many recent days (None: all)
    open_interest_timeframes: tuple[str, ...]  # sample periods the venue knows
    # whether ccxt's ``fetch_market_leverage_tiers`` (a perpetual's maintenance-margin tiers)
    # is a public call here, so ``data fetch --specs`` can record the tiers without API keys
    public_tiers: bool

    def open_interest_problem(self, timeframe: str) -> str | None:
        """Why open-interest history at ``timeframe`` cannot be fetched here, or ``None``."""
        if self.open_interest_limit is None:
            return f"{self.name} has no open-interest history in ccxt"
        if timeframe not in self.open_interest_timeframes:
            known = ", ".join(self.open_interest_timeframes)
            return f"{self.name} open interest comes in periods of {known}, not {timeframe}"
        return None

    def open_interest_oldest(self, now_ms: int) -> int | None:
        """Oldest sample time worth asking for, an hour inside the venue's window so a few
        seconds of clock difference never push the first call out of it (None: no bound)."""
        if self.open_interest_days is None:
            return None
        return now_ms - self.open_interest_days * DAY_MS + HOUR_MS

    def candle_limit(self, start_ms: int, now_ms: int, tf_ms: int) -> int:
        """Candles to ask for in one call whose first candle opens at ``start_ms``."""
        recent = (
            self.history_after_days is None or start_ms > now_ms - self.history_after_days * DAY_MS
        )
        limit = self.candle_limit_recent if recent else self.candle_limit_history
        if self.max_window_days is not None:
            limit = min(limit, max(1, self.max_window_days * DAY_MS // tf_ms))
        return limit


VENUES: dict[str, VenueCaps] = {
    "binance": VenueCaps(
        name="binance",
        ccxt_class="binance",
        candle_limit_recent=1000,  # /api/v3/klines and /fapi/v1/klines (ccxt caps at 1000)
        candle_limit_history=1000,
        history_after_days=None,
        max_window_days=None,
        funding=True,
        funding_limit=1000,  # /fapi/v1/fundingRate
        funding_paging="forward",
        # Inverse (dapi) and option markets are never used here; skipping them saves calls.
        market_types=("spot", "linear"),
        # /futures/data/openInterestHist: at most 500 per call, and only the last 30 days are
        # served (an older startTime is refused with -1130). No 1m period (ccxt refuses it).
        open_interest_limit=500,
        open_interest_days=30,
        open_interest_timeframes=("5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d"),
        # ccxt 4.5.90 binance: the tiers come from /fapi/v1/leverageBracket, a signed call
        public_tiers=False,
    ),
    "bitget": VenueCaps(
        name="bitget",
        ccxt_class="bitget",
        candle_limit_recent=1000,  # /api/v2/{spot,mix}/market/candles
        candle_limit_history=200,  # /api/v2/{spot,mix}/market/history-candles
        # ccxt switches to history-candles once `since` is older than 29 days (1m..30m; 59 for
        # 1h, more for longer timeframes) by ITS clock. 28 keeps a day of slack, so a page we
        # size as "recent" is never sent to the 200-candle history endpoint.
        history_after_days=28,
        # Contract candles allow at most 90 days between startTime and endTime; ccxt's
        # per-timeframe caps (e.g. 90 daily swap candles) all sit at or above this bound.
        max_window_days=90,
        funding=True,
        funding_limit=100,  # /api/v2/mix/market/history-fund-rate pageSize
        funding_paging="pages",
        market_types=("spot", "swap"),
        # ccxt 4.5.90 bitget: has['fetchOpenInterestHistory'] is False (only the current value).
        open_interest_limit=None,
        open_interest_days=None,
        open_interest_timeframes=(),
        # ccxt 4.5.90 bitget: fetch_market_leverage_tiers of a swap is the public
        # /api/v2/mix/market/query-position-lever (one call per contract)
        public_tiers=True,
    ),
}


def venue(name: str) -> VenueCaps:
    try:
        return VENUES[name]
    except KeyError:
        known = ", ".join(sorted(VENUES))
        raise UnknownVenueError(f"unsupported exchange {name!r} (supported: {known})") from None
