"""The balance alert on hand-made refreshes: the Executor records ``BalanceMovedUnexplained``
when a refresh moved more than 10 % from the previous one with no trade between."""

from __future__ import annotations

import pytest

from domain.balance_watch import unexplained_move
from domain.executor import Executor

SYM = "BTC/USDT:USDT"
MIN5 = 300_000


def _alerts(ex: Executor) -> list:
    return [e for e in ex.pending_events if type(e).__name__ == "BalanceMovedUnexplained"]


def _refreshed(*totals: float) -> Executor:
    """An executor that refreshed these balances five minutes apart, from ts 5 min."""
    ex = Executor("acc", "bitget")
    for i, total in enumerate(totals, start=1):
        ex.refresh_balance(total, total, i * MIN5, 10.0)
    return ex


def test_twelve_percent_up_with_no_trade_records_one_alert() -> None:
    ex = _refreshed(1_000.0, 1_120.0)
    [alert] = _alerts(ex)
    assert (alert.before, alert.after, alert.since_ts, alert.ts) == (
        1_000.0,
        1_120.0,
        MIN5,
        2 * MIN5,
    )
    assert alert.change_pct == pytest.approx(12.0) and alert.threshold_pct == 10.0


def test_twelve_percent_down_is_an_alert_too() -> None:
    [alert] = _alerts(_refreshed(1_000.0, 880.0))
    assert alert.change_pct == pytest.approx(-12.0)


def test_twelve_percent_with_a_fill_between_records_none() -> None:
    ex = _refreshed(1_000.0)
    ex.book_fill("f1", "v1", SYM, -1, 100.0, 1.0, 0.02, MIN5 + 1)
    ex.refresh_balance(1_120.0, 1_120.0, 2 * MIN5, 10.0)
    assert _alerts(ex) == []


def test_a_position_dropped_between_explains_the_move() -> None:
    ex = _refreshed(1_000.0)
    ex.drop_position(SYM, "gone on the venue", MIN5 + 1)
    ex.refresh_balance(850.0, 850.0, 2 * MIN5, 10.0)
    assert _alerts(ex) == []


def test_a_trade_explains_only_the_refresh_that_follows_it() -> None:
    ex = _refreshed(1_000.0)
    ex.book_fill("f1", "v1", SYM, 1, 100.0, 1.0, 0.02, MIN5 + 1)
    ex.refresh_balance(990.0, 900.0, 2 * MIN5, 10.0)  # the fill's refresh
    ex.refresh_balance(1_200.0, 1_100.0, 3 * MIN5, 10.0)  # no trade since: +21.2 %
    [alert] = _alerts(ex)
    assert (alert.before, alert.after, alert.since_ts) == (990.0, 1_200.0, 2 * MIN5)


def test_nine_percent_down_records_none() -> None:
    assert _alerts(_refreshed(1_000.0, 910.0)) == []


def test_two_refreshes_of_six_percent_each_record_none() -> None:
    # 1,000 -> 1,060 -> 1,123.60: +12.36 % in all, but refresh to refresh +6 % twice
    assert _alerts(_refreshed(1_000.0, 1_060.0, 1_123.6)) == []


def test_exactly_the_threshold_is_not_more_than_it() -> None:
    assert unexplained_move(1_000.0, MIN5, 1_100.0, False, 10.0) is None
    assert unexplained_move(1_000.0, MIN5, 1_100.01, False, 10.0) is not None


def test_the_first_refresh_has_no_reference() -> None:
    assert _alerts(_refreshed(1_000.0)) == []


def test_the_alert_replays_and_the_rebuilt_executor_remembers_a_trade() -> None:
    ex = _refreshed(1_000.0, 1_120.0)
    ex.book_fill("f1", "v1", SYM, 1, 100.0, 1.0, 0.02, 2 * MIN5 + 1)
    events = ex.collect_events()
    assert [type(e).__name__ for e in events].count("BalanceMovedUnexplained") == 1
    rebuilt = None
    for e in events:
        rebuilt = e.mutate(rebuilt)
    assert rebuilt is not None and rebuilt.version == ex.version
    assert rebuilt.balance == (1_120.0, 1_120.0, 2 * MIN5) and rebuilt.traded_since_balance
    # the fill before it explains the next refresh of the rebuilt executor too
    rebuilt.refresh_balance(1_400.0, 1_400.0, 3 * MIN5, 10.0)
    assert _alerts(rebuilt) == []


def test_a_snapshot_keeps_whether_a_trade_came_since_the_refresh() -> None:
    ex = _refreshed(1_000.0)
    ex.book_fill("f1", "v1", SYM, 1, 100.0, 1.0, 0.02, MIN5 + 1)
    restored = Executor.Snapshot.take(ex).mutate(None)
    assert restored.traded_since_balance and restored.balance == ex.balance
