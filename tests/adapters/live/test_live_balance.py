"""Live money: in real time the balance is asked every five minutes, not only at each candle
(a deposit between two candles is recorded at the next five-minute mark), and the live capital
cap sizes the shadow and its orders."""

from __future__ import annotations

import msgspec
import pytest

from adapters.store.operator_log import OperatorLog
from domain.account_guard import AccountLimits
from domain.executor import Executor
from domain.runner_book import OrderRole
from tests.adapters.live.conftest import START
from tests.adapters.live.live_kit import DAY, rehearsal
from tests.adapters.live.test_failures import BTC, booted, until

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


def _entries(r, engine) -> tuple[float, list[float]]:
    """The shadow's capital and the entry orders' quantities, by level, after boot."""
    trader = booted(r, engine)
    orders = sorted(
        (o for o in trader.executor.orders.values() if o.role == OrderRole.ENTRY),
        key=lambda o: o.level,
    )
    return trader.shadow.sim.capital, [o.qty for o in orders]


def test_the_live_capital_cap_sizes_the_shadow_and_the_orders(venue, tmp_path) -> None:
    r, engine = venue
    _, uncapped = _entries(r, engine)
    (tmp_path / "capped").mkdir()
    with rehearsal(tmp_path / "capped", START, assets=("BTC/USDT",), end=START + 6 * DAY) as c:
        risk = msgspec.structs.replace(c.settings.risk, live_max_capital=1_000.0)
        c.settings = msgspec.structs.replace(c.settings, risk=risk)  # as risk.yaml would say
        capped_engine = c.engine()
        try:
            capital, capped = _entries(c, capped_engine)
        finally:
            capped_engine.close()
    # 10,000 in risk.yaml, 1,000 for live: sizing is proportional to capital, so each level's
    # quantity is a tenth of the uncapped one, within the contract's step (0.001 BTC)
    assert capital == 1_000.0 and len(capped) == len(uncapped) > 0
    assert all(abs(q - u / 10) <= 0.001 + 1e-12 for q, u in zip(capped, uncapped, strict=True))


def test_a_fall_of_the_account_trips_its_kill_switch_and_stops_entries(venue) -> None:
    """The balance falls 15 % between two candles (a loss paper cannot see): at the next
    five-minute refresh the account kill switch trips (10 % in risk.yaml), the shadow is asked
    to stop new entries, and at the next candle it does: no entry order rests any more."""
    r, engine = venue
    risk = msgspec.structs.replace(r.settings.risk, live_kill_switch=AccountLimits())
    r.settings = msgspec.structs.replace(r.settings, risk=risk)  # risk.yaml's default: 10 %
    trader = booted(r, engine)
    assert [o for o in trader.executor.orders.values() if o.role == OrderRole.ENTRY]
    r.sim.matcher.balance *= 0.85
    events, _ = _two_rounds_six_minutes_apart(trader, engine)
    [trip] = [e for e in events if type(e).__name__ == "AccountKillSwitchTripped"]
    assert trip.drawdown_pct == pytest.approx(15.0) and trip.threshold_pct == 10.0
    [request] = OperatorLog(engine.store, "rehearsal").pending(0)
    assert (request.halt, request.source) == (True, "account kill switch")
    trader.clock = lambda: r.sim.matcher.now_ts
    until(r, trader, lambda p: p["paused"] == "candle")
    trader.react({BTC})
    trader.take_candles(trader.fetch_closed())
    assert trader.shadow.sim.entries_halted
    assert not [o for o in trader.executor.orders.values() if o.role == OrderRole.ENTRY]


def test_a_deposit_of_twelve_percent_with_no_trade_records_an_alert(venue) -> None:
    """The balance grows 12 % between two candles with no fill: the five-minute refresh records
    ``BalanceMovedUnexplained`` from the previous refresh's balance to the new one."""
    r, engine = venue
    trader = booted(r, engine)
    before = _balances(engine)[-1]
    r.sim.matcher.balance += 0.12 * before
    events, rounds = _two_rounds_six_minutes_apart(trader, engine)
    [alert] = [e for e in events if type(e).__name__ == "BalanceMovedUnexplained"]
    assert (alert.before, alert.after) == (before, pytest.approx(1.12 * before))
    assert alert.change_pct == pytest.approx(12.0) and alert.threshold_pct == 10.0
    assert alert.ts == rounds[1]  # the refresh of the second round, six minutes on


def _two_rounds_six_minutes_apart(trader, engine) -> tuple[list, list[int]]:
    """Two rounds of the live loop on a wall clock that moves 6 minutes a round (each round
    passes a five-minute balance refresh): the Executor's events after them, and when each
    round waited."""
    now = [trader.clock()]
    trader.clock = lambda: now[0]
    rounds: list[int] = []

    def wait(_seconds: float) -> None:
        rounds.append(now[0])
        now[0] += 6 * MINUTE

    trader.run(0.0, stop=lambda: len(rounds) >= 2, wait=wait)
    return list(engine.store.events.get(Executor.create_id("sim"))), rounds
