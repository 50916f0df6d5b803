"""Engine online/offline from the paper writer lock; glossary tooltips."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from adapters.services.engine_status import EngineStatus, EngineStatusProbe, engine_status
from adapters.services.portfolio_commands import lock_path
from adapters.store.writer_lock import WriterLock
from web.glossary import GLOSSARY, term


def _read_db(*portfolios: tuple[str, int | None]) -> sqlite_utils.Database:
    db = sqlite_utils.Database(memory=True)
    db.execute("CREATE TABLE paper_portfolios (portfolio TEXT PRIMARY KEY, last_ts INTEGER)")
    db["paper_portfolios"].insert_all([{"portfolio": p, "last_ts": t} for p, t in portfolios])
    return db


def test_no_paper_table_means_offline_and_never_ran(tmp_path: Path) -> None:
    assert engine_status(tmp_path, sqlite_utils.Database(memory=True)) == EngineStatus(False, None)


def test_offline_shows_the_newest_candle_any_portfolio_processed(tmp_path: Path) -> None:
    db = _read_db(("paper", 5_000), ("other", 9_000), ("fresh", None))
    times = (("fresh", None), ("other", 9_000), ("paper", 5_000))
    assert engine_status(tmp_path, db) == EngineStatus(False, 9_000, (), times)


def test_a_held_writer_lock_means_online_and_names_the_portfolio(tmp_path: Path) -> None:
    db = _read_db(("paper", 5_000), ("other", 9_000))
    with WriterLock(lock_path(tmp_path, "other")):
        status = engine_status(tmp_path, db)
        assert (status.online, status.last_ts, status.running) == (True, 9_000, ("other",))
    assert not engine_status(tmp_path, db).online  # released: the process ended


def test_the_status_of_a_portfolio_has_its_own_time_not_the_newest() -> None:
    status = EngineStatus(False, 9_000, (), (("other", 9_000), ("paper", 5_000)))
    assert status.of("paper") == EngineStatus(False, 5_000, (), status.times, "paper")
    assert status.shown("other") == "other"
    assert status.shown("nope") == status.shown(None) == "paper"  # the default one
    assert (
        EngineStatus(
            False,
            9_000,
            (),
            (
                ("b", 9_000),
                ("a", 1),
            ),
        ).shown(None)
        == "a"
    )
    assert EngineStatus(False, None).shown(None) is None


def test_the_probe_looks_at_the_lock_at_most_once_per_ttl(tmp_path: Path) -> None:
    db = _read_db(("paper", 1))
    probe = EngineStatusProbe(tmp_path, lambda: db, ttl=3600)
    assert not probe.status().online
    with WriterLock(lock_path(tmp_path, "paper")):
        assert not probe.status().online  # remembered
        probe.ttl = 0
        assert probe.status().online


def test_term_wraps_the_label_with_the_escaped_definition() -> None:
    html = str(term("DSR", "deflated <Sharpe>"))
    assert html.startswith('<abbr class="term" tabindex="0" title="Deflated Sharpe Ratio')
    assert html.endswith(">deflated &lt;Sharpe&gt;</abbr>")


def test_unknown_term_is_an_error_not_a_silent_plain_word() -> None:
    with pytest.raises(KeyError, match="no glossary entry"):
        term("Sharpie")


def test_the_issue_terms_are_defined() -> None:
    for key in (
        "OOS",
        "IS",
        "DSR",
        "consistency",
        "Monte Carlo p-value",
        "grade",
        "Sharpe",
        "drawdown",
        "walk-forward",
        "regime",
        # issue 11: the in-sample selection and its stitched record
        "stitched OOS",
        "selection (in-sample)",
        "embargo",
        "parameters to trade",
        "earlier rule",
        "OOS robustness score",
        "selected in",
    ):
        assert GLOSSARY[key]
