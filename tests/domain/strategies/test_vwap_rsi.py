"""vwap_rsi: a close > 0.2 % away from the session VWAP with an extreme RSI(3) fades back.

5-minute candles from 00:00 UTC (one VWAP session), volume 1, so the VWAP is the running mean of
the typical prices (h + l + c) / 3. Candles 0-3 are FLAT: typical price 100, no change, RSI 50.
"""

from __future__ import annotations

import pytest

from tests.domain.strategies.mono_scenarios import (
    FLAT,
    NOTIONAL,
    assert_causal,
    defaults,
    market,
    plan,
    random_market,
    trades,
)

M5 = 300_000
PARAMS = defaults("vwap_rsi", rsi_period=3)  # RSI < 30 / > 70, 0.2 %, tp 0.6 %, sl 0.3 %
# candle 4: typical price 99.5, VWAP (4 x 100 + 99.5) / 5 = 99.9, close 99.5 is 0.40 % below;
# RSI: average gain 0, average loss (0 x 2 + 0.5) / 3 > 0 -> RSI 0 < 30: long signal
DIP = (100, 100, 99, 99.5)


def test_dip_below_vwap_with_low_rsi_enters_long_at_the_next_open_and_takes_profit() -> None:
    # entry at the open of 5 (99.5); TP 99.5 x 1.006 = 100.097, the high 100.2 reaches it
    m = market([FLAT] * 4 + [DIP, (99.5, 100.2, 99.4, 100.1)], tf_ms=M5)
    assert plan("vwap_rsi", m, PARAMS).signal.tolist() == [0, 0, 0, 0, 1, 0]
    (t,) = trades("vwap_rsi", m, PARAMS)
    assert (t.side, t.entry_ts, t.entry_price) == (1, 5 * M5, 99.5)
    assert (t.reason, t.exit_ts, t.exit_price) == ("tp", 5 * M5, pytest.approx(100.097))
    assert t.pnl == pytest.approx(0.006 * NOTIONAL)  # 150


def test_stop_loss() -> None:
    # entry 99.5, stop 99.5 x 0.997 = 99.2015, the low 99.1 of candle 5 reaches it
    m = market([FLAT] * 4 + [DIP, (99.5, 99.6, 99.1, 99.2)], tf_ms=M5)
    (t,) = trades("vwap_rsi", m, PARAMS)
    assert (t.reason, t.exit_ts, t.exit_price) == ("sl", 5 * M5, pytest.approx(99.2015))
    assert t.pnl == pytest.approx(-0.003 * NOTIONAL)  # -75


def test_spike_above_vwap_with_high_rsi_enters_short() -> None:
    # candle 4: typical 100.5, VWAP 100.1, close 100.5 is 0.40 % above, RSI 100 > 70: short;
    # entry 100.5 at the open of 5, TP 100.5 x 0.994 = 99.897
    m = market([FLAT] * 4 + [(100, 101, 100, 100.5), (100.5, 100.6, 99.8, 99.9)], tf_ms=M5)
    (t,) = trades("vwap_rsi", m, PARAMS)
    assert (t.side, t.entry_ts, t.entry_price) == (-1, 5 * M5, 100.5)
    assert (t.reason, t.exit_price) == ("tp", pytest.approx(99.897))
    assert t.pnl == pytest.approx(0.006 * NOTIONAL)


def test_a_shallow_dip_does_not_trigger() -> None:
    # candle 4: typical (100 + 99.7 + 99.9) / 3 = 99.867, VWAP 99.973, close 99.9 only 0.07 % below
    # (the RSI is 0, but the deviation gate is closed)
    m = market([FLAT] * 4 + [(100, 100, 99.7, 99.9), FLAT], tf_ms=M5)
    assert not plan("vwap_rsi", m, PARAMS).signal.any()
    assert trades("vwap_rsi", m, PARAMS) == []


def test_below_vwap_but_rsi_recovered_does_not_trigger() -> None:
    # closes 100, 100, 96, 97, 97.5. Candle 3: gains/losses of d1..d3 = 0, -4, +1 -> avg gain 1/3,
    # loss 4/3, RSI 100 - 100 / 1.25 = 20; VWAP (100 + 100 + 97.167 + 96.7) / 4 = 98.467, close
    # 97 is 1.5 % below: long signal. Candle 4: gain (2/3 + 0.5) / 3 = 0.389, loss (8/3) / 3 =
    # 0.889, RSI 100 - 100 / 1.4375 = 30.4 >= 30; close 97.5 still 0.75 % below the VWAP 98.24:
    # no signal
    candles = [FLAT, FLAT, (100, 100, 95.5, 96), (96, 97.2, 95.9, 97), (97, 97.6, 96.9, 97.5)]
    assert plan("vwap_rsi", market(candles, tf_ms=M5), PARAMS).signal.tolist() == [0, 0, 0, 1, 0]


def test_rows_do_not_depend_on_later_candles() -> None:
    assert_causal("vwap_rsi", random_market(), PARAMS)  # hourly: 5 VWAP sessions
