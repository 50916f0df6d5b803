"""bollinger_mr: buy a close under the lower band, sell one over the upper band, out at the middle.

Bands over 3 closes at 1 population standard deviation. Candles 0-2 are FLAT (close 100). A
close of 97 at candle 3 makes the window 100, 100, 97: mean 99, std sqrt((1 + 1 + 4) / 3) = 1.414,
lower band 97.586 > 97: long signal. (A lone outlier in a 3-close window always sits exactly
sqrt(2) = 1.414 standard deviations from the mean.)
"""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from tests.domain.strategies.mono_scenarios import (
    FLAT,
    NOTIONAL,
    H,
    assert_causal,
    defaults,
    market,
    plan,
    random_market,
    trades,
)

PARAMS = defaults("bollinger_mr", bb_period=3, bb_std=1.0)  # sl 5 %, max hold 48
DROP = (100, 100, 96.5, 97)


def test_close_under_the_lower_band_enters_long_and_exits_after_the_middle_band_cross() -> None:
    # long signal at 3, entry at the open of 4 (97). Candle 4 closes 100: window 100, 97, 100,
    # middle 99, the close went from under it (97 < 99) to over it: exit signal at 4 (and 100 is
    # under the upper band 99 + 1.414: no short). Exit at the open of 5: 100.2
    m = market([FLAT] * 3 + [DROP, (97, 100.5, 96.8, 100), (100.2, 101, 99.5, 100)])
    built = plan("bollinger_mr", m, PARAMS)
    assert built.signal.tolist() == [0, 0, 0, 1, 0, 0]
    assert built.exit_signal is not None
    assert built.exit_signal.tolist() == [False, False, False, False, True, False]
    assert (built.tp_offset != built.tp_offset).all()  # NaN: no take-profit order
    (t,) = trades("bollinger_mr", m, PARAMS)
    assert (t.side, t.entry_ts, t.entry_price) == (1, 4 * H, 97.0)
    assert (t.reason, t.exit_ts, t.exit_price) == ("signal", 5 * H, 100.2)
    assert t.pnl == pytest.approx(3.2 * NOTIONAL / 97)  # 824.74


def test_stop_loss() -> None:
    # entry 97, stop 97 x 0.95 = 92.15, reached by the low 92 of candle 4
    (t,) = trades("bollinger_mr", market([FLAT] * 3 + [DROP, (97, 97.5, 92, 93)]), PARAMS)
    assert (t.reason, t.exit_ts, t.exit_price) == ("sl", 4 * H, pytest.approx(92.15))
    assert t.pnl == pytest.approx(-0.05 * NOTIONAL)  # -1250


def test_time_exit() -> None:
    # max hold 1: the long entered at the open of 4 (97) closes at the open of 5 (97.5); candle 4
    # stays under the middle band (window 100, 97, 97.5: middle 98.17)
    m = market([FLAT] * 3 + [DROP, (97, 97.8, 96.8, 97.5), (97.5, 97.6, 97.3, 97.4)])
    (t,) = trades("bollinger_mr", m, replace(PARAMS, max_hold_candles=1))
    assert (t.reason, t.entry_ts, t.exit_ts, t.exit_price) == ("time", 4 * H, 5 * H, 97.5)
    assert t.pnl == pytest.approx(0.5 * NOTIONAL / 97)


def test_close_over_the_upper_band_enters_short() -> None:
    # candle 3 closes 103: mean 101, upper band 102.414: short at the open of 4 (103). Candle 4
    # closes 100 under the middle 101: exit at the open of 5 (99.8)
    m = market(
        [FLAT] * 3 + [(100, 103.5, 100, 103), (103, 103.2, 99.5, 100), (99.8, 100, 99, 99.5)]
    )
    (t,) = trades("bollinger_mr", m, PARAMS)
    assert (t.side, t.entry_ts, t.entry_price) == (-1, 4 * H, 103.0)
    assert (t.reason, t.exit_price) == ("signal", 99.8)
    assert t.pnl == pytest.approx(3.2 * NOTIONAL / 103)  # 776.70


@pytest.mark.parametrize(
    "candles",
    [
        [FLAT] * 6,  # no spread at all: bands = middle = close
        [FLAT] * 3 + [DROP, FLAT],  # the drop at 1.5 bands: 97 sits 1.414 std under the mean
    ],
)
def test_no_signal_inside_the_bands(candles) -> None:
    p = replace(PARAMS, bb_std=1.5)
    assert not plan("bollinger_mr", market(candles), p).signal.any()
    assert trades("bollinger_mr", market(candles), p) == []


def test_rows_do_not_depend_on_later_candles() -> None:
    assert_causal("bollinger_mr", random_market(), replace(PARAMS, bb_period=10))
