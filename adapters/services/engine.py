"""Composition root: wires the event store, the write services, the read DB and projectors.

The CLI and (later) the web app both start from ``Engine``; nothing else constructs stores or
projectors, so there is one place that decides where state lives.
"""

from __future__ import annotations

from collections.abc import Callable

from adapters.store.event_store import Store, open_store
from adapters.store.home import Home
from adapters.store.market_data import MarketData
from adapters.store.portfolio_log import PortfolioLog
from adapters.store.research_log import ResearchLog

# the topics of the operator requests, engine sessions and watchdog registered
# (``domain.facts``): a process starting here, which may write none, still reads them back
from domain import engine_session, operator, watchdog  # noqa: F401
from projections.live.projector import LiveProjector
from projections.live.reader import LiveReader
from projections.market_data import MarketDataProjector, MarketDataReader
from projections.paper.projector import PaperProjector
from projections.paper.reader import PaperReader
from projections.portfolio_runs import PortfolioRunsProjector, PortfolioRunsReader
from projections.projector import ProjectionError, Projector
from projections.read_db import open_read_db
from projections.research import ResearchProjector, ResearchReader

# every read model, in the order they are brought up to date (``scalp-radar doctor`` too)
PROJECTOR_TYPES: tuple[
    type[
        MarketDataProjector
        | ResearchProjector
        | PaperProjector
        | LiveProjector
        | PortfolioRunsProjector
    ],
    ...,
] = (
    MarketDataProjector,
    ResearchProjector,
    PaperProjector,
    LiveProjector,
    PortfolioRunsProjector,
)


class Engine:
    def __init__(self, home: Home, *, memory: bool = False) -> None:
        self.home = home
        self.store: Store = open_store(home, memory=memory)
        self.market_data = MarketData(self.store)
        self.research = ResearchLog(self.store)
        self.portfolio_runs = PortfolioLog(self.store)
        self.read_db = open_read_db(":memory:" if memory else home.ensure().read_db)
        decode = self.store.mapper.transcoder.decode
        self.projectors: list[Projector] = [
            kind(self.store.recorder, self.read_db, decode) for kind in PROJECTOR_TYPES
        ]

    def pending(self) -> int:
        return max(p.pending() for p in self.projectors)

    def project(self, on_page: Callable[[int], None] | None = None) -> int:
        """Bring every read model up to date with the store; returns events applied. A read
        model that stops at an event it cannot apply does not hold the others back: they are
        brought up to date, then its ``ProjectionError`` is raised."""
        return self._each(lambda p: p.catch_up(on_page=on_page))

    def rebuild_projections(self) -> int:
        return self._each(lambda p: p.rebuild())

    def _each(self, run: Callable[[Projector], int]) -> int:
        applied, stopped = 0, None
        for projector in self.projectors:
            try:
                applied += run(projector)
            except ProjectionError as exc:
                stopped = stopped or exc
        if stopped is not None:
            raise stopped
        return applied

    def market_reader(self) -> MarketDataReader:
        return MarketDataReader(self.read_db)

    def research_reader(self) -> ResearchReader:
        return ResearchReader(self.read_db)

    def paper_reader(self) -> PaperReader:
        return PaperReader(self.read_db)

    def portfolio_runs_reader(self) -> PortfolioRunsReader:
        return PortfolioRunsReader(self.read_db)

    def live_reader(self) -> LiveReader:
        return LiveReader(self.read_db)

    def close(self) -> None:
        self.read_db.conn.close()
        self.store.close()
