"""Operator requests to a paper portfolio, as events: the CLI, the web and the Telegram bot never
write the Simulator themselves (one writer: the paper process), they append a request that the
writer handles at its next step and answers with a Simulator event.

Every kind shares one log per portfolio (``requests_log_id``), numbered by one sequence of
versions: the Simulator's ``requests_done`` is a position in that log, whatever the kind."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from domain.facts import Fact


def requests_log_id(portfolio: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"/operator/{portfolio}")


class KillSwitchResetRequested(Fact):
    """Reset the kill switches of ``portfolio``: the global one and every runner (``key`` ""),
    or one runner. ``source`` says who asked (cli, web, telegram)."""

    TOPIC = "scalp_radar:KillSwitchResetRequested"
    portfolio: str
    key: str
    source: str


class EntriesHaltRequested(Fact):
    """Stop (``halt`` True) or allow again (False) new entries of ``portfolio``: no grid opens
    a first level, no mono runner enters; what is open keeps its exits. ``source`` as above."""

    TOPIC = "scalp_radar:EntriesHaltRequested"
    portfolio: str
    halt: bool
    source: str


class FlattenRequested(Fact):
    """Close everything ``portfolio`` holds now (market orders at the last close) and stop its
    new entries, so it stays flat until entries are allowed again. ``source`` as above."""

    TOPIC = "scalp_radar:FlattenRequested"
    portfolio: str
    source: str


OperatorRequest = KillSwitchResetRequested | EntriesHaltRequested | FlattenRequested


def halt_text(halt: bool) -> str:
    """What a halt request does, in words (the CLI's, the bot's and the paper process's note)."""
    return "new entries stopped" if halt else "new entries allowed again"
