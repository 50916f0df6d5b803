"""Where the program keeps its state: one home directory for everything it writes.

``--home DIR`` wins, then ``SCALP_RADAR_HOME``, then ``./var``. The event store is
``events.db`` (unless PostgreSQL is selected by the environment) and the read models are
``read.db``; both are plain SQLite files that can be copied for a post-mortem.

The home may not exist yet: its last part is created (``--home ./runs/june`` makes ``june``
inside an existing ``runs``). A home whose parent does not exist, or that is a file, is
refused (``HomeError``) before anything is written: a typo in a parent should not silently
create a tree of directories elsewhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_ENV = "SCALP_RADAR_HOME"
# writer locks (a running paper or live process, an import) in a folder shared by several
# homes: the services of one machine, each with its own home (compose, systemd), then see
# each other's locks
LOCK_DIR_ENV = "SCALP_RADAR_LOCK_DIR"
DEFAULT_HOME = Path("var")


class HomeError(ValueError):
    """A state directory that cannot be used: reported in one line (CLI exit code 2)."""


@dataclass(frozen=True, slots=True)
class Home:
    root: Path
    lock_dir: Path | None = None  # $SCALP_RADAR_LOCK_DIR; None: the home itself

    @classmethod
    def resolve(cls, cli_value: str | None = None, environ: dict[str, str] | None = None) -> Home:
        env = os.environ if environ is None else environ
        where = "--home" if cli_value else HOME_ENV if env.get(HOME_ENV) else "home"
        given = Path(cli_value or env.get(HOME_ENV) or DEFAULT_HOME)
        try:
            root = given.expanduser().resolve()
        except RuntimeError as exc:  # ~user of no known user
            raise HomeError(f"{where} {given}: {exc}") from None
        if root.exists() and not root.is_dir():
            raise HomeError(f"{where} {root}: not a directory")
        if not root.exists() and not root.parent.is_dir():
            raise HomeError(
                f"{where} {root}: its parent {root.parent} is not a directory (only the last "
                "part of a home is created)"
            )
        locks = env.get(LOCK_DIR_ENV)
        return cls(root, Path(locks).expanduser().resolve() if locks else None)

    @property
    def locks(self) -> Path:
        """Where the writer locks are: ``$SCALP_RADAR_LOCK_DIR`` or the home."""
        return self.lock_dir or self.root

    @property
    def events_db(self) -> Path:
        return self.root / "events.db"

    @property
    def read_db(self) -> Path:
        return self.root / "read.db"

    @property
    def notify_db(self) -> Path:
        """What the Telegram notifier delivered (its own file: it is no read model to rebuild,
        and a rebuild of the read DB must never send a message twice)."""
        return self.root / "notify.db"

    def ensure(self) -> Home:
        self.root.mkdir(parents=True, exist_ok=True)
        return self
