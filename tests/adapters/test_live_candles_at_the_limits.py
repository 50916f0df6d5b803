"""The live feed and the paper trader's candle gate apply the same market-data rules as the
importer (issue 12): a streamed candle no read model could hold is dropped with a logged reason,
and reporting it never raises, whatever its time."""

from __future__ import annotations

import logging
import math

import pytest

from adapters.exchanges import live_feed
from adapters.text.timefmt import fmt_ts
from domain.candle_guard import CandleGuard
from domain.candles import MAX_TS
from domain.market import HOUR_MS, Market
from tests.stubs import T0

BTC = Market("bitget", "BTC/USDT", "1h")
GOOD = (T0, 100.0, 101.0, 99.0, 100.5, 1.0)
BAD = [
    (360_000_000_000_000_000_000_000_000, 100.0, 101.0, 99.0, 100.5, 1.0),  # beyond 64 bits
    (36_000_000_000_000_000_000, 100.0, 101.0, 99.0, 100.5, 1.0),  # year 1,142,764
    (MAX_TS, 100.0, 101.0, 99.0, 100.5, 1.0),
    (T0 + HOUR_MS, 100.0, 1e308, 99.0, 100.5, 1.0),
    (T0 + HOUR_MS, 100.0, 101.0, 99.0, 100.5, math.inf),
]


def test_the_feed_drops_candles_no_read_model_could_hold(caplog) -> None:
    caplog.set_level(logging.WARNING)
    assert live_feed._valid(BTC, [GOOD, *BAD]) == [GOOD]
    dropped = [r.getMessage() for r in caplog.records if "dropped a bad streamed" in r.getMessage()]
    assert len(dropped) == len(BAD)
    assert "ts=360000000000000000000000000" in dropped[0] and "outside 2009-01-01" in dropped[0]
    assert "high 1e+308 is above 1e+12" in dropped[3]


@pytest.mark.parametrize("row", BAD)
def test_the_paper_gate_rejects_them_and_keeps_its_place(row) -> None:
    guard = CandleGuard({"BTC": T0})
    problem = guard.check("BTC", row, HOUR_MS)
    assert problem is not None and guard.last_ts["BTC"] == T0


@pytest.mark.parametrize(
    ("ms", "shown"),
    [
        (T0, "2023-01-01 00:00"),
        (36_000_000_000_000_000, "ts=36000000000000000"),
        (360_000_000_000_000_000_000_000_000, "ts=360000000000000000000000000"),
        (None, "-"),
    ],
)
def test_a_time_no_date_holds_is_shown_as_its_number(ms, shown) -> None:
    assert fmt_ts(ms) == shown
