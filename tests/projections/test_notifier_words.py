"""The Telegram wording: numbers for people, a P&L whose sign says won or lost, escaping, and
which events are worth a message (hand-made events, expected texts written by hand)."""

from __future__ import annotations

from domain.simulator import Simulator
from projections.notifier import message_for, split

CLOSED = Simulator.GridCycleClosed.TOPIC
BLOCKED = Simulator.EntryBlocked.TOPIC
HOUR = 3_600_000


def _trade(pnl: float, levels: int = 3) -> dict:
    return {"side": -1, "reason": "sl", "exit_price": 101234.5, "pnl": pnl, "funding": 1.5,
            "levels": levels, "entry_ts": 0, "exit_ts": 26 * HOUR + 5 * 60_000}  # fmt: skip


def test_a_lost_grid_says_lost_with_separators_and_duration() -> None:
    message = message_for(CLOSED, {"key": "grid_atr:BTC/USDT", "trade": _trade(-1234.5)})
    assert message is not None and message.kind == "closed"
    assert message.subject == "grid_atr:BTC/USDT" and message.ts == 26 * HOUR + 5 * 60_000
    assert "short grid of 3 levels closed (sl) at 101,234.5: lost -1,234.50" in message.text
    assert "(funding -1.50) after 1d 2h" in message.text


def test_a_won_position_says_won_with_a_plus() -> None:
    message = message_for(CLOSED, {"key": "k", "trade": _trade(12.0, levels=1)})
    assert message is not None and "position closed (sl) at 101,234.5: won +12.00" in message.text


def test_only_regime_blocks_are_told() -> None:
    regime = {"key": "k", "reason": "regime filter", "ts": 0, "regime": "trend_down"}
    margin = {"key": "k", "reason": "margin", "ts": 0, "regime": ""}
    assert message_for(BLOCKED, margin) is None
    told = message_for(BLOCKED, regime)
    assert told is not None and "k entries blocked: regime filter (trend_down)" in told.text


def test_a_runner_key_with_angle_brackets_is_escaped() -> None:
    state = {"key": "<x>", "level": 2, "side": 1, "price": 1.5, "qty": 2000.0, "margin": 3.0,
             "ts": 0}  # fmt: skip
    text = message_for(Simulator.GridLevelOpened.TOPIC, state).text  # type: ignore[union-attr]
    assert "<b>&lt;x&gt;</b> long level 2 filled at 1.5 (qty 2,000, margin 3)" in text


def test_split_cuts_at_line_ends_within_the_limit() -> None:
    text = "\n".join(["a" * 99] * 100)  # 100 lines of 100 characters with their line ends
    parts = split(text, limit=1000)
    assert [len(p) for p in parts] == [999] * 10  # 10 lines each, the line end dropped
    assert "\n".join(parts) == text


def test_split_never_cuts_an_entity() -> None:
    text = "x" * 995 + "&amp;" + "y" * 10
    parts = split(text, limit=998)
    assert parts == ["x" * 995, "&amp;" + "y" * 10]
