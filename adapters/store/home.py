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
DEFAULT_HOME = Path("var")


class HomeError(ValueError):
    """A state directory that cannot be used: reported in one line (CLI exit code 2)."""


@dataclass(frozen=True, slots=True)
class Home:
    root: Path

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
        return cls(root)

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
