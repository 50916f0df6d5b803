"""Names that become paths or stream ids are refused before anything is written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from adapters.cli.main import main
from domain.names import BadNameError, checked_name
from tests.adapters.paper_kit import make_config, make_home


@pytest.mark.parametrize("name", ["paper", "main-2", "a_b", "X" * 64])
def test_good_names_pass(name: str) -> None:
    assert checked_name("portfolio", name) == name


@pytest.mark.parametrize("name", ["", "x/../../trav", "..", "a b", "é", "X" * 65, "a\x00"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(BadNameError, match="use 1-64 letters, digits"):
        checked_name("portfolio", name)


@pytest.mark.parametrize("name", ["x/../../trav", ""])
def test_paper_refuses_a_portfolio_name_that_is_not_a_name(
    tmp_path: Path, capsys, name: str
) -> None:
    home, config = make_home(tmp_path), make_config(tmp_path, "BTC/USDT")
    events = _events(home)
    before = _files(tmp_path)
    args = ["--home", str(home), "--config-dir", str(config), "paper", "--replay"]
    capsys.readouterr()
    code = main([*args, "--from", "2025-06-01", "--portfolio", name])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "portfolio name" in err
    # no lock file anywhere (inside or outside the home), nothing stored
    assert _files(tmp_path) == before
    assert _events(home) == events


def _files(root: Path) -> list[Path]:
    """Every file under ``root`` but SQLite's own shared-memory and WAL companions."""
    return sorted(
        p.relative_to(root) for p in root.rglob("*") if not p.name.endswith(("-shm", "-wal"))
    )


def _events(home: Path) -> int:
    with sqlite3.connect(home / "events.db") as db:
        return db.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]


@pytest.mark.parametrize(
    "command",
    [["status"], ["replay", "--at", "2025-01-01"], ["kill-switch", "reset"]],
)
def test_every_paper_command_checks_the_portfolio_name(tmp_path: Path, capsys, command) -> None:
    home = tmp_path / "home"
    code = main(["--home", str(home), *command, "--portfolio", "../x"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "portfolio name '../x'" in err
    assert not home.exists()  # refused before the store is opened
