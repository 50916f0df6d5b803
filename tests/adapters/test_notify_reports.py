"""The scheduled reports against a fake Bot API on 127.0.0.1, with a fake clock: the heartbeat
every N minutes, the daily report at HH:MM, the weekly one on its day, one heartbeat (not ten)
after a down time, never twice after a restart; the schedule's bad values refused; the CLI's
``--report`` and ``--dry-run`` on a paper replay of the sample data."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from adapters.cli.main import main
from adapters.notify.notifier import Notifier
from adapters.notify.reports import Reports
from adapters.services.engine import Engine
from adapters.store.home import Home
from config.loader import check_config, load_settings
from config.notify import NotifyFile
from tests.adapters.fake_telegram import TOKEN, FakeTelegram
from tests.adapters.paper_kit import copy_home, make_config
from tests.adapters.test_notify import Log, _bot, _failure
from tests.stubs import T0

M = 60_000
H = 60 * M
DAY = 24 * H
D1 = T0 + DAY  # Monday 2023-01-02 00:00 UTC
D2 = D1 + DAY
ONLY_HEARTBEAT = {"daily_report_at": "off", "weekly_report_on": "off"}


@pytest.fixture
def engine(tmp_path):
    engine = Engine(Home(tmp_path / "home"))
    yield engine
    engine.close()


def _reports(engine: Engine, tmp_path: Path, **schedule) -> Reports:
    rules = msgspec.structs.replace(NotifyFile(), **schedule)
    return Reports(tmp_path / "notify.db", rules, engine.read_db, log=lambda _: None)


def _heads(fake: FakeTelegram) -> list[str]:
    """The first line of each message sent: which report it is."""
    return [t.split("\n")[0].split(":")[0] for t in fake.texts()]


def test_the_heartbeat_every_n_minutes(engine, telegram, tmp_path) -> None:
    reports = _reports(engine, tmp_path, heartbeat_minutes=15, **ONLY_HEARTBEAT)
    bot = _bot(telegram)
    sent = [reports.send_due(bot, D1 + minute * M) for minute in (0, 5, 14, 15, 29, 31, 45)]
    assert sent == [1, 0, 0, 1, 0, 1, 1]
    assert all(t.startswith("💓 <b>heartbeat</b>") for t in telegram.texts())


def test_the_heartbeat_is_silent_by_the_shipped_rules(engine, telegram, tmp_path) -> None:
    shipped = load_settings().notify
    assert shipped.rule("heartbeat") == "silent"
    rules = msgspec.structs.replace(shipped, **ONLY_HEARTBEAT)
    reports = Reports(tmp_path / "notify.db", rules, engine.read_db, log=lambda _: None)
    assert reports.send_due(_bot(telegram), D1) == 1
    assert telegram.messages[0]["disable_notification"] is True


def test_a_restart_after_a_down_time_sends_one_heartbeat_not_ten(engine, telegram, tmp_path):
    bot = _bot(telegram)
    assert _reports(engine, tmp_path, **ONLY_HEARTBEAT).send_due(bot, D1) == 1
    # down from 00:00 to 10:30: ten hourly heartbeats missed
    again = _reports(engine, tmp_path, **ONLY_HEARTBEAT)
    assert again.send_due(bot, D1 + 10 * H + 30 * M) == 1
    assert telegram.texts()[1].startswith("💓 <b>heartbeat</b> 2023-01-02 10:30 UTC")
    # and a second restart within the same hour sends nothing again
    assert _reports(engine, tmp_path, **ONLY_HEARTBEAT).send_due(bot, D1 + 10 * H + 59 * M) == 0
    assert len(telegram.messages) == 2


def test_the_daily_report_at_its_time_once(engine, telegram, tmp_path) -> None:
    reports = _reports(engine, tmp_path, heartbeat_minutes=0, weekly_report_on="off",
                       daily_report_at="08:30")  # fmt: skip
    bot = _bot(telegram)
    # first start at 00:00: the last report time that passed was yesterday's, for Jan 1
    assert reports.send_due(bot, D2) == 1
    assert reports.send_due(bot, D2 + 8 * H + 29 * M) == 0
    assert reports.send_due(bot, D2 + 8 * H + 30 * M) == 1  # Jan 2's
    assert reports.send_due(bot, D2 + 23 * H) == 0
    assert _heads(telegram) == [
        "📅 <b>daily report</b> 2023-01-01",
        "📅 <b>daily report</b> 2023-01-02",
    ]
    assert not any(m["disable_notification"] for m in telegram.messages)


def test_a_restart_after_days_down_sends_the_last_daily_report_only(engine, telegram, tmp_path):
    schedule = {"heartbeat_minutes": 0, "weekly_report_on": "off"}
    bot = _bot(telegram)
    assert _reports(engine, tmp_path, **schedule).send_due(bot, D2 + 8 * H) == 1  # Jan 2
    # down from Jan 3 to Jan 6 09:00: the reports of Jan 3, 4 and 5 were due at 08:00 the next days
    assert _reports(engine, tmp_path, **schedule).send_due(bot, D2 + 3 * DAY + 9 * H) == 1
    assert _heads(telegram)[-1] == "📅 <b>daily report</b> 2023-01-05"


def test_the_weekly_report_on_its_day(engine, telegram, tmp_path) -> None:
    reports = _reports(engine, tmp_path, heartbeat_minutes=0, weekly_report_on="wednesday")
    bot = _bot(telegram)
    wednesday = D1 + 2 * DAY  # 2023-01-04
    assert reports.send_due(bot, wednesday + 8 * H) == 2  # the daily and the weekly report
    assert _heads(telegram) == [
        "📅 <b>daily report</b> 2023-01-03",
        "📆 <b>weekly report</b> 2022-12-26 to 2023-01-01",
    ]
    assert reports.send_due(bot, wednesday + 6 * DAY) == 1  # Tuesday: the daily report only
    assert reports.send_due(bot, wednesday + 7 * DAY + 8 * H) == 2
    assert _heads(telegram)[-1] == "📆 <b>weekly report</b> 2023-01-02 to 2023-01-08"


def test_a_report_turned_off_by_its_rule_is_not_sent(engine, telegram, tmp_path) -> None:
    reports = _reports(engine, tmp_path, rules={"heartbeat": "off"}, weekly_report_on="off")
    assert reports.send_due(_bot(telegram), D1 + 9 * H) == 1
    assert _heads(telegram) == ["📅 <b>daily report</b> 2023-01-01"]


def test_a_refused_report_is_not_retried(engine, telegram, tmp_path) -> None:
    reports = _reports(engine, tmp_path, **ONLY_HEARTBEAT)
    telegram.fail_next(400)
    assert reports.send_due(_bot(telegram), D1) == 0
    assert reports.send_due(_bot(telegram), D1 + 30 * M) == 0
    assert reports.send_due(_bot(telegram), D1 + H) == 1  # the next slot's


def test_a_backlog_of_events_leaves_room_for_the_reports(engine, telegram, tmp_path) -> None:
    log = Log()
    for i in range(130):
        _failure(log, f"o{i}", i)
    notifier = Notifier(log, msgspec.json.decode, tmp_path / "notify.db", NotifyFile(),
                        log=lambda _: None)  # fmt: skip
    reports = _reports(engine, tmp_path, **ONLY_HEARTBEAT)
    bot = _bot(telegram)
    assert notifier.deliver(bot, budget=50) == 50
    assert reports.send_due(bot, D1) == 1
    assert notifier.deliver(bot, budget=50) == 50
    assert notifier.deliver(bot, budget=50) == 30
    texts = telegram.texts()
    assert texts[50].startswith("💓") and len(texts) == 131
    orders = [t.split()[2] for t in texts[:50] + texts[51:]]
    assert orders == [f"o{i}" for i in range(130)]  # every event once, in order


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("heartbeat_minutes: -5", "notify.yaml: notify.heartbeat_minutes: expected `int` >= 0"),
        (
            'daily_report_at: "25:00"',
            "notify.yaml: notify.daily_report_at: expected `str` matching",
        ),
        (
            "daily_report_at: 12:30",
            "notify.yaml: notify.daily_report_at: expected `str`, got `int`",
        ),
        ("weekly_report_on: mondai", "notify.yaml: notify.weekly_report_on: invalid enum value"),
    ],
)
def test_a_bad_schedule_is_refused_in_one_line(tmp_path, line: str, problem: str) -> None:
    config = make_config(tmp_path)
    key = line.split(":")[0]
    text = (config / "notify.yaml").read_text().split("\n")
    text = [line if row.startswith(f"{key}:") else row for row in text]
    (config / "notify.yaml").write_text("\n".join(text))
    (found,) = check_config(config)
    assert str(found).startswith(problem) and "\n" not in str(found)


# -- the CLI on a paper replay of the sample data (``replayed``, of test_notify) ---------------

APRIL_1 = 1_743_465_600_000  # 2025-04-01 00:00 UTC, a Tuesday: the replay ended an hour ago
NEW_YEAR = 1_767_225_600_000  # 2026-01-01 00:00 UTC, an hour after the sample's last candle


def test_report_prints_one_report_and_sends_nothing(
    replayed, telegram, monkeypatch, capsys
) -> None:
    home, config = replayed
    _environment(monkeypatch, telegram, NEW_YEAR + 30 * M)
    base = ["--home", str(home), "--config-dir", str(config), "notify", "--report"]
    assert main([*base, "heartbeat"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "💓 <b>heartbeat</b> 2026-01-01 00:30 UTC"
    assert lines[2].startswith("<b>paper</b> equity ") and lines[2].endswith(", today +0.00")
    # the sample's last candle opened at 2025-12-31 23:00, closed at midnight: 30 minutes ago
    assert lines[-1] == "data: BTC/USDT 1h 30m old"
    _environment(monkeypatch, telegram, APRIL_1 + 30 * M)
    assert main([*base, "daily"]) == 0
    assert capsys.readouterr().out.startswith("📅 <b>daily report</b> 2025-03-31\n")
    assert main([*base, "weekly"]) == 0
    assert capsys.readouterr().out.startswith("📆 <b>weekly report</b> 2025-03-24 to 2025-03-30\n")
    assert telegram.requests == 0


def test_dry_run_prints_the_reports_due_and_records_nothing(
    replayed, telegram, monkeypatch, capsys, tmp_path
) -> None:
    home, config = replayed
    home = copy_home(home, tmp_path)
    (home / "notify.db").unlink(missing_ok=True)
    _environment(monkeypatch, telegram)
    base = ["--home", str(home), "--config-dir", str(config), "notify", "--dry-run"]
    assert main(base) == 0
    first = capsys.readouterr().out
    # at 00:30 on Tuesday: this hour's heartbeat, the report of Sunday (sent Monday 08:00)
    # and of the week before Monday 08:00
    assert "💓 <b>heartbeat</b> 2025-04-01 00:30 UTC\n" in first
    assert "📅 <b>daily report</b> 2025-03-30\n" in first
    assert "📆 <b>weekly report</b> 2025-03-24 to 2025-03-30\n" in first
    assert main(base) == 0
    assert capsys.readouterr().out == first  # nothing was recorded
    assert telegram.requests == 0


def test_once_sends_the_reports_after_the_events_and_only_once(
    replayed, telegram, monkeypatch, capsys, tmp_path
) -> None:
    home, config = replayed
    home = copy_home(home, tmp_path)
    (home / "notify.db").unlink(missing_ok=True)
    _environment(monkeypatch, telegram)
    base = ["--home", str(home), "--config-dir", str(config), "notify", "--once"]
    assert main(base) == 0
    texts = telegram.texts()
    assert [t[:1] for t in texts[-3:]] == ["💓", "📅", "📆"]
    assert not any(t[:1] in "💓📅📆" for t in texts[:-3])
    assert main(base) == 0
    assert len(telegram.texts()) == len(texts)


def _environment(
    monkeypatch: pytest.MonkeyPatch, telegram: FakeTelegram, now: int = APRIL_1 + 30 * M
) -> None:
    """The fake Bot API, and the wall clock at ``now`` (2025-04-01 00:30 UTC)."""
    monkeypatch.setenv("SCALP_RADAR_TELEGRAM_API", telegram.url)  # type: ignore[attr-defined]
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_CHAT_ID", "42")
    monkeypatch.setattr("adapters.cli.notify._now", lambda: now)
