"""Portfolio backtests read model: one row per recorded run, newest first; runs are never
dropped (a later run lists beside the earlier ones).

A row holds the headline figures as columns (what a list shows and sorts on) and the whole
settings and report as JSON, read back as ``PortfolioSettings`` / ``PortfolioReport``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import msgspec
import sqlite_utils
from eventsourcing.persistence import ApplicationRecorder, Notification

from domain.portfolio_report import PortfolioReport
from domain.portfolio_run import PortfolioBacktestCompleted, PortfolioSettings
from projections.projector import Projector

# the columns ``runs()`` lists
_HEADLINE = (
    "run_id",
    "recorded_ts",
    "mode",
    "runners",
    "capital",
    "start_ts",
    "end_ts",
    "return_pct",
    "max_drawdown_pct",
    "sharpe",
    "trips",
)


class PortfolioRun(msgspec.Struct, frozen=True):
    """One recorded run: its id, when it was recorded (wall clock, epoch ms), what it was
    asked and what it found."""

    run_id: str
    recorded_ts: int
    settings: PortfolioSettings
    report: PortfolioReport


class PortfolioRunsProjector(Projector):
    name = "portfolio_runs"
    topics = (PortfolioBacktestCompleted.TOPIC,)

    def __init__(self, recorder: ApplicationRecorder, db: sqlite_utils.Database, decode) -> None:
        self._decode = decode
        super().__init__(recorder, db)

    def create_tables(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS portfolio_runs (run_id TEXT PRIMARY KEY, "
            "seq INTEGER NOT NULL, recorded_ts INTEGER NOT NULL, mode TEXT NOT NULL, "
            "runners INTEGER NOT NULL, capital REAL NOT NULL, start_ts INTEGER, end_ts INTEGER, "
            "return_pct REAL, max_drawdown_pct REAL, sharpe REAL, trips INTEGER, "
            "settings TEXT NOT NULL, report TEXT NOT NULL)"
        )

    def drop_tables(self) -> None:
        self.db.execute("DROP TABLE IF EXISTS portfolio_runs")

    def apply(self, notifications: Sequence[Notification]) -> None:
        for n in notifications:
            state = self._decode(n.state)
            settings, report = state["settings"], state["report"]
            row = {
                "run_id": state["run_id"],
                "seq": n.id,
                "recorded_ts": int(state["timestamp"].timestamp() * 1000),
                "mode": settings["mode"],
                "runners": len(settings["runners"]),
                "capital": settings["capital"],
                "start_ts": report["start_ts"],
                "end_ts": report["end_ts"],
                "return_pct": report["return_pct"],
                "max_drawdown_pct": report["max_drawdown_pct"],
                "sharpe": report["sharpe"],
                "trips": len(report["trips"]),
                "settings": json.dumps(settings),
                "report": json.dumps(report),
            }
            self.db["portfolio_runs"].upsert(row, pk="run_id")


class PortfolioRunsReader:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def _ready(self) -> bool:
        return "portfolio_runs" in self.db.table_names()

    def runs(self) -> list[dict[str, Any]]:
        """Every run's headline row (the columns but the settings and report JSON), newest
        first."""
        if not self._ready():
            return []
        cursor = self.db.execute(
            f"SELECT {', '.join(_HEADLINE)} FROM portfolio_runs ORDER BY seq DESC"
        )
        return [dict(zip(_HEADLINE, row, strict=True)) for row in cursor.fetchall()]

    def run(self, run_id: str) -> PortfolioRun | None:
        """One run, whole; None when no run has that id."""
        if not self._ready():
            return None
        found = self.db.execute(
            "SELECT run_id, recorded_ts, settings, report FROM portfolio_runs WHERE run_id = ?",
            [run_id],
        ).fetchone()
        if found is None:
            return None
        run_id, recorded_ts, settings, report = found
        return PortfolioRun(
            run_id,
            recorded_ts,
            msgspec.json.decode(settings, type=PortfolioSettings),
            msgspec.json.decode(report, type=PortfolioReport),
        )
