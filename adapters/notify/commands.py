"""The bot's commands: ``/status``, ``/positions``, ``/pnl [day|week]``, ``/killswitch``,
``/reset [runner]``, ``/stop``, ``/resume``, ``/flatten``, ``/help``, from the configured chat only.

A message from any other chat gets no answer and is logged (one line: chat id, sender, the
command word). Answers come from the read models (``adapters.notify.answers``); ``/reset``,
``/stop`` and ``/resume`` go through the application services the CLI and the dashboard use
(``adapters.services.portfolio_commands``, given as an ``Operator`` by the CLI: this room may
not import the services) and become operator requests, then Simulator events.

At most once: each update id is recorded in ``notify.db`` (table ``commands``) *before* its
command runs, and ``getUpdates`` asks from the last recorded id + 1, so Telegram forgets what
we handled and a restart never runs a command twice. A crash between that record and the
answer loses the command (and its answer) rather than risking a second reset the operator did
not ask for; the row stays ``taken``, and the operator can ask again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from adapters.notify import answers
from adapters.notify.telegram import Refused, Sent, Update
from projections.live.reader import LiveReader
from projections.notifier import escape
from projections.paper.reader import PaperReader

HELP = (
    "/status: equity, P&amp;L, kill switch, new entries\n"
    "/positions: open positions with their TP and stop\n"
    "/pnl [day|week]: P&amp;L of the day (default) or the week\n"
    "/killswitch: kill-switch state and reason\n"
    "/reset [runner]: reset the kill switch of one runner, or every switch\n"
    "/stop: stop new entries (open positions keep their exits)\n"
    "/resume: allow new entries again\n"
    "/flatten: close every position at the last price and stop new entries\n"
    "/help: this list"
)
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS commands (update_id INTEGER PRIMARY KEY, chat_id TEXT NOT NULL, "
    "sender TEXT NOT NULL, command TEXT NOT NULL, status TEXT NOT NULL)"
)
_WORD_MAX = 32  # a command word or sender longer than this is cut in the log


class CommandBot(Protocol):
    @property
    def chat_id(self) -> str: ...

    def updates(self, offset: int, timeout: int = 0) -> list[Update]: ...

    def reply(self, chat_id: str, text: str, silent: bool = False) -> Sent | Refused: ...


class Operator(Protocol):
    """What the bot asks of the application services; each action answers in one line."""

    def refresh(self) -> None:
        """Bring the read models up to date with the store."""

    def reset(self, runner: str) -> str:
        """Request a kill-switch reset of ``runner`` ("" for every switch)."""

    def halt(self, halt: bool) -> str:
        """Request new entries stopped (``halt``) or allowed again."""

    def flatten(self) -> str:
        """Request every position closed and new entries stopped."""


class Commands:
    def __init__(
        self,
        paper: PaperReader,
        live: LiveReader,
        operator: Operator,
        portfolio: str,
        path: Path | str,
        log: Callable[[str], None] = print,
    ) -> None:
        self._paper, self._live, self._operator = paper, live, operator
        self._portfolio, self._log = portfolio, log
        self._db = sqlite3.connect(str(path), timeout=60)
        self._db.execute(_SCHEMA)
        self._db.commit()

    def handle(self, bot: CommandBot) -> int:
        """Answer the pending messages once; returns the commands run. Raises
        ``TelegramUnavailable`` (from the bot) with what was handled before it recorded."""
        ran = 0
        for update in bot.updates(self.last_update() + 1):
            word, argument = _parse(update.text)
            if update.chat_id != bot.chat_id:
                self._record(update, word, "ignored")
                # a first name may hold anything: one line, whatever it holds
                sender = " ".join(update.sender.split())[:_WORD_MAX] or "no sender"
                self._log(
                    f"notify: ignored {word[:_WORD_MAX]!r} from chat {update.chat_id} "
                    f"({sender}): not the configured chat"
                )
                continue
            self._record(update, word, "taken")  # before it runs: at most once
            outcome = bot.reply(update.chat_id, self.answer(word, argument))
            self._mark(update.update_id, "answered" if isinstance(outcome, Sent) else "refused")
            ran += 1
        return ran

    def answer(self, word: str, argument: str) -> str:
        """The reply to ``/word argument`` (after running it, for the commands that act)."""
        self._operator.refresh()
        paper, name = self._paper, self._portfolio
        if word == "/status":
            return answers.status(paper, self._live, name)
        if word == "/positions":
            return answers.positions(paper, name)
        if word == "/pnl" and (argument or "day") in answers.PERIODS:
            return answers.pnl(paper, name, argument or "day")
        if word == "/killswitch":
            return answers.kill_switch(paper, name)
        if word == "/reset":
            return escape(self._operator.reset(argument))
        if word in ("/stop", "/resume") and not argument:
            return escape(self._operator.halt(word == "/stop"))
        if word == "/flatten" and not argument:
            return escape(self._operator.flatten())
        if word == "/help":
            return HELP
        return f"unknown command or argument: {escape(word or '(no command)')}\n{HELP}"

    def last_update(self) -> int:
        row = self._db.execute("SELECT MAX(update_id) FROM commands").fetchone()
        return int(row[0] or 0)

    def _record(self, update: Update, word: str, status: str) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO commands VALUES (?, ?, ?, ?, ?)",
                [update.update_id, update.chat_id, update.sender, word[:_WORD_MAX], status],
            )

    def _mark(self, update_id: int, status: str) -> None:
        with self._db:
            self._db.execute(
                "UPDATE commands SET status = ? WHERE update_id = ?", [status, update_id]
            )

    def close(self) -> None:
        self._db.close()


def _parse(text: str) -> tuple[str, str]:
    """``"/pnl@ScalpBot week"`` -> ``("/pnl", "week")``: the command word (lower case, without
    the bot's name Telegram appends in groups) and the rest."""
    word, _, argument = text.strip().partition(" ")
    return word.split("@", 1)[0].lower(), argument.strip()
