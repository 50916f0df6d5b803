"""In real time the balance is asked every five minutes, not only at each candle: a deposit
between two candles is recorded (BalanceRefreshed) at the next five-minute mark."""

from __future__ import annotations

from domain.executor import Executor
from tests.adapters.live.test_failures import booted

MINUTE = 60_000


def _balances(engine) -> list[float]:
    events = engine.store.events.get(Executor.create_id("sim"))
    return [e.total for e in events if type(e).__name__ == "BalanceRefreshed"]


def test_a_deposit_between_candles_is_seen_within_five_minutes(venue) -> None:
    r, engine = venue
    trader = booted(r, engine)
    before = _balances(engine)
    r.sim.matcher.balance += 500.0  # a deposit: no candle closes meanwhile (lockstep)
    now = [trader.clock()]
    trader.clock = lambda: now[0]
    rounds: list[int] = []

    def wait(_seconds: float) -> None:
        rounds.append(now[0])
        now[0] += 2 * MINUTE  # each poll round two minutes apart

    trader.run(0.0, stop=lambda: len(rounds) >= 4, wait=wait)
    after = _balances(engine)
    # rounds at +0, +2, +4 min: not asked yet; the fourth, at +6 min: asked, recorded
    assert len(rounds) == 4 and after[: len(before)] == before
    assert after[len(before) :] == [before[-1] + 500.0]
