"""The Telegram notifier against a fake Bot API on 127.0.0.1: rules of delivery (429, 5xx,
400), never twice after a crash, cooldowns per (type, subject), HTML escaping, and the CLI on a
paper replay of the sample data."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import msgspec
import pytest
from eventsourcing.persistence import Notification

from adapters.cli.main import main
from adapters.notify.notifier import Notifier
from adapters.notify.telegram import TelegramBot, TelegramUnavailable
from adapters.store.event_store import open_store
from adapters.store.home import Home
from adapters.store.research_log import ResearchLog
from config.notify import NotifyFile
from domain.executor import Executor
from domain.simulator import Simulator
from tests.adapters.fake_telegram import TOKEN, FakeTelegram
from tests.adapters.paper_kit import copy_home

STOP_FAILED = Executor.StopMoveFailed.TOPIC
RECONCILE = Executor.ReconciliationFailed.TOPIC
MINUTE = 60_000


class Log:
    """The few calls of the store's recorder the notifier makes, over a list of events."""

    def __init__(self) -> None:
        self.notifications: list[Notification] = []

    def add(self, topic: str, **state: Any) -> None:
        n = len(self.notifications) + 1
        data = msgspec.json.encode(state)
        self.notifications.append(Notification("log", 1, topic, data, n))

    def select_notifications(self, start, limit, stop=None, topics=(), inclusive_of_start=True):
        found = [
            n for n in self.notifications
            if (n.id > start or (inclusive_of_start and n.id == start))
            and (stop is None or n.id <= stop) and (not topics or n.topic in topics)
        ]  # fmt: skip
        return found[:limit]


def _failure(log: Log, oid: str, minute: int, reason: str = "no") -> None:
    log.add(STOP_FAILED, oid=oid, code="40001", reason=reason, ts=minute * MINUTE)


def _notifier(log: Log, tmp_path: Path, rules: NotifyFile | None = None) -> Notifier:
    rules = rules or NotifyFile()
    return Notifier(log, msgspec.json.decode, tmp_path / "notify.db", rules, log=lambda _: None)


def _bot(fake: FakeTelegram, sleeps: list[float] | None = None) -> TelegramBot:
    sleep = sleeps.append if sleeps is not None else lambda _: None
    return TelegramBot(TOKEN, "42", base_url=fake.url, sleep=sleep, attempts=3)  # type: ignore[attr-defined]


def test_a_429_burst_delays_but_delivers_everything_in_order(telegram, tmp_path) -> None:
    log = Log()
    for i in range(5):
        _failure(log, f"o{i}", i)
    telegram.fail_next(429, times=3, retry_after=7)
    sleeps: list[float] = []
    assert _notifier(log, tmp_path).deliver(_bot(telegram, sleeps)) == 5
    assert sleeps == [7.0, 7.0, 7.0]
    assert [t.split()[2] for t in telegram.texts()] == ["o0", "o1", "o2", "o3", "o4"]
    assert all(m["chat_id"] == "42" and m["parse_mode"] == "HTML" for m in telegram.messages)


def test_5xx_is_retried_with_backoff_then_left_pending(telegram, tmp_path) -> None:
    log = Log()
    _failure(log, "o1", 0)
    telegram.fail_next(500, times=3)  # attempts=3: three failures give up
    sleeps: list[float] = []
    notifier = _notifier(log, tmp_path)
    with pytest.raises(TelegramUnavailable, match="3 attempts: HTTP 500"):
        notifier.deliver(_bot(telegram, sleeps))
    assert sleeps == [1.0, 2.0] and telegram.messages == []
    assert notifier.deliver(_bot(telegram)) == 1  # still pending, sent once Telegram is back
    assert len(telegram.messages) == 1


