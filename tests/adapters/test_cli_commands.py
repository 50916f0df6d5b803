"""``adapters.cli.main.COMMANDS`` names every command and the module that defines it: a run
imports only that module, so the table must say exactly what the modules register."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

import adapters.cli
from adapters.cli.main import COMMANDS, build_parser


def _registered(module: str) -> list[str]:
    commands = argparse.ArgumentParser().add_subparsers()
    importlib.import_module(f"adapters.cli.{module}").register(commands)
    return list(commands.choices)


def test_the_table_names_what_each_module_registers() -> None:
    for module in dict.fromkeys(COMMANDS.values()):
        assert _registered(module) == [w for w, m in COMMANDS.items() if m == module], module


def test_every_cli_module_with_commands_is_in_the_table() -> None:
    folder = Path(adapters.cli.__file__).parent
    registering = {p.stem for p in folder.glob("*.py") if "\ndef register(" in p.read_text()}
    assert registering == set(COMMANDS.values())


def test_a_run_loads_only_its_own_command_module() -> None:
    probe = (
        "import sys; from adapters.cli.main import build_parser; build_parser(['optimize']); "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('adapters.cli.'))))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert "adapters.cli.research" in loaded
    assert not loaded & {f"adapters.cli.{m}" for m in set(COMMANDS.values()) - {"research"}}


def test_help_and_unknown_words_see_every_command() -> None:
    for argv in ([], ["--help"], ["--home", "x"], ["bogus"], ["--home"]):
        parser = build_parser(argv)
        (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        assert list(sub.choices) == list(COMMANDS), argv
