"""``config check``: every config problem at once, and where the secrets come from."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from adapters.cli.common import (
    config_dir_of,
)
from adapters.store.home import Home
from config.loader import check_config
from config.secrets import SecretsError, dotenv_files, dotenv_report, load_secrets


def register(commands) -> None:
    config = commands.add_parser("config", help="configuration").add_subparsers(
        title="config commands", required=True
    )
    check = config.add_parser("check", help="validate every config file, report all problems")
    check.add_argument("--config-dir", type=Path)
    check.set_defaults(handler=cmd_config_check)


def cmd_config_check(args: argparse.Namespace) -> int:
    """The YAML files, then the secrets: which ``.env`` files were read (the variables they
    set, never a value), and whether they and the environment parse."""
    problems = check_config(config_dir_of(args))
    env_files = dotenv_files(Home.resolve(args.home).root)
    try:
        read = dotenv_report(env_files)
        load_secrets(dotenv_paths=env_files)
    except SecretsError as exc:
        read, problems = [], [*problems, f"secrets: {exc}"]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"config: {len(problems)} problem(s)", file=sys.stderr)
        return 2
    print("config: ok")
    print(_dotenv_text(read, env_files))
    return 0


def _dotenv_text(read: list[tuple[Path, list[str]]], looked: list[Path]) -> str:
    if not read:
        where = " nor ".join(str(p) for p in looked)
        return f"secrets: from the environment only (no {where})"
    order = " (the first wins)" if len(read) > 1 else ""
    lines = [f"secrets: from the environment, then{order}"]
    for path, names in read:
        lines.append(f"  {path}: {', '.join(names) if names else 'no secret variable'}")
    return "\n".join(lines)
