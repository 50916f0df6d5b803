"""``scalp-radar notify`` as a process: killed with SIGKILL at random points it loses no message
and sends none twice, except the message on its way to Telegram when the kill came (the Bot API
has no idempotency key: no client can know whether a request it never read the answer of was
taken); its polling loop picks up new events; a backlog becomes a digest. The notifier runs in
a forked child (the real CLI loop, no --once) talking to the fake Bot API over HTTP; forking
spares each of the 20 restarts the CLI's import time."""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from adapters.cli.main import main
from tests.adapters.fake_telegram import TOKEN, FakeTelegram
from tests.adapters.paper_kit import make_config, make_home

KILLS = 20


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("notify-process")
    home, config = make_home(root), make_config(root, "BTC/USDT")
    notify = config / "notify.yaml"
    text = notify.read_text().replace("digest_after: 20", "digest_after: 0")
    text = text.replace("poll_seconds: 5.0", "poll_seconds: 0.2")
    # the events' messages only: no report falls due while a test runs
    text = text.replace("heartbeat_minutes: 60", "heartbeat_minutes: 0")
    text = text.replace('daily_report_at: "08:00"', 'daily_report_at: "off"')
    text = text.replace("weekly_report_on: monday", 'weekly_report_on: "off"')
    notify.write_text(text)
    args = ["--home", str(home), "--config-dir", str(config)]
    assert main([*args, "paper", "--replay", "--from", "2025-01-01", "--to", "2025-04-01"]) == 0
    return home, config


@pytest.fixture
def telegram(monkeypatch: pytest.MonkeyPatch):
    fake = FakeTelegram(delay=0.004)  # a few ms per answer, as a real round trip
    with fake.serve() as url:
        monkeypatch.setenv("SCALP_RADAR_TELEGRAM_API", url)
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_CHAT_ID", "42")
        yield fake


def _home(replayed: tuple[Path, Path], tmp_path: Path) -> tuple[list[str], Path]:
    home, config = replayed
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    return ["--home", str(copy), "--config-dir", str(config)], copy


def _expected(args: list[str], capsys: pytest.CaptureFixture[str]) -> list[str]:
    """What a replay's events say, one message each (``--dry-run`` prints them a line each)."""
    capsys.readouterr()
    assert main([*args, "notify", "--dry-run"]) == 0
    texts = capsys.readouterr().out.strip().splitlines()
    assert len(texts) > 2 * KILLS  # enough to kill it in the middle, many times
    return texts


def _start(args: list[str]) -> multiprocessing.Process:
    # a daemon: a test that fails while it runs does not leave it running
    child = multiprocessing.get_context("fork").Process(
        target=main, args=([*args, "notify"],), daemon=True
    )
    child.start()
    return child


def test_sigkill_at_random_points_loses_nothing_and_sends_nothing_twice(
    replayed, telegram, tmp_path, capsys
) -> None:
    args, _ = _home(replayed, tmp_path)
    expected = _expected(args, capsys)
    rng = random.Random(16)
    last_before_kill: list[str] = []
    mid_backlog = 0
    for _ in range(KILLS):
        before = len(telegram.messages)
        child = _start(args)
        # at a random point: after 0 to 4 more messages, then 0 to 10 ms into the next
        target = min(before + rng.randint(0, 4), len(expected))
        _wait(lambda: len(telegram.messages) >= target, poll=0.002)  # noqa: B023 (used here)
        time.sleep(rng.uniform(0.0, 0.01))
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        assert child.exitcode == -signal.SIGKILL
        time.sleep(0.02)  # a request the child sent before dying is still answered (accepted)
        if telegram.messages:
            last_before_kill.append(telegram.messages[-1]["text"])
        mid_backlog += len(set(telegram.texts())) < len(expected)
    assert mid_backlog >= KILLS - 2  # the kills did land in the middle of the backlog
    assert main([*args, "notify", "--once"]) == 0
    texts = telegram.texts()
    assert set(texts) == set(expected)  # nothing lost
    # a copy too many can only be of the message on its way to Telegram when a kill came
    # (Telegram took it, the answer was never read): one per kill at most
    extra = {t: n - 1 for t, n in Counter(texts).items() if n > 1}
    assert all(n <= last_before_kill.count(t) for t, n in extra.items()), extra
    assert [t for t in dict.fromkeys(texts)] == expected  # first deliveries in event order


def test_the_polling_loop_tells_new_events_without_a_restart(
    replayed, telegram, tmp_path, capsys
) -> None:
    args, _ = _home(replayed, tmp_path)
    told = len(_expected(args, capsys))
    child = _start(args)
    try:
        _wait(lambda: len(telegram.messages) == told)
        # the paper process goes on: a later replay run appends events and its own start/stop
        assert main([*args, "paper", "--replay", "--to", "2025-03-15"]) == 0
        _wait(lambda: any("stopped (replay): finished" in t for t in telegram.texts()[told:]))
    finally:
        assert child.pid is not None
        os.kill(child.pid, signal.SIGTERM)
        child.join()
    new = telegram.texts()[told:]
    assert "started (replay)" in new[0] and "stopped (replay): finished" in new[-1]
    assert len(new) == len(set(new))


def test_a_backlog_of_routine_messages_is_one_digest(replayed, telegram, tmp_path, capsys) -> None:
    args, home = _home(replayed, tmp_path)
    expected = _expected(args, capsys)
    config = tmp_path / "config"
    shutil.copytree(Path(args[3]), config)
    notify = config / "notify.yaml"
    notify.write_text(notify.read_text().replace("digest_after: 0", "digest_after: 20"))
    args = ["--home", str(home), "--config-dir", str(config)]
    assert main([*args, "notify", "--once"]) == 0
    texts = telegram.texts()
    levels = sum("filled at" in t for t in expected)
    closes = sum("closed (" in t for t in expected)
    # the engine's start and stop one by one, then the digest of everything else
    assert len(texts) == 3 and "started (replay)" in texts[0] and "stopped (replay)" in texts[1]
    assert f"{levels} grid level(s) opened, {closes} trade(s) closed" in texts[2]
    assert telegram.messages[2]["disable_notification"] is True  # digest: silent by default
    assert main([*args, "notify", "--once"]) == 0
    assert len(telegram.texts()) == 3  # the digested events are done


def _wait(condition, timeout: float = 30.0, poll: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(poll)
