"""``status`` with a live account in the home: its section in text and JSON, hand-computed."""

from __future__ import annotations

import json
from pathlib import Path

from adapters.cli.main import main
from adapters.services.engine import Engine
from adapters.store.home import Home
from domain.executor import Executor
from domain.simulator import Simulator
from tests.projections.live_kit import BTC, ETH, M, entry, fill, long_two_fills, placed
from tests.stubs import T0


def _home(tmp_path: Path, ex: Executor | None) -> list[str]:
    """A home with the paper portfolio ``paper`` and, if given, the executor's events."""
    engine = Engine(Home(tmp_path))
    engine.store.save(Simulator(name="paper", capital=1000.0, max_margin_ratio=0.7))
    if ex is not None:
        engine.store.save(ex)
    engine.close()
    return ["--home", str(tmp_path), "status"]


def _story() -> Executor:
    """Long 2 BTC @ 95 stopped at 85, an ETH level resting at 1,900, ETH halted."""
    ex = Executor("sim", "bitget")
    ex.balance_refreshed(1000.0, 800.0, T0)
    long_two_fills(ex)
    placed(ex, entry(ETH, 1, 0.5, 1900.0, T0 + 4 * M))
    ex.halt(ETH, "venue holds 1, executor 0.5", T0 + 5 * M)
    ex.reconciled({"adopted": 0}, T0 + 5 * M)
    return ex


def test_status_without_an_executor_shows_no_account(tmp_path: Path, capsys) -> None:
    args = _home(tmp_path, None)
    assert main(args) == 0
    assert "account" not in capsys.readouterr().out
    assert main([*args, "--json"]) == 0
    assert "account" not in json.loads(capsys.readouterr().out)


def test_status_shows_the_account_section(tmp_path: Path, capsys) -> None:
    assert main(_home(tmp_path, _story())) == 0
    out = capsys.readouterr().out
    section = out[out.index("account sim") : out.index("health:")].splitlines()
    assert section == [
        "account sim on bitget",
        "  balance 1,000.00 (free 800.00) at 2023-01-01 00:00",
        "  last reconciliation 2023-01-01 00:05",
        "  HALTED ETH/USDT:USDT since 2023-01-01 00:05: venue holds 1, executor 0.5",
        "  positions:",
        "    BTC/USDT:USDT    long  qty 2 entry 95 stop 85",
        "  open orders:",
        "    BTC/USDT:USDT    stop        sell trigger 85 qty 2 open",
        "    ETH/USDT:USDT    entry       buy  limit 1,900 qty 0.5 open",
    ]


def test_status_shows_the_last_balance_alert(tmp_path: Path, capsys) -> None:
    ex = Executor("sim", "bitget")
    ex.refresh_balance(1000.0, 1000.0, T0, 10.0)
    ex.refresh_balance(1120.0, 1120.0, T0 + 5 * M, 10.0)  # +12 %, no trade
    ex.refresh_balance(1400.0, 1400.0, T0 + 10 * M, 10.0)  # +25 %, the newest
    args = _home(tmp_path, ex)
    assert main(args) == 0
    assert (
        "  last reconciliation never\n  BALANCE MOVED +25.0 % with no trade at 2023-01-01 00:10: "
        "1,120.00 -> 1,400.00 (since 2023-01-01 00:05, alert above 10 %)\n"
    ) in capsys.readouterr().out
    assert main([*args, "--json"]) == 0
    [account] = json.loads(capsys.readouterr().out)["account"]
    assert (
        account["balance_alert"]["before"] == 1120.0 and account["balance_alert"]["after"] == 1400.0
    )


def test_a_position_without_a_stop_says_so_loudly(tmp_path: Path, capsys) -> None:
    ex = Executor("sim", "bitget")
    short = placed(ex, entry(BTC, -1, 1.0, 100.0, T0))
    fill(ex, short, 100.0, 1.0, T0 + M)
    assert main(_home(tmp_path, ex)) == 0
    out = capsys.readouterr().out
    assert "    BTC/USDT:USDT    short qty 1 entry 100 NO STOP\n" in out
    assert "  balance never refreshed\n  last reconciliation never\n" in out


def test_status_json_holds_the_account(tmp_path: Path, capsys) -> None:
    assert main([*_home(tmp_path, _story()), "--json"]) == 0
    [account] = json.loads(capsys.readouterr().out)["account"]
    assert account["account"]["balance_total"] == 1000.0
    assert account["account"]["reconciliation"] == {"adopted": 0}
    [position] = account["positions"]
    assert (position["qty"], position["entry_price"], position["stop_trigger"]) == (2.0, 95.0, 85.0)
    assert [o["symbol"] for o in account["orders"]] == [BTC, ETH]
    assert account["halted"][0]["reason"] == "venue holds 1, executor 0.5"


def test_status_of_a_live_only_home_shows_its_accounts(tmp_path: Path, capsys) -> None:
    """No portfolio named ``paper`` (the live shadow is ``live``): the accounts still show, with
    the way to the shadow's own status; exit 0."""
    engine = Engine(Home(tmp_path))
    engine.store.save(_story())
    engine.close()
    assert main(["--home", str(tmp_path), "status"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "no paper portfolio 'paper'; the live shadow: --portfolio live or rehearsal"
    assert out[1] == "account sim on bitget"
    assert main(["--home", str(tmp_path), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["portfolio"] is None and status["account"][0]["account"]["account"] == "sim"