def test_a_refused_message_is_skipped_not_retried(telegram, tmp_path) -> None:
    log = Log()
    _failure(log, "o1", 0)
    _failure(log, "o2", 1)
    telegram.fail_next(400)
    notifier = _notifier(log, tmp_path)
    assert notifier.deliver(_bot(telegram)) == 1
    assert notifier.deliver(_bot(telegram)) == 0
    assert [t.split()[2] for t in telegram.texts()] == ["o2"]


def test_a_crash_before_the_tracking_commit_sends_nothing_twice(telegram, tmp_path) -> None:
    log = Log()
    for i in range(3):
        _failure(log, f"o{i}", i)

    def crash(position: int) -> None:
        raise KeyboardInterrupt  # the process dies after the sends, before the tracking moves

    first = _notifier(log, tmp_path)
    first._advance = crash  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        first.deliver(_bot(telegram))
    assert len(telegram.messages) == 3
    del first  # dropped without closing, as a killed process
    _failure(log, "o3", 3)
    again = _notifier(log, tmp_path)
    assert again.deliver(_bot(telegram)) == 1
    assert [t.split()[2] for t in telegram.texts()] == ["o0", "o1", "o2", "o3"]
    assert again.position() == 4


def test_cooldown_is_per_type_and_subject(telegram, tmp_path) -> None:
    log = Log()
    _failure(log, "A", 0)
    _failure(log, "A", 1)  # same order within 5 min: silenced
    _failure(log, "B", 1)  # another order (the earlier system silenced this one too)
    _failure(log, "A", 6)  # 6 min after A's last message: told again
    log.add(RECONCILE, symbol="BTC/USDT:USDT", reason="size differs", ts=MINUTE)  # other type
    rules = NotifyFile(cooldown_seconds={"stop_move_failed": 300})
    assert _notifier(log, tmp_path, rules).deliver(_bot(telegram)) == 4
    assert [t.split()[2] for t in telegram.texts()[:3]] == ["A", "B", "A"]
    assert "BTC/USDT:USDT" in telegram.texts()[3]


def test_rules_silent_and_off(telegram, tmp_path) -> None:
    log = Log()
    _failure(log, "A", 0)
    log.add(RECONCILE, symbol="ETH/USDT:USDT", reason="gone", ts=0)
    rules = NotifyFile(rules={"stop_move_failed": "silent", "reconciliation_failed": "off"})
    assert _notifier(log, tmp_path, rules).deliver(_bot(telegram)) == 1
    assert telegram.messages[0]["disable_notification"] is True


def test_an_exception_text_cannot_break_the_message(telegram, tmp_path) -> None:
    log = Log()
    reason = "ValueError: <Response [400]> & 'qty' < min"
    log.add(RECONCILE, symbol="BTC/USDT:USDT", reason=reason, ts=0)
    assert _notifier(log, tmp_path).deliver(_bot(telegram)) == 1  # the fake checks the HTML
    assert "&lt;Response [400]&gt; &amp; 'qty' &lt; min" in telegram.texts()[0]


def test_a_long_message_is_split_and_each_part_sent_once(telegram, tmp_path) -> None:
    log = Log()
    reason = "line of an exception trace\n" * 400  # 10,800 characters
    log.add(RECONCILE, symbol="BTC/USDT:USDT", reason=reason, ts=0)
    notifier = _notifier(log, tmp_path)
    assert notifier.deliver(_bot(telegram)) == 3
    assert all(len(t) <= 4096 for t in telegram.texts())
    assert sum(t.count("line of an exception trace") for t in telegram.texts()) == 400
    assert notifier.deliver(_bot(telegram)) == 0


# -- the CLI on a paper replay of the sample data ----------------------------------------------


