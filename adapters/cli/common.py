"""What every command shares: bad input as ``UsageError`` (one line, exit 2), the engine and
the settings of the global options, the ``--no-specs`` option of the trading commands and
``--cluster``, catching
the read models up, dates and output files typed on the command line.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adapters.services.cluster_target import INSTALL, ClusterError, ClusterTarget, check_address
from adapters.services.engine import Engine
from adapters.store.home import Home
from adapters.text.progress import Progress
from adapters.text.timefmt import parse_date
from config.loader import ConfigError, load_settings
from config.settings import Settings

# the folder of our packages (the checkout, or site-packages under a wheel): the bundled sample
# data and the vendored htmx are package data there
REPO_ROOT = Path(__file__).resolve().parents[2]


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit code 2."""


def engine_of(args: argparse.Namespace) -> Engine:
    return Engine(Home.resolve(args.home))


def config_dir_of(args: argparse.Namespace) -> Path | None:
    chosen = getattr(args, "config_dir", None) or args.root_config_dir
    env = os.environ.get("SCALP_RADAR_CONFIG_DIR")
    return chosen or (Path(env) if env else None)


def settings_of(args: argparse.Namespace) -> Settings:
    return settings_in(config_dir_of(args))


def settings_in(config_dir: Path | None) -> Settings:
    """Load and validate the config; a bad config stops the command before any work."""
    try:
        return load_settings(config_dir)
    except ConfigError as exc:
        problems = "\n  ".join(str(p) for p in exc.problems)
        raise UsageError(f"invalid config ({len(exc.problems)} problem(s)):\n  {problems}") from exc


def no_specs_option(parser: argparse.ArgumentParser) -> None:
    """``--no-specs``, shared by the commands that trade (backtest, optimize, paper, demo)."""
    parser.add_argument(
        "--no-specs",
        action="store_true",
        help="run without the trading venue's contract spec (prices unrounded, no minimum "
        "order, no liquidation) rather than refuse a market that has none; the report says so",
    )


def cluster_option(parser: argparse.ArgumentParser) -> None:
    """``--cluster``, shared by ``optimize`` and ``serve`` (the Explorer's jobs)."""
    parser.add_argument(
        "--cluster",
        metavar="local|tcp://HOST:PORT",
        help="run the walk-forwards on Dask workers: a LocalCluster on this machine, or a "
        f"running scheduler (needs `{INSTALL}`; README, Cluster)",
    )


def cluster_target(args: argparse.Namespace, settings: Settings) -> ClusterTarget | None:
    """The checked ``--cluster`` (None: the local pool)."""
    if args.cluster is None:
        return None
    try:
        return ClusterTarget(check_address(args.cluster), settings)
    except ClusterError as exc:
        raise UsageError(str(exc)) from exc


def catch_up(engine: Engine) -> None:
    """Bring the read models up to the store before a command reads them (a progress bar when
    they are far behind, e.g. after a large import by another process)."""
    pending = engine.pending()
    progress = Progress("projecting", pending, "events") if pending > 50_000 else None
    engine.project(on_page=progress.advance if progress else None)
    if progress:
        progress.close()


def say(text: str) -> None:
    print(f"scalp-radar: {text}", file=sys.stderr, flush=True)


def date_arg(text: str, option: str) -> int:
    """A UTC date or time given to ``option`` as epoch ms; a bad one names the option."""
    try:
        return parse_date(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def check_output_file(option: str, path: Path) -> None:
    """A file the command will write, checked before any work: its directory must exist and
    the path must not be a directory (a long run should not end on an unwritable path)."""
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a directory (give a file name)")
    if not path.parent.is_dir():
        raise UsageError(f"{option} {path}: directory {path.parent} does not exist")


def write_output(option: str, path: Path, text: str) -> None:
    """Write the file ``option`` names (checked by ``check_output_file`` before the work); a
    failure now (a full disk, no permission) is still one line, naming the option."""
    try:
        path.write_text(text)
    except OSError as exc:
        raise UsageError(f"{option} {path}: {exc.strerror or exc}") from exc


@contextmanager
def sigterm_stops() -> Iterator[None]:
    """While a trading command runs, SIGTERM (``docker stop``, systemd) stops it as Ctrl-C does,
    so it records why it stopped instead of vanishing (the next start would read as after a
    crash). Only in the main thread, where Python delivers signals; restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
