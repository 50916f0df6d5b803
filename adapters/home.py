"""Where the program keeps its state: one home directory for everything it writes.

``--home DIR`` wins, then ``SCALP_RADAR_HOME``, then ``./var``. The event store is
``events.db`` (unless PostgreSQL is selected by the environment) and the read models are
``read.db``; both are plain SQLite files that can be copied for a post-mortem.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_ENV = "SCALP_RADAR_HOME"
DEFAULT_HOME = Path("var")


@dataclass(frozen=True, slots=True)
class Home:
    root: Path

    @classmethod
    def resolve(cls, cli_value: str | None = None, environ: dict[str, str] | None = None) -> Home:
        env = os.environ if environ is None else environ
        root = Path(cli_value or env.get(HOME_ENV) or DEFAULT_HOME)
        return cls(root.expanduser().resolve())

    @property
    def events_db(self) -> Path:
        return self.root / "events.db"

    @property
    def read_db(self) -> Path:
        return self.root / "read.db"

    def ensure(self) -> Home:
        self.root.mkdir(parents=True, exist_ok=True)
        return self
