"""Commands on a paper portfolio from outside its writer (CLI, dashboard, Telegram bot).

They never write the Simulator directly: a request is appended to the portfolio's operator log,
then applied at once if no process is writing the portfolio (taking its lock for the moment),
otherwise by the running paper process at its next step. Either way one code path
(``PaperTrader.handle_requests``) turns it into a Simulator event.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from adapters.services.engine import Engine
from adapters.services.paper_trader import PaperTrader
from adapters.store.operator_log import OperatorLog
from adapters.store.writer_lock import WriterLock, WriterLockBusy, held
from config.settings import Settings
from domain.names import checked_name
from domain.simulator import Simulator


class UnknownPortfolioError(ValueError):
    pass


class RunnerNotInPortfolioError(UnknownPortfolioError):
    """A command named a runner the portfolio does not have: refused before it is recorded.

    Not ``domain.simulator.UnknownRunnerError`` (the aggregate asked for a runner key it does not
    hold). A subclass of ``UnknownPortfolioError``, so that callers mapping an unknown portfolio to
    "not found" (the dashboard answers 404) treat an unknown runner alike."""


@dataclass(frozen=True, slots=True)
class RequestOutcome:
    """An operator request: its number in the portfolio's log, whether it was applied now,
    and what applying it said (``PaperTrader.handle_requests``'s notes)."""

    request: int
    applied: bool  # False: the running paper process will apply it
    notes: tuple[str, ...]

    @property
    def text(self) -> str:
        """The outcome for the operator, in one line (the dashboard's, the bot's)."""
        if not self.applied:
            return (
                f"request #{self.request} recorded: the running paper process applies it at "
                "its next step"
            )
        done = "; ".join(n.split(": ", 1)[-1] for n in self.notes) or "applied"
        return f"request #{self.request} applied now: {done}"


def writer_lock(engine: Engine, portfolio: str) -> WriterLock:
    return WriterLock(lock_path(engine.home.locks, portfolio))


def lock_path(home: Path, portfolio: str) -> Path:
    return home / f"paper-{checked_name('portfolio', portfolio)}.lock"


def is_running(home: Path, portfolio: str = "paper") -> bool:
    """Whether a paper process is writing ``portfolio`` now (it holds the lock; the OS drops
    the lock when the process dies, so a crash never reads as running)."""
    return held(lock_path(home, portfolio))


def request_kill_switch_reset(
    engine: Engine, settings: Settings, portfolio: str, runner: str, source: str
) -> RequestOutcome:
    notes: list[str] = []
    trader, sim = _trader(engine, settings, portfolio, notes)
    if runner and runner not in sim.runners:
        # refused before it is recorded: a request that can only be refused is noise in the log
        known = ", ".join(sorted(sim.runners)) or "none"
        raise RunnerNotInPortfolioError(
            f"no runner {runner!r} in portfolio {portfolio!r} (known: {known})"
        )
    number = OperatorLog(engine.store, portfolio).request_reset(runner, source)
    return _apply(engine, trader, number, notes)


def request_entries_halt(
    engine: Engine, settings: Settings, portfolio: str, halt: bool, source: str
) -> RequestOutcome:
    """Stop (``halt``) or allow again the portfolio's new entries (``entries stop``, the bot's
    ``/stop``): no grid opens a first level, no mono runner enters; what is open keeps its
    exits."""
    notes: list[str] = []
    trader, _ = _trader(engine, settings, portfolio, notes)
    number = OperatorLog(engine.store, portfolio).request_halt(halt, source)
    return _apply(engine, trader, number, notes)


def request_flatten(
    engine: Engine, settings: Settings, portfolio: str, source: str
) -> RequestOutcome:
    """Close every position of the portfolio at the last price and stop its new entries
    (``flatten``, the bot's ``/flatten``); live trading follows its shadow and closes too."""
    notes: list[str] = []
    trader, _ = _trader(engine, settings, portfolio, notes)
    number = OperatorLog(engine.store, portfolio).request_flatten(source)
    return _apply(engine, trader, number, notes)


def _trader(
    engine: Engine, settings: Settings, portfolio: str, notes: list[str]
) -> tuple[PaperTrader, Simulator]:
    """The portfolio's trader (its notes go to ``notes``) and Simulator; an unknown portfolio
    is refused before anything is recorded."""
    trader = PaperTrader(engine, settings, portfolio, on_note=notes.append)
    sim = trader.load()
    if sim is None:
        raise UnknownPortfolioError(f"no paper portfolio {portfolio!r}")
    return trader, sim


def _apply(engine: Engine, trader: PaperTrader, number: int, notes: list[str]) -> RequestOutcome:
    """Request ``number`` applied at once if no process writes the portfolio, else left to
    the running paper process."""
    try:
        with writer_lock(engine, trader.portfolio):
            sim = trader.load()
            trader.handle_requests(sim)
            trader.save(sim)
            engine.project()
    except WriterLockBusy:
        return RequestOutcome(number, False, ())
    return RequestOutcome(number, True, tuple(notes))
