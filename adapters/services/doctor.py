"""``scalp-radar doctor``: the health of a home's store and read models, read-only.

What it looks at, in order:

* where the events live (the SQLite file and its size, or the PostgreSQL host and database);
* every stored event, read in pages from the notification log: one that cannot be decoded
  (unknown topic, corrupt state), or a candle, funding, open-interest or contract-spec event
  that breaks the rules of ``domain.candles`` (stored by an older version, or written around
  the application), is a problem: such an event can stop a read model for good;
* each projector's tracking position against the store's last notification id, its read-DB
  schema against the code's, and whether the events it still has to apply can be applied: the
  catch-up is tried on an in-memory copy of the read DB, so a projector that would stop names
  its event here, and the real read DB is never written;
* the writer locks held in the home (a running ``paper`` process per portfolio, a running
  ``data import``);
* the free space of the home's filesystem (SQLite needs room to write: below 1 GiB is a problem).

Each finding is a line; problems are flagged. The CLI exits 0 when there is none, else 1.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlite_utils
from eventsourcing.persistence import Notification

from adapters.services.engine import PROJECTOR_TYPES
from adapters.services.importer import IMPORT_LOCK
from adapters.services.portfolio_commands import is_running
from adapters.store.event_store import _MODULE_KEYS, Store, describe_store, open_store
from adapters.store.home import Home
from adapters.store.writer_lock import held
from adapters.text.progress import Progress
from domain.candles import (
    CandleClosed,
    ContractSpecRecorded,
    FundingSettled,
    OpenInterestRecorded,
    SeriesListed,
    candle_problem,
    contract_spec_problem,
    funding_problem,
    open_interest_problem,
    ts_problem,
)
from domain.market import timeframe_ms
from projections.projector import TRACKING, ProjectionError

MIN_FREE_BYTES = 1 << 30  # 1 GiB
PAGE = 1000
MAX_LISTED = 20  # bad events listed one per line; the rest counted
_PROGRESS_FROM = 50_000


@dataclass(frozen=True, slots=True)
class Finding:
    text: str
    problem: bool = False


@dataclass
class Checkup:
    findings: list[Finding] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.findings.append(Finding(text))

    def problem(self, text: str) -> None:
        self.findings.append(Finding(text, problem=True))

    @property
    def problems(self) -> list[str]:
        return [f.text for f in self.findings if f.problem]


def examine(home: Home, min_free_bytes: int | None = None, page: int = PAGE) -> Checkup:
    """Every check of the home; never writes the store or the read DB."""
    checkup = Checkup()
    _disk(checkup, home, MIN_FREE_BYTES if min_free_bytes is None else min_free_bytes)
    _locks(checkup, home)
    sqlite = not any(os.environ.get(key) for key in _MODULE_KEYS)  # as open_store decides
    if sqlite and not home.events_db.is_file():
        checkup.note(f"event store: none yet ({home.events_db} does not exist)")
        return checkup
    try:
        store = open_store(home)
    except Exception as exc:
        checkup.problem(f"event store: cannot be opened: {_why(exc)}")
        return checkup
    try:
        _examine_store(checkup, home, store, page)
    finally:
        store.close()
    return checkup


def _examine_store(checkup: Checkup, home: Home, store: Store, page: int) -> None:
    where = describe_store(store)
    if home.events_db.is_file() and where.startswith("SQLite"):
        where += f" ({_size(home.events_db.stat().st_size)})"
    try:
        last = store.recorder.max_notification_id() or 0
    except Exception as exc:
        checkup.problem(f"event store: {where}: cannot be read: {_why(exc)}")
        return
    checkup.note(f"event store: {where}, {last} events")
    tracking = _tracking(home)
    positions = {name: pos for name, (pos, _schema) in tracking.items()}
    pending = _scan(checkup, store, last, page, positions)
    _projections(checkup, home, store, last, tracking, pending)


# -- the events -------------------------------------------------------------------------------
def _scan(
    checkup: Checkup, store: Store, last: int, page: int, positions: dict[str, int]
) -> dict[str, int]:
    """Decode every event and check market data against its rules; returns, per projector,
    how many of its events lie after its tracking position."""
    pending = dict.fromkeys((kind.name for kind in PROJECTOR_TYPES), 0)
    topics = {kind.name: set(kind.topics) for kind in PROJECTOR_TYPES}
    timeframes: dict[str, int] = {}  # series id -> candle length (ms), from SeriesListed
    bad: list[str] = []
    progress = Progress("checking events", last, "events") if last > _PROGRESS_FROM else None
    try:
        for batch in _pages(store, page):
            for n in batch:
                for name, wanted in topics.items():
                    if n.id > positions.get(name, 0) and n.topic in wanted:
                        pending[name] += 1
                problem = _event_problem(store, n, timeframes)
                if problem is not None:
                    bad.append(f"event {n.id} ({n.topic}): {problem}")
            if progress is not None:
                progress.advance(len(batch))
    except Exception as exc:
        checkup.problem(f"event store: the notification log cannot be read: {_why(exc)}")
    finally:
        if progress is not None:
            progress.close()
    for line in bad[:MAX_LISTED]:
        checkup.problem(line)
    if len(bad) > MAX_LISTED:
        checkup.problem(f"... and {len(bad) - MAX_LISTED} more events like these")
    if not bad:
        checkup.note("events: every event decodes; market data within the rules")
    return pending


def _pages(store: Store, page: int) -> Iterator[list[Notification]]:
    position = 0
    while True:
        recorder = store.recorder
        batch = list(recorder.select_notifications(position, page, inclusive_of_start=False))
        if not batch:
            return
        yield batch
        position = batch[-1].id


def _event_problem(store: Store, n: Notification, timeframes: dict[str, int]) -> str | None:
    try:
        event = store.mapper.to_domain_event(n)
    except Exception as exc:
        return f"cannot be decoded: {_why(exc)}"
    try:
        return _rule_problem(event, str(n.originator_id), timeframes)
    except Exception as exc:  # a field of the wrong type: the rules could not even be applied
        return f"unsound: {_why(exc)}"


def _rule_problem(event: object, stream: str, timeframes: dict[str, int]) -> str | None:
    if isinstance(event, SeriesListed):
        if event.kind == "candles":
            try:
                timeframes[event.series_id] = timeframe_ms(event.timeframe)
            except ValueError as exc:
                return str(exc)
        return None
    if isinstance(event, CandleClosed):
        tf = timeframes.get(stream, 1)  # a candle of an unlisted series: alignment unknown
        e = event
        return candle_problem(e.ts, e.o, e.h, e.l, e.c, e.v, tf)
    if isinstance(event, FundingSettled):
        return funding_problem(event.ts, event.rate)
    if isinstance(event, OpenInterestRecorded):
        return open_interest_problem(event.ts, event.amount)
    if isinstance(event, ContractSpecRecorded):
        e = event
        found = contract_spec_problem(
            e.price_tick, e.amount_step, e.min_amount, e.min_notional, e.max_leverage, e.tiers
        )
        if found is not None:
            return f"{found[0]} {found[1]}"
        return ts_problem(e.recorded_at, "recorded_at")
    return None


# -- the read models --------------------------------------------------------------------------
def _tracking(home: Home) -> dict[str, tuple[int, int]]:
    """projection -> (position, schema) from the read DB's tracking table (read-only)."""
    if not home.read_db.is_file():
        return {}
    try:
        conn = sqlite3.connect(f"file:{home.read_db}?mode=ro", uri=True)
        try:
            rows = conn.execute(f"SELECT projection, notification_id, schema FROM {TRACKING}")
            return {str(name): (int(pos), int(schema)) for name, pos, schema in rows}
        finally:
            conn.close()
    except sqlite3.Error:
        return {}


