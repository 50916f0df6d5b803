"""``notify``: tell Telegram what the event log says (a process of its own, so Telegram never
slows trading), answer the bot's commands and send the scheduled reports; ``--dry-run``
prints what would be sent, ``--report`` one report now."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from adapters.cli.common import UsageError, engine_of, settings_of, sigterm_stops
from adapters.notify.commands import Commands
from adapters.notify.notifier import Notifier
from adapters.notify.reports import Reports, report_text
from adapters.notify.schedule import ReportKind, previous
from adapters.notify.telegram import (
    TelegramBot,
    TelegramPayloadError,
    TelegramUnavailable,
    api_base,
)
from adapters.services.engine import Engine
from adapters.services.portfolio_commands import (
    RequestOutcome,
    UnknownPortfolioError,
    request_entries_halt,
    request_flatten,
    request_kill_switch_reset,
)
from adapters.store.event_store import store_exists
from adapters.store.home import Home
from config.secrets import SecretsError, dotenv_files, load_secrets
from config.settings import Settings
from domain.names import checked_name

# event messages sent per round of the loop at most (a page more), so that a long backlog (a
# replay) delays the scheduled reports by one round, not until it is delivered
ROUND_BUDGET = 50
REPORTS: dict[str, ReportKind] = {
    "heartbeat": "heartbeat",
    "daily": "daily_report",
    "weekly": "weekly_report",
}


def register(commands) -> None:
    p = commands.add_parser("notify", help="send Telegram messages for new events")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print the messages of the events not yet delivered; send nothing",
    )
    p.add_argument(
        "--once", action="store_true", help="deliver and answer what is pending, then exit"
    )
    p.add_argument(
        "--portfolio", default="paper", help="the paper portfolio the bot's commands act on"
    )
    p.add_argument(
        "--report",
        choices=sorted(REPORTS),
        help="print this report now (the heartbeat, yesterday's, last week's); send nothing",
    )
    p.set_defaults(handler=cmd_notify)


def cmd_notify(args: argparse.Namespace) -> int:
    checked_name("portfolio", args.portfolio)
    rules = settings_of(args).notify
    home = Home.resolve(args.home)
    if not store_exists(home):
        raise UsageError(f"no event store in {home.root} (nothing to notify)")
    engine = engine_of(args)
    store = engine.store
    if args.report:
        try:
            return _print_report(engine, REPORTS[args.report])
        finally:
            engine.close()
    decode = store.mapper.transcoder.decode
    say = lambda line: print(line, file=sys.stderr)  # noqa: E731
    notifier = Notifier(store.recorder, decode, home.notify_db, rules, log=say)
    reports = Reports(home.notify_db, rules, engine.read_db, refresh=engine.project, log=say)
    try:
        if args.dry_run:
            for message in notifier.preview():
                print(message.text)
            for text in reports.preview(_now()):
                print(text)
            return 0
        with sigterm_stops():
            return _deliver(args, engine, notifier, reports, say)
    finally:
        reports.close()
        notifier.close()
        engine.close()


def _print_report(engine: Engine, kind: ReportKind) -> int:
    engine.project()
    now = _now()
    print(report_text(engine.read_db, previous(kind, now), now))
    return 0


def _now() -> int:
    return int(time.time() * 1000)


def _deliver(
    args: argparse.Namespace,
    engine: Engine,
    notifier: Notifier,
    reports: Reports,
    say: Callable[[str], None],
) -> int:
    home = engine.home
    poll = settings_of(args).notify.poll_seconds
    try:
        secrets = load_secrets(dotenv_paths=dotenv_files(home.root))
    except SecretsError as exc:
        raise UsageError(str(exc)) from None
    if not secrets.telegram_configured:
        raise UsageError("notify needs TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID (or --dry-run)")
    bot = TelegramBot(secrets.telegram_bot_token, secrets.telegram_chat_id, base_url=api_base())
    operator = ServicesOperator(engine, settings_of(args), args.portfolio)
    commands = Commands(
        engine.paper_reader(), engine.live_reader(), operator, args.portfolio, home.notify_db, say
    )
    try:
        while True:
            budget = None if args.once else ROUND_BUDGET
            try:
                sent = notifier.deliver(bot, budget)
                backlog = budget is not None and sent >= budget
                commands.handle(bot)
                sent += reports.send_due(bot, _now())
            except (TelegramUnavailable, TelegramPayloadError) as exc:
                if args.once:
                    print(f"scalp-radar: notify: {exc}", file=sys.stderr)
                    return 1
                print(f"notify: {exc}; trying again in {poll:g} s", file=sys.stderr)
                sent, backlog = 0, False
            if args.once:
                print(f"notify: {sent} message(s) sent")
                return 0
            if not backlog:
                time.sleep(poll)
    finally:
        commands.close()
        bot.close()


class ServicesOperator:
    """The bot's ``Operator``: its commands through the services the CLI and the dashboard use
    (``source`` "telegram" in the requests)."""

    def __init__(self, engine: Engine, settings: Settings, portfolio: str) -> None:
        self._engine, self._settings, self._portfolio = engine, settings, portfolio

    def refresh(self) -> None:
        self._engine.project()

    def reset(self, runner: str) -> str:
        return self._ask("kill-switch reset", request_kill_switch_reset, runner)

    def halt(self, halt: bool) -> str:
        return self._ask("entries", request_entries_halt, halt)

    def flatten(self) -> str:
        return self._ask("flatten", request_flatten)

    def _ask(self, what: str, request: Callable[..., RequestOutcome], *arguments: object) -> str:
        """``request(engine, settings, portfolio, *arguments, "telegram")`` in one line."""
        try:
            outcome = request(self._engine, self._settings, self._portfolio, *arguments, "telegram")
        except UnknownPortfolioError as exc:
            return str(exc)
        return f"{what} {outcome.text}"
