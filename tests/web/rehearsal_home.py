"""A home the Live page is checked against: four days of grid_atr on BTC rehearsed on the local
Bitget (the real ccxt client, the venue's matching), stopped at the close of the candle in which
the next entry filled (and got its stop), so the account holds a protected position, resting
orders and closed trades the shadow portfolio ``rehearsal`` made too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from adapters.venue_sim.server import SimState
from tests.adapters.live.live_kit import DAY, rehearsal

START = 1_748_736_000_000  # 2025-06-01 00:00 UTC
DAYS = 4


@dataclass(frozen=True)
class RehearsalHome:
    home: Path
    config: Path
    venue: SimState  # the local Bitget's own account when the rehearsal stopped


def rehearsal_home(root: Path) -> RehearsalHome:
    with rehearsal(root, START, assets=("BTC/USDT",), end=START + 2 * DAYS * DAY) as r:
        engine = r.engine()
        try:
            trader = r.trader(engine)
            trader.boot(START)
            assert trader.rehearse(r.step, candles=DAYS * 24) == DAYS * 24
            while not r.sim.state().positions:  # candle by candle until an entry fills
                assert trader.rehearse(r.step, candles=1) == 1
            engine.project()
            return RehearsalHome(r.home, r.config, r.sim.state())
        finally:
            engine.close()
