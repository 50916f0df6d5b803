"""``warm-cache``: compile the numba kernels into their on-disk cache before the first run
(``tasks.py`` runs it after installing)."""

from __future__ import annotations

import argparse

from adapters.cli.common import settings_of
from adapters.services.warm_cache import warm
from adapters.text.progress import Progress


def register(commands) -> None:
    cmd = commands.add_parser(
        "warm-cache", help="compile the research kernels ahead (first run after an install)"
    )
    cmd.set_defaults(handler=cmd_warm_cache)


def cmd_warm_cache(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    progress = Progress("warming numba's cache", len(settings.param_grids.grids), "strategies")
    warm(settings, lambda strategy: progress.advance(1, strategy))
    progress.close()
    return 0
