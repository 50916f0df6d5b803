"""Engine online/offline from the heartbeat table; glossary tooltips."""

from __future__ import annotations

import pytest
import sqlite_utils

from adapters.engine_status import STALE_AFTER_MS, engine_status
from web.glossary import GLOSSARY, term


def test_no_heartbeat_table_means_offline_and_never_seen() -> None:
    assert engine_status(sqlite_utils.Database(memory=True)) == (False, None)


def test_empty_table_means_offline() -> None:
    db = sqlite_utils.Database(memory=True)
    db.execute("CREATE TABLE engine_heartbeat (name TEXT PRIMARY KEY, ts_ms INTEGER)")
    assert engine_status(db, now_ms=10) == (False, None)


def test_fresh_heartbeat_is_online_stale_is_offline() -> None:
    db = sqlite_utils.Database(memory=True)
    db["engine_heartbeat"].insert_all(
        [{"name": "paper", "ts_ms": 1_000}, {"name": "live", "ts_ms": 5_000}], pk="name"
    )
    assert engine_status(db, now_ms=5_000 + STALE_AFTER_MS) == (True, 5_000)
    assert engine_status(db, now_ms=5_001 + STALE_AFTER_MS) == (False, 5_000)


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
    ):
        assert GLOSSARY[key]
