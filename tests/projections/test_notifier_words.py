"""The Telegram wording: numbers for people, a P&L whose sign says won or lost, escaping, and
which events are worth a message (hand-made events, expected texts written by hand)."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.engine_session import EngineStarted
from domain.executor import Executor
from domain.simulator import Simulator
from domain.watchdog import DataStale
from projections.notifier import Memory, Message, digest, fold, message_for, split

CLOSED = Simulator.GridCycleClosed.TOPIC
BLOCKED = Simulator.EntryBlocked.TOPIC
HOUR = 3_600_000


def _trade(pnl: float, levels: int = 3) -> dict:
    return {"strategy": "grid_atr", "side": -1, "reason": "sl", "exit_price": 101234.5,
            "pnl": pnl, "funding": 1.5, "levels": levels, "entry_ts": 0,
            "exit_ts": 26 * HOUR + 5 * 60_000}  # fmt: skip


def test_a_lost_grid_says_lost_with_separators_and_duration() -> None:
    message = message_for(CLOSED, {"key": "grid_atr:BTC/USDT", "trade": _trade(-1234.5)})
    assert message is not None and message.kind == "closed"
    assert message.subject == "grid_atr:BTC/USDT" and message.ts == 26 * HOUR + 5 * 60_000
    assert "short grid of 3 levels closed (stop-loss) at 101,234.5: lost -1,234.50" in message.text
    assert "(funding paid 1.50) after 1d 2h" in message.text


def test_a_won_position_says_won_with_a_plus() -> None:
    message = message_for(CLOSED, {"key": "k", "trade": _trade(12.0, levels=1)})
    assert message is not None
    assert "position closed (stop-loss) at 101,234.5: won +12.00" in message.text


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


def _level(level: int, price: float, qty: float) -> dict:
    return {"key": "g", "level": level, "side": -1, "price": price, "qty": qty, "margin": 1.0,
            "ts": 0}  # fmt: skip


def test_a_level_tells_the_grid_average_and_its_stop() -> None:
    memory = Memory()
    configured = {"key": "g", "params": {"sl_percent": 10.0}}
    assert fold(memory, Simulator.RunnerConfigured.TOPIC, configured) is None
    fold(memory, Simulator.GridLevelOpened.TOPIC, _level(0, 100.0, 1.0))
    second = fold(memory, Simulator.GridLevelOpened.TOPIC, _level(1, 110.0, 3.0))
    # short: average (100 + 330) / 4 = 107.5, stop 10 % above = 118.25
    assert second is not None and "average entry 107.5, stop 118.25" in second.text
    fold(memory, CLOSED, {"key": "g", "trade": _trade(1.0)})
    again = fold(memory, Simulator.GridLevelOpened.TOPIC, _level(0, 90.0, 1.0))
    assert again is not None and "average entry 90, stop 99" in again.text  # a new grid


def test_a_rejected_order_names_its_symbol_and_role_and_cools_per_symbol() -> None:
    memory = Memory()
    order = {"client_oid": "sr1", "symbol": "SOL/USDT:USDT", "key": "grid_atr:SOL/USDT",
             "role": "entry", "level": 2}  # fmt: skip
    assert fold(memory, Executor.OrderRequested.TOPIC, {"order": order}) is None
    state = {"oid": "sr1", "code": "40762", "reason": "balance", "ts": 5}
    message = fold(memory, Executor.OrderRejected.TOPIC, state)
    assert message is not None and message.subject == "SOL/USDT:USDT"
    assert "<b>SOL/USDT:USDT</b> grid_atr:SOL/USDT entry level 2 order rejected (40762)" in (
        message.text
    )
    unknown = fold(memory, Executor.OrderRejected.TOPIC, {**state, "oid": "sr9"})
    assert unknown is not None and unknown.subject == "sr9" and "order sr9 rejected" in unknown.text


def test_an_unexplained_balance_move_is_told_with_its_figures() -> None:
    memory = Memory()
    fold(memory, Executor.Started.TOPIC, {"account": "main", "venue": "bitget"}, "a")
    state = {"before": 1000.0, "after": 1120.0, "change_pct": 12.0, "since_ts": 0,
             "threshold_pct": 10.0, "ts": 300_000}  # fmt: skip
    message = fold(memory, Executor.BalanceMovedUnexplained.TOPIC, state, "a")
    assert message is not None and message.kind == "balance_moved"
    assert message.subject == "main account" and message.ts == 300_000
    assert message.text == (
        "💰 <b>account</b> (main) balance moved +12.0 % with no trade since 1970-01-01 00:00 "
        "UTC: 1,000.00 → 1,120.00 USDT (alert above 10 %)"
    )


def test_a_balance_refresh_alone_is_not_told() -> None:
    """The notifier no longer judges raw refreshes: a 50 % jump is the executor's to alert."""
    memory = Memory()
    for total in (1000.0, 1500.0):
        refresh = {"total": total, "free": 0.0, "ts": 0}
        assert fold(memory, Executor.BalanceRefreshed.TOPIC, refresh, "a") is None


def test_a_start_after_a_crash_says_so() -> None:
    state = {"portfolio": "paper", "mode": "paper on bitget", "after_crash": True,
             "timestamp": datetime(2026, 1, 2, tzinfo=UTC)}  # fmt: skip
    message = message_for(EngineStarted.TOPIC, state)
    assert message is not None and message.kind == "engine"
    assert "<b>paper</b> started (paper on bitget); its previous run ended without stopping" in (
        message.text
    )


def test_a_digest_counts_and_sums_per_runner() -> None:
    messages = [
        Message("level_opened", "a", 0, "x"),
        Message("closed", "a", 3_600_000, "x", pnl=12.5),
        Message("closed", "b", 7_200_000, "x", pnl=-2.25),
        Message("closed", "a", 10_800_000, "x", pnl=1_000.0),
        Message("entry_blocked", "b", 86_400_000, "x"),
    ]
    text = digest(messages).text
    assert "5 events from 1970-01-01 00:00 to 1970-01-02 00:00 UTC" in text
    assert "1 grid level(s) opened, 3 trade(s) closed (2 won, 1 lost, P&amp;L +1,010.25), " in text
    assert "1 regime block(s)" in text
    assert "<b>a</b>: 2 closed, +1,012.50\n<b>b</b>: 1 closed, -2.25" in text


def test_a_stale_market_says_since_when() -> None:
    state = {"portfolio": "paper", "exchange": "bitget", "symbol": "BTC/USDT", "timeframe": "1h",
             "last_ts": 1_735_689_600_000, "ts": 1_735_700_400_000}  # fmt: skip
    message = message_for(DataStale.TOPIC, state)
    assert message is not None and message.subject == "paper BTC/USDT 1h"
    assert message.text == (
        "📉 <b>BTC/USDT 1h</b> (paper) stale: no candle since 2025-01-01 00:00 UTC"
    )
