"""The ``scalp-radar`` command.

Exit codes: 0 success, 1 the work failed (e.g. an exchange kept failing), 2 bad input (bad
argument, file, config or symbol) or a refused command, 141 the reader of stdout went away.
Errors and refusals are one clear line on stderr, never a traceback; reports go to stdout.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import NoReturn

from adapters.cli.common import UsageError
from adapters.store.home import HomeError
from adapters.text import compile_notice
from domain.market import MarketError
from domain.names import BadNameError
from projections.projector import ProjectionError

# what a shell reports for a tool whose reader went away (128 + SIGPIPE), as `yes | head` does
BROKEN_PIPE_EXIT = 141

# Each command word and the module of ``adapters.cli`` that defines it, in the order of the
# help text. Only the module of the command being run is imported: all twelve cost about
# 0.15 s more of every run (tests/adapters/test_cli_commands.py keeps this table true).
COMMANDS: dict[str, str] = {
    "data": "data",
    "config": "config_check",
    "projections": "store",
    "doctor": "store",
    "store": "store",
    "backtest": "research",
    "optimize": "research",
    "portfolio": "portfolio",
    "serve": "serve",
    "paper": "paper",
    "status": "paper",
    "replay": "paper",
    "kill-switch": "paper",
    "entries": "paper",
    "flatten": "paper",
    "live": "live",
    "notify": "notify",
    "venue-sim": "venue_sim",
    "demo": "demo",
    "warm-cache": "warm_cache",
}


def run() -> NoReturn:
    """The console script: ``main``, then the interpreter's own exit steps (non-daemon threads
    joined, atexit handlers run, output flushed), then the process ends without freeing what
    it built. Tearing down numba's compiled kernels and LLVM's objects takes about 0.25 s, a
    tenth of a warm ``optimize`` (BENCHMARKS.md), and frees nothing anyone will use."""
    code = main()
    threading._shutdown()  # type: ignore[attr-defined]  # as Py_Finalize: threads first
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        # a reader that went away, a stream already closed: nothing more to say to them
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


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
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    compile_notice.install()  # a cold numba cache says why the first run waits
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


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or, given the arguments of a run that names one, of that
    command only."""
    parser = _global_options(argparse.ArgumentParser(prog="scalp-radar", description=_ABOUT))
    parser.set_defaults(handler=lambda _args: parser.print_help() or 2)
    commands = parser.add_subparsers(title="commands")
    word = None if argv is None else _command_word(argv)
    modules = [COMMANDS[word]] if word in COMMANDS else dict.fromkeys(COMMANDS.values())
    for module in modules:
        _command_module(module).register(commands)
    return parser


def _command_module(name: str) -> ModuleType:
    """The module of ``adapters.cli`` named ``name``, imported now. Written out, not built from
    the name: every import stays one the layering check can read."""
    match name:
        case "data":
            from adapters.cli import data as module
        case "config_check":
            from adapters.cli import config_check as module
        case "store":
            from adapters.cli import store as module
        case "research":
            from adapters.cli import research as module
        case "portfolio":
            from adapters.cli import portfolio as module
        case "serve":
            from adapters.cli import serve as module
        case "paper":
            from adapters.cli import paper as module
        case "live":
            from adapters.cli import live as module
        case "notify":
            from adapters.cli import notify as module
        case "venue_sim":
            from adapters.cli import venue_sim as module
        case "demo":
            from adapters.cli import demo as module
        case "warm_cache":
            from adapters.cli import warm_cache as module
        case _:
            raise KeyError(name)
    return module


_ABOUT = __doc__.splitlines()[0]


def _global_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--home", help="state directory (default $SCALP_RADAR_HOME or ./var)")
    parser.add_argument(
        "--config-dir",
        dest="root_config_dir",
        type=Path,
        help="directory of the YAML config files (default $SCALP_RADAR_CONFIG_DIR or built-in)",
    )
    return parser


def _command_word(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names after the global options, or None (help, or no command).
    A word no command has also registers them all, so argparse's refusal lists the choices."""
    options = _global_options(argparse.ArgumentParser(add_help=False, exit_on_error=False))
    try:
        _known, rest = options.parse_known_args(argv)
    except argparse.ArgumentError:  # a global option without its value: the full parser says so
        return None
    return rest[0] if rest else None


if __name__ == "__main__":
    run()
