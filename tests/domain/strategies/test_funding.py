"""funding: fade the crowd when the settled funding rate turns extreme (threshold 0.0003).

15-minute candles, QUIET around 100 (range 99.9 .. 100.1) so that only the chosen candles reach
the exits. ``funding={i: rate}`` settles ``rate`` at the open of candle i; the rate is known at
its close, so the signal is on candle i and the entry at the open of i+1.
"""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from domain.strategies.funding import warmup
from tests.domain.strategies.mono_scenarios import (
    NOTIONAL,
    assert_causal,
    defaults,
    market,
    plan,
    random_market,
    trades,
)

M15 = 900_000
PARAMS = defaults("funding")  # threshold 0.0003, tp 0.4 %, sl 0.2 %, max hold 32
QUIET = (100, 100.1, 99.9, 100)


def test_high_funding_enters_short_at_the_next_open_and_takes_profit() -> None:
    # 0.0005 > 0.0003 settles at candle 2: short at the open of 3 (100); TP 99.6, reached by the
    # low 99.5 of candle 4. The rate stays 0.0005 afterwards, but only its edge signals: one trade
    m = market([QUIET] * 4 + [(100, 100.1, 99.5, 99.6)] + [QUIET] * 3, funding={2: 0.0005},
               tf_ms=M15)  # fmt: skip
    assert plan("funding", m, PARAMS).signal.tolist() == [0, 0, -1, 0, 0, 0, 0, 0]
    (t,) = trades("funding", m, PARAMS)
    assert (t.side, t.entry_ts, t.entry_price) == (-1, 3 * M15, 100.0)
    assert (t.reason, t.exit_ts, t.exit_price) == ("tp", 4 * M15, pytest.approx(99.6))
    assert t.pnl == pytest.approx(0.004 * NOTIONAL)  # 100


def test_stop_loss() -> None:
    # short at 100, stop 100.2, reached by the high 100.3 of candle 4
    m = market([QUIET] * 4 + [(100, 100.3, 99.9, 100.2)], funding={2: 0.0005}, tf_ms=M15)
    (t,) = trades("funding", m, PARAMS)
    assert (t.reason, t.exit_ts, t.exit_price) == ("sl", 4 * M15, pytest.approx(100.2))
    assert t.pnl == pytest.approx(-0.002 * NOTIONAL)  # -50


def test_time_exit_and_the_funding_the_short_collects() -> None:
    # short entered at the open of 3 (qty 25 000 / 100 = 250); max hold 4 -> closed at the open of
    # 7 (99.9): gross 0.1 x 250 = 25. The settlement of 0.0005 at candle 6 pays the short
    # 0.0005 x 250 x 100 = 12.5 (not a new edge: the rate was already extreme)
    candles = [QUIET] * 7 + [(99.9, 100, 99.8, 99.9)]
    m = market(candles, funding={2: 0.0005, 6: 0.0005}, tf_ms=M15)
    (t,) = trades("funding", m, replace(PARAMS, max_hold_candles=4))
    assert (t.reason, t.entry_ts, t.exit_ts, t.exit_price) == ("time", 3 * M15, 7 * M15, 99.9)
    assert t.funding == pytest.approx(-12.5)
    assert t.pnl == pytest.approx(25 + 12.5)


def test_negative_funding_enters_long() -> None:
    # -0.0005 < -0.0003: long at the open of 3 (100); TP 100.4, reached by the high 100.5
    m = market([QUIET] * 4 + [(100, 100.5, 99.9, 100.4)], funding={2: -0.0005}, tf_ms=M15)
    (t,) = trades("funding", m, PARAMS)
    assert (t.side, t.entry_ts, t.entry_price, t.reason) == (1, 3 * M15, 100.0, "tp")
    assert t.pnl == pytest.approx(0.004 * NOTIONAL)


def test_only_the_candle_where_the_rate_becomes_extreme_signals() -> None:
    # settlements: 2 -> 0.0005 (edge), 6 -> 0.0006 (still extreme), 10 -> 0.0001 (back to normal),
    # 14 -> 0.0005 (edge again)
    funding = {2: 0.0005, 6: 0.0006, 10: 0.0001, 14: 0.0005}
    signal = plan("funding", market([QUIET] * 16, funding=funding, tf_ms=M15), PARAMS).signal
    assert [i for i, s in enumerate(signal) if s] == [2, 14]
    assert signal[2] == signal[14] == -1


def test_moderate_funding_does_not_trigger() -> None:
    # 0.0003 is not above the threshold, -0.0002 not below its opposite
    m = market([QUIET] * 10, funding={2: 0.0003, 6: -0.0002}, tf_ms=M15)
    assert not plan("funding", m, PARAMS).signal.any()
    assert trades("funding", m, PARAMS) == []


def test_warmup_covers_one_funding_interval() -> None:
    assert warmup(PARAMS) == 32 + 1  # 8 h of 15 m candles (default timeframe), plus one
    assert warmup(replace(PARAMS, timeframe="1h")) == 8 + 1


def test_rows_do_not_depend_on_later_candles() -> None:
    assert_causal("funding", random_market(n=200), PARAMS, warmup=False)  # data-driven