def _projections(
    checkup: Checkup,
    home: Home,
    store: Store,
    last: int,
    tracking: dict[str, tuple[int, int]],
    pending: dict[str, int],
) -> None:
    if not home.read_db.is_file():
        checkup.note(f"read DB: none yet ({home.read_db}; the next command builds it)")
    else:
        checkup.note(f"read DB: {home.read_db} ({_size(home.read_db.stat().st_size)})")
    for kind in PROJECTOR_TYPES:
        position, schema = tracking.get(kind.name, (0, None))
        if schema is None:
            state = "never built"
        elif schema != kind.schema:
            state = f"schema {schema}, the code's is {kind.schema}: rebuilt by the next command"
        else:
            state = f"schema {schema}"
        behind = pending.get(kind.name, 0)
        lag = f"{behind} of its events to apply" if behind else "up to date"
        checkup.note(f"projection {kind.name}: at event {position} of {last} ({state}; {lag})")
    for name in sorted(set(tracking) - {kind.name for kind in PROJECTOR_TYPES}):
        checkup.note(f"projection {name}: in the read DB, unknown to this version (ignored)")
    if any(pending.values()) or any(
        tracking.get(k.name, (0, k.schema))[1] != k.schema for k in PROJECTOR_TYPES
    ):
        _dry_run(checkup, home, store, sum(pending.values()))


