"""liquidation: after an open-interest build-up, buy the flush into the late longs' liquidations.

Leverage estimate 10, so the long zone is 10 % under the highest high of the last 12 candles
(i-11 .. i) and the short zone 10 % over their lowest low. Candles 0-11 are FLAT (high 101, low
99): the long zone is 90.9 and the short zone 108.9. Open interest is generated: ``rising(k)`` is
``1000 + k x i``, so over 12 candles it rises by 12 k / 1000 (k = 10: +12 % at candle 12).
"""

from __future__ import annotations

import math

import pytest
from msgspec.structs import replace

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
PARAMS = defaults("liquidation", leverage_estimate=10)  # OI +5 %, buffer 1.5 %, tp 0.8, sl 0.4
# candle 12 flushes to 90.5: |90.5 / 90.9 - 1| = 0.44 % <= 1.5 % of the long zone
FLUSH = (100, 100, 90, 90.5)


def rising(n: int, k: float = 10.0) -> list[float]:
    return [1000.0 + k * i for i in range(n)]


def scenario(*after: tuple[float, float, float, float], oi=None, first=FLAT):
    candles = [first] + [FLAT] * 11 + list(after)
    n = len(candles)
    return market(candles, tf_ms=M5, open_interest=rising(n) if oi is None else oi(n))


def test_flush_into_the_long_zone_enters_long_at_the_next_open_and_takes_profit() -> None:
    # OI 1120 / 1000 = +12 % > 5 % and close near the zone: long signal at 12, entry at the open
    # of 13 (90.5); TP 90.5 x 1.008 = 91.224, reached by the high 91.3
    m = scenario(FLUSH, (90.5, 91.3, 90.4, 91.2))
    assert plan("liquidation", m, PARAMS).signal.tolist()[:13] == [0] * 12 + [1]
    (t,) = trades("liquidation", m, PARAMS)
    assert (t.side, t.entry_ts, t.entry_price) == (1, 13 * M5, 90.5)
    assert (t.reason, t.exit_ts, t.exit_price) == ("tp", 13 * M5, pytest.approx(91.224))
    assert t.pnl == pytest.approx(0.008 * NOTIONAL)  # 200


def test_stop_loss() -> None:
    # entry 90.5, stop 90.5 x 0.996 = 90.138, reached by the low 90.0
    (t,) = trades("liquidation", scenario(FLUSH, (90.5, 90.6, 90.0, 90.2)), PARAMS)
    assert (t.reason, t.exit_ts, t.exit_price) == ("sl", 13 * M5, pytest.approx(90.138))
    assert t.pnl == pytest.approx(-0.004 * NOTIONAL)  # -100


def test_squeeze_into_the_short_zone_enters_short() -> None:
    # candle 12 squeezes to 109.5: lowest low 99 -> short zone 108.9, |109.5 / 108.9 - 1| = 0.55 %;
    # (the long zone 110 x 0.9 = 99 is far). Short at the open of 13 (109.5), TP 108.624
    m = scenario((100, 110, 100, 109.5), (109.5, 109.6, 108.5, 108.6))
    (t,) = trades("liquidation", m, PARAMS)
    assert (t.side, t.entry_ts, t.entry_price) == (-1, 13 * M5, 109.5)
    assert (t.reason, t.exit_price) == ("tp", pytest.approx(108.624))
    assert t.pnl == pytest.approx(0.008 * NOTIONAL)


def test_the_high_of_thirteen_candles_ago_is_out_of_the_window() -> None:
    # candle 0 peaks at 120 (zone 108 if it counted): at candle 12 the window is candles 1-12
    m = scenario(FLUSH, FLAT, first=(100, 120, 99, 100))
    assert plan("liquidation", m, PARAMS).signal[12] == 1


@pytest.mark.parametrize(
    ("flush", "oi"),
    [
        (FLUSH, lambda n: [1000.0] * n),  # flat open interest: no build-up
        (FLUSH, lambda n: rising(n, 3.0)),  # 1036 / 1000: +3.6 % <= 5 %
        (FLUSH, lambda n: [math.nan] * (n - 1) + [1100.0]),  # unknown 12 candles ago
        ((100, 100, 94, 95), rising),  # |95 / 90.9 - 1| = 4.5 %: not in the zone yet
    ],
)
def test_no_signal_without_build_up_or_outside_the_zone(flush, oi) -> None:
    m = scenario(flush, FLAT, oi=oi)
    assert not plan("liquidation", m, PARAMS).signal.any()
    assert trades("liquidation", m, PARAMS) == []


def test_open_interest_is_required() -> None:
    with pytest.raises(ValueError, match="open_interest"):
        plan("liquidation", market([FLAT] * 3), PARAMS)


def test_rows_do_not_depend_on_later_candles() -> None:
    p = replace(PARAMS, leverage_estimate=20, zone_buffer_percent=3.0)
    assert_causal("liquidation", random_market(), p)
