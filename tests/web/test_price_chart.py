"""The runner's price chart: the stop drawn from each fill to the next or to the exit, and the
candlestick SVG's geometry (a candle per band, a marker on its candle at its price)."""

from __future__ import annotations

import math
import re

from web import svg
from web.price_chart import _position_steps


def _values(steps: list[svg.Steps], name: str) -> list[float]:
    (found,) = [s for s in steps if s.name == name]
    return [None if math.isnan(v) else v for v in found.rows[0]]


def test_the_stop_runs_from_each_fill_to_the_next_and_ends_with_the_exit() -> None:
    ts = [0, 10, 20, 30, 40, 50]
    fills = [
        {"ts": 10, "sl": 90.0, "tp": None, "side": 1},
        {"ts": 30, "sl": 85.5, "tp": None, "side": 1},
    ]
    steps = _position_steps(ts, fills, [{"exit_ts": 40}], [])
    assert _values(steps, "stop") == [None, 90.0, 90.0, 85.5, 85.5, None]
    assert [s.name for s in steps] == ["stop"]  # a grid's fills carry no take-profit


def test_a_position_still_open_keeps_its_stop_and_take_profit_to_the_last_candle() -> None:
    ts = [0, 10, 20]
    steps = _position_steps(ts, [{"ts": 10, "sl": 2100.0, "tp": 1900.0, "side": -1}], [], [])
    assert _values(steps, "stop") == [None, 2100.0, 2100.0]
    assert _values(steps, "position take-profit") == [None, 1900.0, 1900.0]


def test_a_trailing_stop_moved_twice_steps_up_from_the_candle_after_each_move() -> None:
    """Long from candle 10 with a 90 stop-loss; the trail moves to 92 at the close of candle
    20 and to 95 at the close of 30 (each holds from the next candle); the exit is at 50."""
    ts = [0, 10, 20, 30, 40, 50, 60]
    fills = [{"ts": 10, "sl": 90.0, "tp": None, "side": 1}]
    moves = [{"ts": 20, "price": 92.0}, {"ts": 30, "price": 95.0}]
    steps = _position_steps(ts, fills, [{"exit_ts": 50}], moves)
    assert _values(steps, "stop") == [None, 90.0, 90.0, 92.0, 95.0, 95.0, None]
    candles = svg.Candles([str(t) for t in ts], ts, *[[100.0] * 7] * 4)
    frame = svg.Frame(width=180, height=120, left=40, right=0, top=20, bottom=0)
    chart = svg.candle_chart(candles, steps, frame=frame)
    # bands of 20 px from x 40; prices 90-100 over y 120-20 (10 px per unit): 90 at 120,
    # 92 at 100, 95 at 70; candles 1-5 in force, each step across its band
    (points,) = re.findall(r'<g class="steps" data-name="stop">.*?points="([^"]+)"', chart)
    assert points == (
        "60.0,120.0 80.0,120.0 80.0,120.0 100.0,120.0 100.0,100.0 120.0,100.0 "
        "120.0,70.0 140.0,70.0 140.0,70.0 160.0,70.0"
    )


def test_a_short_trail_above_its_stop_loss_is_not_drawn() -> None:
    """A short's stop is above: a move to 2150 is looser than the 2100 stop-loss."""
    ts = [0, 10, 20]
    fills = [{"ts": 0, "sl": 2100.0, "tp": None, "side": -1}]
    steps = _position_steps(
        ts, fills, [], [{"ts": 0, "price": 2150.0}, {"ts": 10, "price": 2080.0}]
    )
    assert _values(steps, "stop") == [2100.0, 2100.0, 2080.0]


def test_a_candle_chart_puts_a_marker_on_its_candle_at_its_price() -> None:
    candles = svg.Candles(["a", "b"], [0, 10], [100.0, 104.0], [110.0, 108.0], [90.0, 100.0],
                          [104.0, 101.0])  # fmt: skip
    marker = svg.Marker(1, 100.0, "fill", "#00f", "level 0 filled long at 100.0")
    frame = svg.Frame(width=200, height=120, left=40, right=0, top=20, bottom=0)
    chart = svg.candle_chart(candles, [], [marker], frame=frame)
    # two bands of 80 over x 40-200: candle 1 centred at 160; prices 90-110 over y 120-20,
    # so 100 at 70
    assert re.search(r'<g class="candle" data-ts="10"><line x1="160.0"', chart)
    assert '<circle class="mark fill" cx="160.0" cy="70.0"' in chart
    assert chart.count('class="candle"') == 2


def test_a_chart_without_candles_says_so() -> None:
    assert "no data" in svg.candle_chart(svg.Candles([], [], [], [], [], []))


def test_bars_go_up_from_zero_for_a_gain_and_down_for_a_loss() -> None:
    frame = svg.Frame(width=140, height=120, left=40, right=0, top=20, bottom=0)
    chart = svg.bar_chart([10.0, -10.0], ["d1", "d2"], frame=frame)
    # -10..10 over y 120..20: zero at 70, a bar of 10 is 50 high; bands of 50, bars 35 wide
    bars = re.findall(r'<g fill="(#\w+)"><rect class="bar" x="([\d.]+)" y="([\d.]+)" '
                      r'width="35.0" height="([\d.]+)"><title>([^<]+)', chart)  # fmt: skip
    assert bars == [
        (svg.UP, "47.5", "20.0", "50.0", "d1: P&amp;L +10.00"),
        (svg.DOWN, "97.5", "70.0", "50.0", "d2: P&amp;L -10.00"),
    ]
