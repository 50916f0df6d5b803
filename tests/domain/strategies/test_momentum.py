"""momentum: close beyond the previous 3 candles' range on a volume spike (lookback 3, x2 volume).

Candles 0-3 are FLAT (high 101, low 99, volume 1), so at candle 4 the channel of candles 1-3 is
99..101 and their mean volume 1: a breakout needs a close > 101 (or < 99) with volume > 2.
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

PARAMS = defaults("momentum", breakout_lookback=3)  # tp 0.6 %, sl 0.3 %, max hold 12
SPIKE = [1, 1, 1, 1, 3]  # volume of candles 0-4, then 1


def volumes(n: int, spike=SPIKE) -> list[float]:
    return list(spike) + [1.0] * (n - len(spike))


def test_breakout_with_volume_enters_long_at_the_next_open_and_takes_profit() -> None:
    # candle 4 closes 101.5 > 101 on volume 3 > 2 x 1: long signal at 4, entry at the open of 5
    # (101); TP 101 x 1.006 = 101.606, reached by the high 101.7 of candle 6
    candles = [FLAT] * 4 + [(100, 102, 100, 101.5), (101, 101.2, 100.9, 101.1),
                            (101.1, 101.7, 101, 101.6)]  # fmt: skip
    m = market(candles, volumes(7))
    assert plan("momentum", m, PARAMS).signal.tolist() == [0, 0, 0, 0, 1, 0, 0]
    (t,) = trades("momentum", m, PARAMS)
    assert (t.side, t.entry_ts, t.entry_price) == (1, 5 * H, 101.0)
    assert (t.reason, t.exit_ts, t.exit_price) == ("tp", 6 * H, pytest.approx(101.606))
    assert t.pnl == pytest.approx(0.006 * NOTIONAL)  # 150


def test_stop_loss_three_tenths_of_a_percent_below_the_entry() -> None:
    # entry 101 at the open of 5; stop 101 x 0.997 = 100.697, the low 100.5 of candle 5 reaches it
    candles = [FLAT] * 4 + [(100, 102, 100, 101.5), (101, 101.2, 100.5, 100.6)]
    (t,) = trades("momentum", market(candles, volumes(6)), PARAMS)
    assert (t.reason, t.exit_ts, t.exit_price) == ("sl", 5 * H, pytest.approx(100.697))
    assert t.pnl == pytest.approx(-0.003 * NOTIONAL)  # -75


def test_time_exit_at_the_open_after_max_hold_candles() -> None:
    # entry at the open of 5; with max_hold 3 it closes at the open of 8 (101.05), between the
    # exits (100.697 .. 101.606) all along
    quiet = (101, 101.2, 100.8, 101)
    candles = [FLAT] * 4 + [(100, 102, 100, 101.5)] + [quiet] * 3 + [(101.05, 101.2, 100.9, 101)]
    (t,) = trades("momentum", market(candles, volumes(9)), replace(PARAMS, max_hold_candles=3))
    assert (t.reason, t.entry_ts, t.exit_ts, t.exit_price) == ("time", 5 * H, 8 * H, 101.05)
    assert t.pnl == pytest.approx(0.05 * NOTIONAL / 101)


def test_breakdown_with_volume_enters_short() -> None:
    # candle 4 closes 98.5 < 99 on volume 3: short at the open of 5 (98.5); TP 98.5 x 0.994 = 97.909
    candles = [FLAT] * 4 + [(100, 100, 98, 98.5), (98.5, 98.6, 97.8, 97.9)]
    (t,) = trades("momentum", market(candles, volumes(6)), PARAMS)
    assert (t.side, t.entry_ts, t.entry_price) == (-1, 5 * H, 98.5)
    assert (t.reason, t.exit_price) == ("tp", pytest.approx(97.909))
    assert t.pnl == pytest.approx(0.006 * NOTIONAL)


@pytest.mark.parametrize(
    ("candle", "volume"),
    [
        ((100, 102, 100, 101.5), 1.5),  # breakout, but volume 1.5 is not > 2 x 1
        ((100, 103, 100, 100.8), 3.0),  # the own high 103 is not in the channel: 100.8 < 101
        ((100, 102, 100, 101.0), 3.0),  # closing at the channel high is not above it
    ],
)
def test_no_signal_without_a_confirmed_breakout(candle, volume) -> None:
    m = market([FLAT] * 4 + [candle, FLAT], volumes(6, [1, 1, 1, 1, volume]))
    assert not plan("momentum", m, PARAMS).signal.any()
    assert trades("momentum", m, PARAMS) == []


def test_rows_do_not_depend_on_later_candles() -> None:
    assert_causal("momentum", random_market(), PARAMS)
