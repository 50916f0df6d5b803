"""When a trading process (paper or live) started and stopped, as facts of its portfolio.

Only the process holding the portfolio's writer lock appends them, so a portfolio's session log
has one writer. A process killed outright (SIGKILL, power loss) writes no ``EngineStopped``: the
next ``EngineStarted`` says so (``after_crash``), which is how a trader hears of a crash that
nobody was there to see.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from domain.facts import Fact


def session_log_id(portfolio: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"/engine/{portfolio}")


class EngineStarted(Fact):
    """``mode``: what the process does (paper, replay, live, rehearsal), with its venue;
    ``after_crash``: the previous session of this portfolio never said it stopped."""

    TOPIC = "scalp_radar:EngineStarted"
    portfolio: str
    mode: str
    after_crash: bool


class EngineStopped(Fact):
    """``reason``: finished, interrupted (Ctrl-C, SIGTERM) or the error that ended the run."""

    TOPIC = "scalp_radar:EngineStopped"
    portfolio: str
    mode: str
    reason: str