def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The wall clock of the scheduled reports fixed (2025-04-01 00:00 UTC), so that two runs
    a moment apart are due the same reports."""
    monkeypatch.setattr("adapters.cli.notify._now", lambda: 1_743_465_600_000)


def _counts(home: Path) -> dict[str, int]:
    store = open_store(Home(home))
    try:
        records = store.recorder.select_events(Simulator.create_id("paper"))
        topics = [r.topic for r in records]
    finally:
        store.close()
    closes = (Simulator.GridCycleClosed.TOPIC, Simulator.PositionClosed.TOPIC)
    return {
        "levels": topics.count(Simulator.GridLevelOpened.TOPIC),
        "closes": sum(topics.count(t) for t in closes),
    }


def test_notify_once_tells_a_replay(replayed, telegram, monkeypatch, capsys) -> None:
    home, config = replayed
    monkeypatch.setenv("SCALP_RADAR_TELEGRAM_API", telegram.url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_CHAT_ID", "42")
    _fixed_clock(monkeypatch)
    args = ["--home", str(home), "--config-dir", str(config), "notify", "--once"]
    assert main(args) == 0
    counts = _counts(home)
    assert counts["levels"] > 0 and counts["closes"] > 0  # the scenario trades
    texts = telegram.texts()
    levels = [t for t in texts if " level " in t and "filled at" in t]
    closes = [t for t in texts if "closed (" in t]
    assert (len(levels), len(closes)) == (counts["levels"], counts["closes"])
    assert all(" won +" in t or " lost -" in t or " even " in t for t in closes)
    assert all(m["disable_notification"] for m in telegram.messages if " level " in m["text"])
    assert any("," in t.split("filled at ")[1] for t in levels)  # BTC above 1,000: separators
    capsys.readouterr()
    assert main(args) == 0  # nothing new: nothing sent again
    assert len(telegram.texts()) == len(texts)
    assert "0 message(s) sent" in capsys.readouterr().out


def test_dry_run_prints_and_sends_nothing(
    replayed, telegram, monkeypatch, capsys, tmp_path
) -> None:
    home, config = replayed
    home = copy_home(home, tmp_path)
    (home / "notify.db").unlink(missing_ok=True)  # nothing delivered yet
    monkeypatch.setenv("SCALP_RADAR_TELEGRAM_API", telegram.url)
    _fixed_clock(monkeypatch)
    base = ["--home", str(home), "--config-dir", str(config), "notify", "--dry-run"]
    assert main(base) == 0
    first = capsys.readouterr().out
    assert first.count("filled at") == _counts(home)["levels"]
    assert main(base) == 0  # nothing was recorded: the same messages again
    assert capsys.readouterr().out == first
    assert telegram.requests == 0


def test_notify_without_token_is_one_line_exit_2(replayed, monkeypatch, capsys) -> None:
    home, config = replayed
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("TELEGRAM_CHAT_ID", "42")
    assert main(["--home", str(home), "--config-dir", str(config), "notify", "--once"]) == 2
    err = capsys.readouterr().err.strip()
    assert "TELEGRAM_BOT_TOKEN" in err and len(err.splitlines()) == 1


def test_an_unreachable_api_is_retried_then_left_pending(tmp_path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = Log()
    _failure(log, "o1", 0)
    sleeps: list[float] = []
    bot = TelegramBot(TOKEN, "42", base_url=f"http://127.0.0.1:{port}", sleep=sleeps.append,
                      attempts=3, timeout=2.0)  # fmt: skip
    notifier = _notifier(log, tmp_path)
    with pytest.raises(TelegramUnavailable, match="after 3 attempts: ConnectError"):
        notifier.deliver(bot)
    assert sleeps == [1.0, 2.0] and notifier.position() == 0


def test_params_applied_from_a_real_store(telegram, tmp_path) -> None:
    store = open_store(memory=True)
    ResearchLog(store).record_applied("grid_atr", "BTC/USDT", {"sl_percent": 15.0}, "A", "r1")
    rules = NotifyFile()
    decode = store.mapper.transcoder.decode
    notifier = Notifier(store.recorder, decode, tmp_path / "n.db", rules, log=lambda _: None)
    assert notifier.deliver(_bot(telegram)) == 1
    text = telegram.texts()[0]
    assert "parameters applied to <b>grid_atr</b> on BTC/USDT (grade A): sl_percent=15.0" in text
