"""Application service that appends candles, funding settlements, open interest and contract
specs to the store.

Each series (candles of one market, funding or open interest of one perpetual) is an
``EventSourcedLog``. Appending is idempotent: rows whose timestamp is already in the series are
skipped, so importing or fetching the same data twice adds nothing. A batch is written in one
transaction, so a batch is stored whole or not at all.

Late history is welcome: a series may receive older candles after newer ones (a CSV of 2019
imported after a fetch of last week). The log keeps arrival order; read models sort by ``ts``.

This service is the only writer of market data, so it caches, per series, the set of stored
timestamps and the next log version after reading the series once.

Contract specs (tick size, lot step, minimums, leverage, margin tiers) live in one log per
instrument (``Instrument``). A spec is recorded only when its figures or tiers differ from the
instrument's last record, so re-importing a specs file or re-fetching the venue's markets adds
nothing; a batch of specs is written in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import EventSourcedLog
from eventsourcing.domain import DomainEvent

from adapters.store.event_store import Store
from domain.candles import (
    CandleClosed,
    ContractSpec,
    ContractSpecRecorded,
    FundingSettled,
    OpenInterestRecorded,
    SeriesListed,
    candle_problem,
    funding_problem,
    open_interest_problem,
    ts_problem,
)
from domain.contracts import MarginTier
from domain.market import FundingSeries, Instrument, Market, OpenInterestSeries

SERIES_INDEX_ID: UUID = uuid5(NAMESPACE_URL, "/series-index")

Series = Market | FundingSeries | OpenInterestSeries


class UnsoundRowError(ValueError):
    """A row that breaks the market-data rules of ``domain.candles``: nothing of its batch is
    written. Every caller checks rows before (with file lines or exchange context); this is the
    last gate, so that no path can store an event a projection cannot apply."""


@dataclass(frozen=True)
class PendingAppend:
    events: list[DomainEvent]
    count: int  # new rows (the events may also hold the series' listing)
    stored: Callable[[], None]  # call once the events are saved


@dataclass
class _SeriesState:
    stored: set[int] = field(default_factory=set)
    next_version: int = 1


class MarketData:
    """Write side of market data: the ``SeriesSink`` used by CSV import and exchange fetch."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._states: dict[UUID, _SeriesState] = {}
        self._index = EventSourcedLog(store.events, SERIES_INDEX_ID, SeriesListed)
        self._index_next: int | None = None
        # per instrument: (its last recorded spec, the next version of its log)
        self._specs: dict[UUID, tuple[ContractSpec | None, int]] = {}

    # -- SeriesSink -------------------------------------------------------------------------
    def last_candle_ts(self, market: Market) -> int | None:
        return self.last_ts(market)

    def last_funding_ts(self, series: FundingSeries) -> int | None:
        return self.last_ts(series)

    def last_open_interest_ts(self, series: OpenInterestSeries) -> int | None:
        return self.last_ts(series)

    def append_candles(
        self, market: Market, rows: Sequence[tuple[int, float, float, float, float, float]]
    ) -> int:
        log = EventSourcedLog(self.store.events, market.stream_id, CandleClosed)
        return self._append(market, rows, _candle_maker(log))

    def append_funding(self, series: FundingSeries, rows: Sequence[tuple[int, float]]) -> int:
        log = EventSourcedLog(self.store.events, series.stream_id, FundingSettled)
        return self._append(
            series,
            rows,
            lambda version, r: log.trigger_event(
                next_originator_version=version, ts=int(r[0]), rate=float(r[1])
            ),
        )

    def append_open_interest(
        self, series: OpenInterestSeries, rows: Sequence[tuple[int, float]]
    ) -> int:
        log = EventSourcedLog(self.store.events, series.stream_id, OpenInterestRecorded)
        return self._append(
            series,
            rows,
            lambda version, r: log.trigger_event(
                next_originator_version=version, ts=int(r[0]), amount=float(r[1])
            ),
        )

    # -- contract specs ---------------------------------------------------------------------------
    def record_specs(self, specs: Sequence[ContractSpec], source: str, recorded_at: int) -> int:
        """Record the specs whose figures changed (or are new), all in one transaction; returns
        how many were recorded. Each spec must be sound (``ContractSpec.problem``)."""
        events: list[DomainEvent] = []
        changed: dict[UUID, tuple[ContractSpec, int]] = {}
        for spec in specs:
            problem = spec.problem()
            if problem is not None:
                raise ValueError(f"{spec.exchange} {spec.symbol}: {problem[0]} {problem[1]}")
            instrument = Instrument(spec.exchange, spec.symbol)
            last, version = changed.get(instrument.stream_id) or self._last_spec(instrument)
            if last == spec:
                continue
            log = EventSourcedLog(self.store.events, instrument.stream_id, ContractSpecRecorded)
            events.append(
                log.trigger_event(
                    next_originator_version=version,
                    exchange=spec.exchange,
                    symbol=spec.symbol,
                    **{k: _plain_float(v) for k, v in spec.figures().items()},
                    source=source,
                    recorded_at=int(recorded_at),
                    tiers=[[float(v) for v in row] for row in spec.tier_rows()],
                )
            )
            changed[instrument.stream_id] = (spec, version + 1)
        if events:
            problem = ts_problem(recorded_at, "recorded_at")
            if problem is not None:
                raise UnsoundRowError(f"contract specs from {source}: {problem}")
            self._put(events)
            self._specs.update(changed)
        return len(events)

    def last_spec(self, instrument: Instrument) -> ContractSpec | None:
        """The instrument's last recorded spec (None: never recorded)."""
        return self._last_spec(instrument)[0]

    def _last_spec(self, instrument: Instrument) -> tuple[ContractSpec | None, int]:
        cached = self._specs.get(instrument.stream_id)
        if cached is None:
            log = EventSourcedLog(self.store.events, instrument.stream_id, ContractSpecRecorded)
            last = log.get_last()
            if last is None:
                cached = (None, 1)
            else:
                spec = ContractSpec(
                    last.exchange,
                    last.symbol,
                    last.price_tick,
                    last.amount_step,
                    last.min_amount,
                    last.min_notional,
                    last.max_leverage,
                    tuple(MarginTier(*row) for row in last.tiers),
                )
                cached = (spec, last.originator_version + 1)
            self._specs[instrument.stream_id] = cached
        return cached

    # -- any kind of series -------------------------------------------------------------------
    def last_ts(self, series: Series) -> int | None:
        """Newest stored timestamp of any kind of series (None: nothing stored)."""
        stored = self._state(series).stored
        return max(stored) if stored else None

    # -- internals ----------------------------------------------------------------------------
    def _append(self, series: Series, rows: Sequence, make_event) -> int:
        pending = self._prepare(series, rows, make_event)
        if pending.events:
            self._put(pending.events)
            pending.stored()
        return pending.count

    def pending_candles(
        self, market: Market, rows: Sequence[tuple[int, float, float, float, float, float]]
    ) -> PendingAppend:
        """The events that would append ``rows`` (new ones only), for a caller that saves them
        in its own transaction (paper trading saves candles with the decisions they cause) and
        then calls ``stored()``."""
        log = EventSourcedLog(self.store.events, market.stream_id, CandleClosed)
        return self._prepare(market, rows, _candle_maker(log))

    def _prepare(self, series: Series, rows: Sequence, make_event) -> PendingAppend:
        problem_of = _rule(series)
        for row in rows:
            problem = problem_of(row)
            if problem is not None:
                raise UnsoundRowError(f"{series}: row {tuple(row)!r} refused: {problem}")
        state = self._state(series)
        events: list[DomainEvent] = []
        fresh: set[int] = set()
        for row in rows:
            ts = int(row[0])
            if ts in state.stored or ts in fresh:
                continue
            fresh.add(ts)
            events.append(make_event(state.next_version + len(events), row))
        if events and not state.stored:
            events.insert(0, self._listing(series))

        def stored() -> None:
            state.stored |= fresh
            state.next_version += len(fresh)

        return PendingAppend(events, len(fresh), stored)

    def _put(self, events: list[DomainEvent]) -> None:
        # Store.put writes the whole list in one recorder transaction. It skips
        # Application.save's per-object runtime-protocol checks, which cost ~40 % of a bulk
        # import; there is no aggregate here, only log events.
        try:
            self.store.events.put(events)
        except Exception:
            # After a failed write the caches may be ahead of the store: re-read on next use.
            self._states.clear()
            self._index_next = None
            self._specs.clear()
            raise

    def _listing(self, series: Series) -> SeriesListed:
        if self._index_next is None:
            last = self._index.get_last()
            self._index_next = 1 if last is None else last.originator_version + 1
        event = self._index.trigger_event(
            next_originator_version=self._index_next,
            series_id=str(series.stream_id),
            kind=_kind(series),
            exchange=series.exchange,
            symbol=series.symbol,
            timeframe="" if isinstance(series, FundingSeries) else series.timeframe,
        )
        self._index_next += 1
        return event

    def _state(self, series: Series) -> _SeriesState:
        state = self._states.get(series.stream_id)
        if state is None:
            state = self._read_state(series.stream_id)
            self._states[series.stream_id] = state
        return state

    def _read_state(self, stream_id: UUID) -> _SeriesState:
        # Only the timestamps are needed: decode the stored state directly rather than
        # rebuilding every event object (several times faster on a 70k-candle series).
        decode = self.store.mapper.transcoder.decode
        stored: set[int] = set()
        version = 0
        for record in self.store.recorder.select_events(stream_id):
            stored.add(decode(record.state)["ts"])
            version = record.originator_version
        return _SeriesState(stored, version + 1)


def _rule(series: Series) -> Callable[[Sequence], str | None]:
    """The ``domain.candles`` rule a row of ``series`` must pass."""
    if isinstance(series, Market):
        tf_ms = series.tf_ms
        return lambda r: candle_problem(*r[:6], tf_ms) if len(r) == 6 else "not 6 fields"
    problem_of = funding_problem if isinstance(series, FundingSeries) else open_interest_problem
    return lambda r: problem_of(r[0], r[1]) if len(r) == 2 else "not 2 fields"


def _kind(series: Series) -> str:
    if isinstance(series, Market):
        return "candles"
    return "funding" if isinstance(series, FundingSeries) else "open_interest"


def _candle_maker(log: EventSourcedLog) -> Callable[[int, Sequence], DomainEvent]:
    return lambda version, r: log.trigger_event(
        next_originator_version=version,
        ts=int(r[0]),
        o=float(r[1]),
        h=float(r[2]),
        l=float(r[3]),
        c=float(r[4]),
        v=float(r[5]),
    )


def _plain_float(value: float | None) -> float | None:
    return None if value is None else float(value)
