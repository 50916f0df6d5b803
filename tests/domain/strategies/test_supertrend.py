"""supertrend: enter on a SuperTrend(3, x1) direction flip, leave on the opposite one.

Candles 0-3 are FLAT (hl2 100, true range 2, ATR 2): the bands start at 100 +/- 2 = 102 / 98 and
the direction at "up" (not a flip). Candle 4 = (100, 100, 96, 96.5): true range 4, ATR
(2 x 2 + 4) / 3 = 2.667, hl2 98; the lower band stays 98 (the new 95.33 is not higher) and the
close 96.5 < 98 flips the direction down: short signal at 4. The upper band drops to
98 + 2.667 = 100.667.
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

PARAMS = defaults("supertrend", atr_period=3, atr_multiplier=1.0)  # tp 4 %, sl 2 %
FLIP_DOWN = (100, 100, 96, 96.5)
# after a short entered at the open of 5 (96.5):
# candle 5: true range 1, ATR (2.667 x 2 + 1) / 3 = 2.111, hl2 96.5 -> upper band 98.611
# candle 6: true range 2.8, ATR 2.341, hl2 98.1 -> new band 100.44 is higher: stays 98.611;
#           the close 99.2 > 98.611 flips the direction up: long signal and exit signal at 6
FLIP_UP = [(96.5, 97, 96, 96.8), (96.8, 99.5, 96.7, 99.2)]


def test_flip_down_enters_short_at_the_next_open_and_takes_profit() -> None:
    # entry at the open of 5 (96.5); TP 96.5 x 0.96 = 92.64, reached by the low 92.5
    m = market([FLAT] * 4 + [FLIP_DOWN, (96.5, 96.8, 92.5, 92.8)])
    assert plan("supertrend", m, PARAMS).signal.tolist() == [0, 0, 0, 0, -1, 0]
    (t,) = trades("supertrend", m, PARAMS)
    assert (t.side, t.entry_ts, t.entry_price) == (-1, 5 * H, 96.5)
    assert (t.reason, t.exit_ts, t.exit_price) == ("tp", 5 * H, pytest.approx(92.64))
    assert t.pnl == pytest.approx(0.04 * NOTIONAL)  # 1000


def test_stop_loss() -> None:
    # short at 96.5, stop 96.5 x 1.02 = 98.43, reached by the high 98.6
    (t,) = trades("supertrend", market([FLAT] * 4 + [FLIP_DOWN, (96.5, 98.6, 96.4, 98.5)]), PARAMS)
    assert (t.reason, t.exit_ts, t.exit_price) == ("sl", 5 * H, pytest.approx(98.43))
    assert t.pnl == pytest.approx(-0.02 * NOTIONAL)  # -500


def test_the_opposite_flip_closes_the_short_and_opens_a_long() -> None:
    # stop widened to 5 % (101.325) so only the flip at 6 can close it: at the open of 7 (99.3)
    candles = [FLAT] * 4 + [FLIP_DOWN, *FLIP_UP, (99.3, 99.6, 99, 99.4)]
    p = replace(PARAMS, sl_percent=5.0)
    built = plan("supertrend", market(candles), p)
    assert built.signal.tolist() == [0, 0, 0, 0, -1, 0, 1, 0]
    assert built.exit_signal is not None
    assert [i for i, e in enumerate(built.exit_signal) if e] == [4, 6]
    short, long = trades("supertrend", market(candles), p)
    assert (short.reason, short.exit_ts, short.exit_price) == ("signal", 7 * H, 99.3)
    assert short.pnl == pytest.approx((96.5 - 99.3) * NOTIONAL / 96.5)  # -725.39
    assert (long.side, long.entry_ts, long.entry_price, long.reason) == (1, 7 * H, 99.3, "end")


def test_flip_up_enters_long_when_only_longs_are_allowed() -> None:
    # the short signal at 4 is filtered out; the flip up at 6 opens a long at the open of 7
    # (99.3); TP 99.3 x 1.04 = 103.272, reached by the high 103.4
    candles = [FLAT] * 4 + [FLIP_DOWN, *FLIP_UP, (99.3, 103.4, 99.2, 103.3)]
    (t,) = trades("supertrend", market(candles), replace(PARAMS, sides=("long",)))
    assert (t.side, t.entry_ts, t.entry_price) == (1, 7 * H, 99.3)
    assert (t.reason, t.exit_price) == ("tp", pytest.approx(103.272))
    assert t.pnl == pytest.approx(0.04 * NOTIONAL)


@pytest.mark.parametrize(
    "candles",
    [
        [FLAT] * 8,  # the first direction (up) is not a flip
        [FLAT] * 4 + [(100, 100, 98.2, 98.5), FLAT],  # 98.5 stays over the lower band 98
    ],
)
def test_no_flip_no_trade(candles) -> None:
    assert not plan("supertrend", market(candles), PARAMS).signal.any()
    assert trades("supertrend", market(candles), PARAMS) == []


def test_rows_do_not_depend_on_later_candles() -> None:
    assert_causal("supertrend", random_market(), PARAMS)
