"""The bot's commands against a fake Bot API on 127.0.0.1, on a paper replay of the sample data
(January 2025, grid_atr on BTC/USDT): the configured chat only, /reset and /stop through the
services the CLI uses, at most once across a restart, the halt in the read model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.cli.main import main
from adapters.cli.notify import ServicesOperator
from adapters.notify.commands import Commands
from adapters.notify.telegram import (
    TelegramBot,
    TelegramPayloadError,
    TelegramUnavailable,
    Update,
)
from adapters.services.engine import Engine
from adapters.store.home import Home
from adapters.store.operator_log import OperatorLog
from config.loader import load_settings
from domain.simulator import Simulator
from tests.adapters.fake_telegram import TOKEN, FakeTelegram
from tests.adapters.paper_kit import copy_home, make_config, make_home

CHAT, STRANGER = 42, 666
JANUARY = ["paper", "--replay", "--from", "2025-01-01", "--to", "2025-02-01"]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """January replayed: at its end a long grid of 2 levels is open (seen in the sample)."""
    root = tmp_path_factory.mktemp("bot")
    home, config = make_home(root), make_config(root, "BTC/USDT")
    assert main(["--home", str(home), "--config-dir", str(config), *JANUARY]) == 0
    return home, config


@pytest.fixture
def home(stored: tuple[Path, Path], tmp_path: Path) -> Path:
    return copy_home(stored[0], tmp_path)


class Bot:
    """The bot of ``scalp-radar notify`` on a home: the real client, the services, notify.db."""

    def __init__(self, home: Path, config: Path, fake: FakeTelegram, portfolio: str = "paper"):
        self.engine = Engine(Home(home))
        self.logged: list[str] = []
        operator = ServicesOperator(self.engine, load_settings(config), portfolio)
        self.commands = Commands(self.engine.paper_reader(), self.engine.live_reader(), operator,
                                 portfolio, home / "notify.db", self.logged.append)  # fmt: skip
        self.client = TelegramBot(TOKEN, str(CHAT), base_url=fake.url, attempts=2)  # type: ignore[attr-defined]

    def handle(self) -> int:
        return self.commands.handle(self.client)

    def close(self) -> None:
        self.commands.close()
        self.client.close()
        self.engine.close()


@pytest.fixture
def bot(home: Path, stored: tuple[Path, Path], telegram: FakeTelegram):
    session = Bot(home, stored[1], telegram)
    yield session
    session.close()


def _events(home: Path, portfolio: str = "paper") -> list[tuple[str, dict]]:
    engine = Engine(Home(home))
    try:
        decode = engine.store.mapper.transcoder.decode
        records = engine.store.recorder.select_events(Simulator.create_id(portfolio))
        return [(r.topic.rsplit(".", 1)[-1], decode(r.state)) for r in records]
    finally:
        engine.close()


def _requests(home: Path) -> list:
    engine = Engine(Home(home))
    try:
        return OperatorLog(engine.store, "paper").pending(0)
    finally:
        engine.close()


def test_the_read_commands_answer_in_order_in_the_configured_chat(bot, telegram) -> None:
    for text in ("/status", "/positions", "/pnl week", "/killswitch", "/pnl@ScalpBot month"):
        telegram.push(CHAT, text)
    assert bot.handle() == 5
    assert [m["chat_id"] for m in telegram.messages] == [str(CHAT)] * 5
    status, positions, week, kill, bad = telegram.texts()
    assert status.startswith("<b>paper</b> at 2025-01-31 23:00 UTC\n")
    assert "1 open position(s)" in status and "new entries: allowed" in status
    assert "<b>grid_atr:BTC/USDT</b> long 2 level(s)" in positions
    assert week.startswith("<b>paper</b> P&amp;L this week (since 2025-01-27 00:00 UTC): ")
    assert kill == "<b>paper</b>: kill switch armed, nothing tripped"
    assert bad.startswith("unknown command or argument: /pnl\n/status: ")


def test_a_foreign_chat_gets_no_answer_changes_nothing_and_is_logged(bot, telegram, home) -> None:
    telegram.push(STRANGER, "/reset", username="mallory")
    telegram.push(STRANGER, "/stop", username="mallory")
    assert bot.handle() == 0
    assert telegram.messages == []
    assert _requests(home) == []
    assert bot.logged == [
        "notify: ignored '/reset' from chat 666 (@mallory): not the configured chat",
        "notify: ignored '/stop' from chat 666 (@mallory): not the configured chat",
    ]
    assert telegram.offsets == [1]
    assert bot.handle() == 0 and telegram.offsets == [1, 3]  # Telegram may forget both


def test_a_reset_from_telegram_shows_up_in_status(home, telegram, tmp_path, capsys) -> None:
    config = make_config(tmp_path, "BTC/USDT", loose_kill_switch=False)
    risk = config / "risk.yaml"
    risk.write_text(risk.read_text().replace("grid_max_session_loss_percent: 25.0",
                                             "grid_max_session_loss_percent: 0.5"))  # fmt: skip
    base = ["--home", str(home), "--config-dir", str(config)]
    assert main([*base, *JANUARY, "--portfolio", "tight"]) == 0
    assert main([*base, "status", "--portfolio", "tight"]) == 0
    assert "tripped (session_loss)" in capsys.readouterr().out
    session = Bot(home, config, telegram, portfolio="tight")
    try:
        telegram.push(CHAT, "/killswitch")
        telegram.push(CHAT, "/reset")
        assert session.handle() == 2
    finally:
        session.close()
    kill, reset = telegram.texts()
    assert "kill switch tripped (grid_atr:BTC/USDT): lost 2.93 % of the capital since its" in kill
    assert reset == "kill-switch reset request #1 applied now: reset grid_atr:BTC/USDT"
    assert main([*base, "status", "--portfolio", "tight"]) == 0
    status = capsys.readouterr().out
    assert "tripped" not in status and "grid_atr:BTC/USDT            active" in status
    resets = [e for name, e in _events(home, "tight") if name == "KillSwitchReset"]
    assert resets[-1]["scopes"] == ["grid_atr:BTC/USDT"]


def test_a_reset_of_an_unknown_runner_is_refused_and_recorded_nowhere(bot, telegram, home) -> None:
    telegram.push(CHAT, "/reset grid_atr:DOGE/USDT")
    assert bot.handle() == 1
    assert telegram.texts() == [
        "no runner 'grid_atr:DOGE/USDT' in portfolio 'paper' (known: grid_atr:BTC/USDT)"
    ]
    assert _requests(home) == []


def _after(events: list[tuple[str, dict]], name: str) -> list[tuple[str, dict]]:
    at = next(i for i, (n, _) in enumerate(events) if n == name)
    return events[at + 1 :]


def test_stop_opens_no_new_grid_while_the_open_one_exits(bot, telegram, home, stored, tmp_path):
    control = copy_home(stored[0], tmp_path / "control")
    telegram.push(CHAT, "/stop")
    assert bot.handle() == 1
    assert telegram.texts() == ["entries request #1 applied now: new entries stopped"]
    february = ["paper", "--replay", "--to", "2025-03-01"]
    for where in (home, control):
        assert main(["--home", str(where), "--config-dir", str(stored[1]), *february]) == 0
    after_stop = _after(_events(home), "EntriesHalted")
    closes = [n for n, _ in after_stop if n == "GridCycleClosed"]
    assert len(closes) == 1  # the grid open at the stop reached its exit
    assert not [n for n, _ in _after(after_stop, "GridCycleClosed") if n == "GridLevelOpened"]
    # without the stop, February opens new grids after that close (the test can fail)
    unhalted = _events(control)
    last_january = max(i for i, (n, e) in enumerate(unhalted) if n == "GridLevelOpened"
                       and e["ts"] < 1_738_368_000_000)  # fmt: skip
    after_close = _after(unhalted[last_january:], "GridCycleClosed")
    assert [n for n, _ in after_close if n == "GridLevelOpened"]


def test_resume_allows_entries_again(bot, telegram, home) -> None:
    telegram.push(CHAT, "/stop")
    telegram.push(CHAT, "/resume")
    telegram.push(CHAT, "/status")
    assert bot.handle() == 3
    assert telegram.texts()[1] == "entries request #2 applied now: new entries allowed again"
    assert "new entries: allowed" in telegram.texts()[2]


def test_a_restart_after_handling_does_not_run_a_command_again(bot, telegram, home, stored):
    telegram.push(CHAT, "/stop")
    assert bot.handle() == 1
    bot.close()
    again = Bot(home, stored[1], telegram)  # a new process on the same notify.db
    try:
        assert again.handle() == 0
    finally:
        again.close()
    assert len(_requests(home)) == 1
    assert telegram.offsets == [1, 2]  # the restart asked past the handled update
    assert len(telegram.messages) == 1


def test_a_halt_survives_a_rebuild_of_the_read_model(bot, telegram, home) -> None:
    telegram.push(CHAT, "/stop")
    assert bot.handle() == 1
    engine = Engine(Home(home))
    try:
        engine.rebuild_projections()
        reader = engine.paper_reader()
        row = reader.portfolio("paper")
        journal = [j["text"] for j in reader.journal("paper", limit=1)]
    finally:
        engine.close()
    assert (row["entries_halted"], row["halted_by"]) == (1, "telegram")
    assert row["halted_ts"] == 1_738_364_400_000  # 2025-01-31 23:00, the portfolio's clock
    assert journal == [
        "new entries stopped by the operator (request #1 from telegram); "
        "open positions keep their exits"
    ]


def test_cli_entries_stop_shows_in_status_and_notify_once_answers(
    home, stored, telegram, monkeypatch, capsys
) -> None:
    base = ["--home", str(home), "--config-dir", str(stored[1])]
    assert main([*base, "entries", "stop"]) == 0
    assert capsys.readouterr().out == "entries request #1: new entries stopped\n"
    assert main([*base, "status", "--json"]) == 0
    portfolio = json.loads(capsys.readouterr().out)["portfolio"]
    assert (portfolio["entries_halted"], portfolio["halted_by"]) == (1, "cli")
    assert main([*base, "status"]) == 0
    assert (
        "new entries: STOPPED by the operator (cli) at 2025-01-31 23:00" in capsys.readouterr().out
    )
    monkeypatch.setenv("SCALP_RADAR_TELEGRAM_API", telegram.url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_CHAT_ID", str(CHAT))
    telegram.push(CHAT, "/resume")
    assert main([*base, "notify", "--once"]) == 0
    assert "entries request #2 applied now: new entries allowed again" in telegram.texts()
    assert main([*base, "entries", "resume", "--portfolio", "nope"]) == 2


def test_updates_are_read_with_their_chat_and_sender(telegram) -> None:
    telegram.push(CHAT, "/status", username="alice")
    client = TelegramBot(TOKEN, str(CHAT), base_url=telegram.url)
    try:
        assert client.updates(0) == [Update(1, "42", "/status", "@alice")]
        telegram.incoming.append({"update_id": 2, "message": {"text": "/stop"}})  # no chat
        with pytest.raises(TelegramPayloadError) as raised:
            client.updates(2)
    finally:
        client.close()
    assert str(raised.value) == (
        "getUpdates answered an unreadable update: Object missing required field `chat` "
        "- at `$[0].message`"
    )


def test_a_refused_get_updates_is_said_in_one_line(telegram) -> None:
    telegram.fail_next(401)
    client = TelegramBot(TOKEN, str(CHAT), base_url=telegram.url)
    try:
        with pytest.raises(TelegramUnavailable) as raised:
            client.updates(0)
    finally:
        client.close()
    assert str(raised.value) == "getUpdates refused (HTTP 401: Unauthorized)"
    assert TOKEN not in str(raised.value)


def test_a_foreign_sender_s_name_cannot_break_the_log_line(bot, telegram) -> None:
    telegram.push(STRANGER, "/status", username="")
    telegram.incoming[-1]["message"]["from"]["first_name"] = "Eve\nnotify: forged line"
    assert bot.handle() == 0
    assert bot.logged == [
        "notify: ignored '/status' from chat 666 (Eve notify: forged line): not the configured chat"
    ]


def test_the_notifier_tells_a_trip_its_reset_and_a_halt(home, tmp_path, capsys) -> None:
    """Every paper message of an operator's day, from the events a replay and the CLI really
    record: the engine's start and stop, levels, closes, the trip, the reset, stop and resume."""
    config = make_config(tmp_path, "BTC/USDT", loose_kill_switch=False)
    risk = config / "risk.yaml"
    risk.write_text(risk.read_text().replace("grid_max_session_loss_percent: 25.0",
                                             "grid_max_session_loss_percent: 0.5"))  # fmt: skip
    notify = config / "notify.yaml"
    notify.write_text(notify.read_text().replace("digest_after: 20", "digest_after: 0"))
    base = ["--home", str(home), "--config-dir", str(config)]
    assert main([*base, *JANUARY, "--portfolio", "tight"]) == 0
    for command in (["kill-switch", "reset"], ["entries", "stop"], ["entries", "resume"]):
        assert main([*base, *command, "--portfolio", "tight"]) == 0
    capsys.readouterr()
    assert main([*base, "notify", "--dry-run"]) == 0
    told = capsys.readouterr().out
    for expected in (
        "<b>tight</b> started (replay)",
        "<b>tight</b> stopped (replay): finished",
        "closed (",
        "<b>grid_atr:BTC/USDT</b> (tight) long level 0 filled at",
        "<b>grid_atr:BTC/USDT</b> (tight) kill switch tripped (runner): lost 2.93 % of the capital "
        "since its last reset",
        "<b>tight</b> kill switch reset (request #1): grid_atr:BTC/USDT",
        "<b>tight</b> new entries stopped by the operator (request #2 from cli)",
        "<b>tight</b> new entries allowed again by the operator (request #3 from cli)",
    ):
        assert expected in told, expected
