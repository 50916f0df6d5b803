"""``projections rebuild`` and ``doctor``: the read models, and the health of a home's store."""

from __future__ import annotations

import argparse
import sys

from adapters.cli.common import (
    engine_of,
)
from adapters.services.doctor import examine
from adapters.store.home import Home


def register(commands) -> None:
    proj = commands.add_parser("projections", help="read models").add_subparsers(
        title="projections commands", required=True
    )
    rebuild = proj.add_parser("rebuild", help="drop the read models and replay every event")
    rebuild.set_defaults(handler=cmd_projections_rebuild)
    doctor = commands.add_parser(
        "doctor", help="the store's health: undecodable events, projections, locks, disk space"
    )
    doctor.set_defaults(handler=cmd_doctor)


def cmd_projections_rebuild(args: argparse.Namespace) -> int:
    engine = engine_of(args)
    try:
        applied = engine.rebuild_projections()
    finally:
        engine.close()
    print(f"projections rebuilt from {applied} events")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """The store's health, one line per finding; problems on stderr, exit 1 if any."""
    checkup = examine(Home.resolve(args.home))
    for finding in checkup.findings:
        if finding.problem:
            print(f"problem: {finding.text}", file=sys.stderr)
        else:
            print(finding.text)
    count = len(checkup.problems)
    print(f"doctor: {count} problem(s)" if count else "doctor: healthy")
    return 1 if count else 0
