"""The ``scalp-radar`` command.

Exit codes: 0 success, 1 the work failed (e.g. an exchange kept failing), 2 bad input (bad
argument, file, config or symbol) or a refused command, 141 the reader of stdout went away.
Errors and refusals are one clear line on stderr, never a traceback; reports go to stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from adapters.cli import (
    config_check,
    data,
    demo,
    live,
    notify,
    paper,
    portfolio,
    research,
    serve,
    store,
    venue_sim,
)
from adapters.cli.common import UsageError
from adapters.store.home import HomeError
from domain.market import MarketError
from domain.names import BadNameError
from projections.projector import ProjectionError

# what a shell reports for a tool whose reader went away (128 + SIGPIPE), as `yes | head` does
BROKEN_PIPE_EXIT = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. A reader that closes the output early (``status --json | head -c 10``)
    ends the command quietly with exit code 141, whatever the command."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # a reader that went away is found now, not at interpreter exit
    except BrokenPipeError:
        _stdout_to_devnull()
        return BROKEN_PIPE_EXIT


def _stdout_to_devnull() -> None:
    """Point stdout at the null device, so Python's flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # not a real file (a test's capture)
        pass


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (UsageError, MarketError, BadNameError, HomeError) as exc:
        print(f"scalp-radar: error: {exc}", file=sys.stderr)
        return 2
    except ProjectionError as exc:  # an event a read model cannot apply: said, not a traceback
        print(f"scalp-radar: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("scalp-radar: interrupted; what was stored stays stored", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scalp-radar", description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="state directory (default $SCALP_RADAR_HOME or ./var)")
    parser.add_argument(
        "--config-dir",
        dest="root_config_dir",
        type=Path,
        help="directory of the YAML config files (default $SCALP_RADAR_CONFIG_DIR or built-in)",
    )
    parser.set_defaults(handler=lambda _args: parser.print_help() or 2)
    commands = parser.add_subparsers(title="commands")
    # the order of the help text
    for group in (
        data,
        config_check,
        store,
        research,
        portfolio,
        serve,
        paper,
        live,
        notify,
        venue_sim,
        demo,
    ):
        group.register(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
