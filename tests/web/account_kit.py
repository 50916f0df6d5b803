"""A home whose live account holds the story the Live page is checked against."""

from __future__ import annotations

from pathlib import Path

from adapters.cli.main import main
from adapters.services.engine import Engine
from adapters.store.home import Home
from domain.executor import Executor
from tests.adapters.paper_kit import SPECS
from tests.projections.live_kit import BTC, ETH, M, entry, fill, long_two_fills, placed
from tests.stubs import SAMPLE_DATA, T0


def account_story() -> Executor:
    """Long 2 BTC @ 95 stopped at 85; short 1 ETH @ 2,000 without a stop, ETH halted; balance
    1,000 (free 800), an alert of it (1,250 five minutes before, no trade between);
    reconciled at 00:05; the account kill switch tripped at 00:06."""
    ex = Executor("sim", "bitget")
    ex.balance_refreshed(1000.0, 800.0, T0)
    ex.balance_moved_unexplained(1250.0, 1000.0, -20.0, T0 - 5 * M, 10.0, T0)
    long_two_fills(ex)
    short = placed(ex, entry(ETH, -1, 1.0, 2000.0, T0 + 4 * M, level=0))
    fill(ex, short, 2000.0, 1.0, T0 + 4 * M)
    ex.halt(ETH, "venue holds 2, executor 1", T0 + 5 * M)
    summary = {"looked_up": 1, "fills_booked": 2, "orphans_cancelled": 0, "positions": [BTC, ETH]}
    ex.reconciled(summary | {"halted": {ETH: "venue holds 2, executor 1"}}, T0 + 5 * M)
    # the account kill switch: the balance of 1,000 is 20 % below a peak of 1,250
    ex.account_kill_switch_tripped(1250.0, 1000.0, 20.0, 10.0, True, T0 + 6 * M)
    assert set(ex.positions) == {BTC, ETH}
    return ex


def account_home(root: Path) -> Path:
    """A home holding ``account_story``'s events and the sample's Bitget contract specs (BTC's
    price tick 0.1, ETH's 0.01), projected by whoever opens it."""
    assert main(["--home", str(root), "data", "import", str(SAMPLE_DATA / SPECS)]) == 0
    engine = Engine(Home(root))
    engine.store.save(account_story())
    engine.close()
    return root