def _dry_run(checkup: Checkup, home: Home, store: Store, pending: int) -> None:
    """Catch every projector up on an in-memory copy of the read DB: the one that would stop
    says at which event, and the real read DB is left as it is."""
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        if home.read_db.is_file():
            source = sqlite3.connect(f"file:{home.read_db}?mode=ro", uri=True)
            try:
                source.backup(copy)
            finally:
                source.close()
        db = sqlite_utils.Database(copy)
        decode = store.mapper.transcoder.decode
        progress = Progress("trying the catch-up", pending, "events") if pending > 50_000 else None
        advance: Callable[[int], None] | None = progress.advance if progress else None
        try:
            for kind in PROJECTOR_TYPES:
                try:
                    kind(store.recorder, db, decode).catch_up(on_page=advance)
                except ProjectionError as exc:
                    checkup.problem(str(exc))
                except Exception as exc:
                    checkup.problem(f"projection {kind.name} cannot catch up: {_why(exc)}")
        finally:
            if progress is not None:
                progress.close()
    except sqlite3.Error as exc:
        checkup.problem(f"read DB {home.read_db}: cannot be read: {_why(exc)}")
    finally:
        copy.close()


# -- the home ---------------------------------------------------------------------------------
def _locks(checkup: Checkup, home: Home) -> None:
    if not home.root.is_dir():
        checkup.note(f"home: {home.root} does not exist yet")
        return
    busy = []
    for path in sorted(home.locks.glob("paper-*.lock")):
        portfolio = path.stem.removeprefix("paper-")
        try:
            if is_running(home.locks, portfolio):
                busy.append(f"paper portfolio {portfolio!r} (a paper process writes it)")
        except ValueError:  # a lock file whose name is no portfolio name: not ours
            continue
    if held(home.locks / IMPORT_LOCK):
        busy.append("a data import is running")
    checkup.note(f"writer locks: {'; '.join(busy) if busy else 'none held'}")


def _disk(checkup: Checkup, home: Home, min_free_bytes: int) -> None:
    where = home.root if home.root.exists() else home.root.parent
    try:
        usage = shutil.disk_usage(where)
    except OSError as exc:
        checkup.problem(f"disk: cannot tell the free space of {where}: {_why(exc)}")
        return
    text = f"disk: {_size(usage.free)} free of {_size(usage.total)} on the home's filesystem"
    if usage.free < min_free_bytes:
        checkup.problem(f"{text}, below {_size(min_free_bytes)}: writes may fail; free some space")
    else:
        checkup.note(text)


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def _why(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    text = text if len(text) <= 200 else text[:197] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
