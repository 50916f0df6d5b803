"""Is a market's data still flowing? One rule (``is_stale``) for the watchdog of a trading
process, the heartbeat and ``/healthz``, and the facts the watchdog records when a market goes
stale and when its data flows again (once per change, not per check)."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from domain.facts import Fact

STALE_PERIODS = 2  # a market whose newest candle closed longer ago than this many periods


def is_stale(last_open_ts: int | None, period_ms: int, now: int) -> bool:
    """The newest candle (opened at ``last_open_ts``) closed more than ``STALE_PERIODS``
    periods before ``now``, or there is none."""
    return last_open_ts is None or now - (last_open_ts + period_ms) > STALE_PERIODS * period_ms


def watchdog_log_id(portfolio: str) -> UUID:
    """One log per portfolio: its process, holding the writer lock, is the log's one writer."""
    return uuid5(NAMESPACE_URL, f"/watchdog/{portfolio}")


class DataStale(Fact):
    """``symbol``'s ``timeframe`` candles on ``exchange`` stopped: the newest opened at
    ``last_ts`` (0: none stored); seen at ``ts`` (wall time, ms) by ``portfolio``'s process."""

    TOPIC = "scalp_radar:DataStale"
    portfolio: str
    exchange: str
    symbol: str
    timeframe: str
    last_ts: int
    ts: int


class DataFresh(Fact):
    """The market's data flows again (its newest candle is recent), seen at ``ts``."""

    TOPIC = "scalp_radar:DataFresh"
    portfolio: str
    exchange: str
    symbol: str
    timeframe: str
    last_ts: int
    ts: int
