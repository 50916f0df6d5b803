"""donchian_breakout: close beyond the previous 3 candles' channel, exits in ATR(3) multiples.

Candles 0-3 are FLAT (high 101, low 99, true range 2): at candle 4 the channel of candles 1-3 is
99..101 and, as long as candle 4 also has a true range of 2, ATR = 2. With the default
multiples the take-profit is 3 x 2 = 6 and the stop 1.5 x 2 = 3 away from the signal close, as
fractions of it: 6 / close and 3 / close.
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

PARAMS = defaults("donchian_breakout", entry_lookback=3, atr_period=3)  # tp 3 ATR, sl 1.5 ATR
BREAKOUT = (100, 102, 100, 101.5)  # true range max(2, |102 - 100|, |100 - 100|) = 2


def test_breakout_enters_long_at_the_next_open_and_takes_profit_three_atr_higher() -> None:
    # 101.5 > 101: long signal at 4, entry at the open of 5 (101.5); TP 101.5 + 6 = 107.5
    m = market([FLAT] * 4 + [BREAKOUT, (101.5, 107.7, 101.3, 107.6)])
    built = plan("donchian_breakout", m, PARAMS)
    assert built.signal.tolist() == [0, 0, 0, 0, 1, 1]  # 107.6 > 102 breaks out again at 5
    assert built.tp_offset[4] == pytest.approx(6 / 101.5)
    assert built.sl_offset[4] == pytest.approx(3 / 101.5)
    (t,) = trades("donchian_breakout", m, PARAMS)
    assert (t.side, t.entry_ts, t.entry_price) == (1, 5 * H, 101.5)
    assert (t.reason, t.exit_ts, t.exit_price) == ("tp", 5 * H, pytest.approx(107.5))
    assert t.pnl == pytest.approx(6 * NOTIONAL / 101.5)  # 1477.83


def test_exits_are_fractions_of_the_signal_close_applied_to_the_fill() -> None:
    # entry gaps to 102: TP 102 x (1 + 6 / 101.5) = 108.0296, not 102 + 6
    m = market([FLAT] * 4 + [BREAKOUT, (102, 108.1, 101.9, 108)])
    (t,) = trades("donchian_breakout", m, PARAMS)
    assert (t.entry_price, t.reason) == (102.0, "tp")
    assert t.exit_price == pytest.approx(102 * (1 + 6 / 101.5))


def test_stop_loss_one_and_a_half_atr_lower() -> None:
    # entry 101.5, stop 101.5 - 3 = 98.5, reached by the low 98
    m = market([FLAT] * 4 + [BREAKOUT, (101.5, 101.6, 98, 98.4)])
    (t,) = trades("donchian_breakout", m, PARAMS)
    assert (t.reason, t.exit_ts, t.exit_price) == ("sl", 5 * H, pytest.approx(98.5))
    assert t.pnl == pytest.approx(-3 * NOTIONAL / 101.5)  # -738.92


def test_breakdown_enters_short() -> None:
    # 98.5 < 99 (true range 2 again): short at the open of 5 (98.5); TP 98.5 - 6 = 92.5
    m = market([FLAT] * 4 + [(100, 100, 98, 98.5), (98.5, 98.6, 92.3, 92.4)])
    (t,) = trades("donchian_breakout", m, PARAMS)
    assert (t.side, t.entry_ts, t.entry_price) == (-1, 5 * H, 98.5)
    assert (t.reason, t.exit_price) == ("tp", pytest.approx(92.5))
    assert t.pnl == pytest.approx(6 * NOTIONAL / 98.5)


def test_an_opposite_breakout_reverses_the_position() -> None:
    # long from the open of 5 (stop 98.5). Candle 6 closes 98.6 under the low 99 of candles 3-5
    # without reaching the stop: the long closes at the open of 7 (98.6) and a short opens there
    candles = [FLAT] * 4 + [BREAKOUT, (101.5, 102, 100.5, 101), (101, 101, 98.55, 98.6),
                            (98.6, 98.8, 98.4, 98.7)]  # fmt: skip
    first, second = trades("donchian_breakout", market(candles), PARAMS)
    assert (first.side, first.reason, first.exit_ts, first.exit_price) == (
        1,
        "reverse",
        7 * H,
        98.6,
    )
    assert first.pnl == pytest.approx((98.6 - 101.5) * NOTIONAL / 101.5)
    assert (second.side, second.entry_ts, second.entry_price) == (-1, 7 * H, 98.6)


@pytest.mark.parametrize(
    ("candle", "atr_period"),
    [
        ((100, 102, 100, 101.0), 3),  # closing at the channel high is not above it
        ((100, 103, 100, 100.8), 3),  # the own high 103 is not in the channel: 100.8 < 101
        (BREAKOUT, 6),  # a breakout, but ATR(6) is first known at candle 5: no exits, no trade
    ],
)
def test_no_signal(candle, atr_period) -> None:
    p = replace(PARAMS, atr_period=atr_period)
    m = market([FLAT] * 4 + [candle, FLAT])
    assert not plan("donchian_breakout", m, p).signal.any()
    assert trades("donchian_breakout", m, p) == []


def test_rows_do_not_depend_on_later_candles() -> None:
    assert_causal("donchian_breakout", random_market(), PARAMS)
