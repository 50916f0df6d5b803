"""The health rule on hand-made figures: ok with nothing to be wrong, a read model far behind
is degraded, a missing stop outranks everything."""

from __future__ import annotations

from projections.health import LAG_LIMIT, HealthFigures, Processes, assess
from projections.report_figures import Heartbeat, LiveNow


def _figures(lag: int = 0, unprotected: list[str] | None = None) -> HealthFigures:
    live = [LiveNow("acct", "bitget", 1000.0, 900.0, 1, 1, unprotected or [], [])]
    return HealthFigures(
        now=0,
        processes=Processes(running=[], projector_lag={"paper": lag}),
        heartbeat=Heartbeat(ts=0, paper=[], live=live),
        portfolios=[],
        orders={},
    )


def test_nothing_wrong_is_ok() -> None:
    health = assess(_figures(lag=LAG_LIMIT))  # at the limit: not yet news
    assert (health.status, health.reasons) == ("ok", [])


def test_a_read_model_far_behind_is_degraded() -> None:
    health = assess(_figures(lag=LAG_LIMIT + 1))
    assert health.status == "degraded"
    assert health.reasons == [f"read model paper is {LAG_LIMIT + 1:,} events behind"]


def test_a_position_without_a_stop_is_down_whatever_else() -> None:
    health = assess(_figures(lag=LAG_LIMIT + 1, unprotected=["BTC/USDT:USDT"]))
    assert health.status == "down"
    assert health.reasons[0] == "acct: BTC/USDT:USDT has no stop on the venue"
