"""``projections rebuild``, ``doctor`` and ``store migrate``: the read models, the health of a
home's store, and its copy into PostgreSQL."""

from __future__ import annotations

import argparse
import sys

from eventsourcing.persistence import PersistenceError

from adapters.cli.common import (
    UsageError,
    engine_of,
)
from adapters.services.doctor import examine
from adapters.services.store_migration import (
    MigrationRefused,
    VerificationFailed,
    already_copied,
    count,
    migrate,
)
from adapters.store.event_store import Store, describe_store, open_sqlite_store
from adapters.store.home import Home
from adapters.text.progress import Progress


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
    events = commands.add_parser("store", help="the event store").add_subparsers(
        title="store commands", required=True
    )
    move = events.add_parser(
        "migrate", help="copy the home's SQLite store into PostgreSQL and verify the copy"
    )
    move.add_argument(
        "--to", required=True, choices=["postgres"], help="the target, set by the environment"
    )
    move.set_defaults(handler=cmd_store_migrate)


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


def cmd_store_migrate(args: argparse.Namespace) -> int:
    """Copy ``<home>/events.db`` into the PostgreSQL store the environment selects (README,
    "Where state lives"), then verify it; progress on stderr, the outcome on stdout."""
    home = Home.resolve(args.home)
    if not home.events_db.is_file():
        raise UsageError(f"store migrate: no SQLite store to copy ({home.events_db} not found)")
    try:
        target = Store()  # what the environment selects, as every command would open it
    except PersistenceError as exc:  # a wrong host, password or database: the settings
        raise UsageError(f"store migrate: cannot open the target store: {exc}") from None
    where = describe_store(target)
    if not where.startswith("PostgreSQL"):
        target.close()
        raise UsageError(
            "store migrate --to postgres: the environment selects no PostgreSQL store (set "
            "PERSISTENCE_MODULE=eventsourcing.postgres and POSTGRES_HOST, _PORT, _USER, "
            "_PASSWORD, _DBNAME)"
        )
    source = open_sqlite_store(home)
    try:
        return _migrate(source, target, f"{describe_store(source)} -> {where}")
    finally:
        source.close()
        target.close()


def _migrate(source: Store, target: Store, route: str) -> int:
    try:
        skip = already_copied(source, target)  # a refusal is said before any progress line
    except MigrationRefused as exc:
        raise UsageError(f"store migrate: {exc}") from None
    total = count(source)
    copying = Progress("copying", total - skip, "events")
    verifying = Progress("verifying: read models rebuilt from both", 2 * total, "events")
    try:
        done = migrate(source, target, skip, copying.advance, verifying.advance)
    except VerificationFailed as exc:
        print(f"scalp-radar: store migrate: {exc}", file=sys.stderr)
        return 1
    finally:
        copying.close()
        verifying.close()
    print(
        f"{route}: {done.copied} events copied, {done.total} in both; verified: the same "
        f"events, and the same {len(done.read_models)} read model tables rebuilt from each"
    )
    return 0
