"""``notify``: tell Telegram what the event log says (a process of its own, so Telegram never
slows trading); ``--dry-run`` prints what would be sent."""

from __future__ import annotations

import argparse
import sys
import time

from adapters.cli.common import UsageError, settings_of
from adapters.notify.notifier import Notifier
from adapters.notify.telegram import TelegramBot, TelegramUnavailable, api_base
from adapters.store.event_store import open_store
from adapters.store.home import Home
from config.secrets import SecretsError, dotenv_files, load_secrets


def register(commands) -> None:
    p = commands.add_parser("notify", help="send Telegram messages for new events")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print the messages of the events not yet delivered; send nothing",
    )
    p.add_argument("--once", action="store_true", help="deliver what is pending, then exit")
    p.set_defaults(handler=cmd_notify)


def cmd_notify(args: argparse.Namespace) -> int:
    rules = settings_of(args).notify
    home = Home.resolve(args.home)
    if not home.events_db.is_file():
        raise UsageError(f"no event store in {home.root} (nothing to notify)")
    store = open_store(home)
    decode = store.mapper.transcoder.decode
    say = lambda line: print(line, file=sys.stderr)  # noqa: E731
    notifier = Notifier(store.recorder, decode, home.notify_db, rules, log=say)
    try:
        if args.dry_run:
            for message in notifier.preview():
                print(message.text)
            return 0
        return _deliver(args, home, notifier, rules.poll_seconds)
    finally:
        notifier.close()
        store.close()


def _deliver(args: argparse.Namespace, home: Home, notifier: Notifier, poll: float) -> int:
    try:
        secrets = load_secrets(dotenv_paths=dotenv_files(home.root))
    except SecretsError as exc:
        raise UsageError(str(exc)) from None
    if not secrets.telegram_configured:
        raise UsageError("notify needs TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID (or --dry-run)")
    bot = TelegramBot(secrets.telegram_bot_token, secrets.telegram_chat_id, base_url=api_base())
    try:
        while True:
            try:
                sent = notifier.deliver(bot)
            except TelegramUnavailable as exc:
                if args.once:
                    print(f"scalp-radar: notify: {exc}", file=sys.stderr)
                    return 1
                print(f"notify: {exc}; trying again in {poll:g} s", file=sys.stderr)
                sent = 0
            if args.once:
                print(f"notify: {sent} message(s) sent")
                return 0
            time.sleep(poll)
    finally:
        bot.close()
