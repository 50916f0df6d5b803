"""The command loads no exchange client until a command calls an exchange: ccxt and aiohttp
cost about half a second of every ``optimize``, ``backtest`` or ``status`` otherwise."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("ccxt", "aiohttp")


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_the_command_and_its_parser_load_no_exchange_client() -> None:
    assert _loaded_after("from adapters.cli.main import build_parser; build_parser()") == []


def test_a_command_that_calls_an_exchange_still_finds_its_client() -> None:
    assert _loaded_after("import adapters.cli.data_fetch, adapters.cli.live_command") == ["ccxt"]
    assert _loaded_after("import adapters.venue_sim.server") == ["aiohttp"]
