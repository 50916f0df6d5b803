"""Operator requests to a paper portfolio, as events: the CLI and the web never write the
Simulator themselves (one writer: the paper process), they append a request that the writer
handles at its next step and answers with a Simulator event."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from domain.facts import Fact


def requests_log_id(portfolio: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"/operator/{portfolio}")


class KillSwitchResetRequested(Fact):
    """Reset the kill switches of ``portfolio``: the global one and every runner (``key`` ""),
    or one runner. ``source`` says who asked (cli, web)."""

    TOPIC = "scalp_radar:KillSwitchResetRequested"
    portfolio: str
    key: str
    source: str
