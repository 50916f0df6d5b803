"""Candle, funding and open-interest read model: numpy arrays per series, loaded in milliseconds;
and each instrument's contract spec (tick size ...), the last one recorded.

Rows are kept as column blobs in time buckets (2048 rows of the series' timeframe per bucket,
about 85 days of 1h candles), so loading five years of 1h candles reads ~22 rows and concatenates
arrays instead of converting 44k SQL rows into Python objects. A bucket is rewritten whenever a
page of events touches it; since buckets are sorted by ``ts`` and keyed by time, the result does
not depend on the order candles arrived in, so a rebuild equals the incremental model.

``contract_specs`` holds one row per (exchange, symbol): the figures of its last
``ContractSpecRecorded`` in the store's order (schema 2 added the table, schema 3 its margin
tiers, as JSON rows ``[max_notional, mmr, max_leverage]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
import numpy as np
import sqlite_utils
from eventsourcing.persistence import ApplicationRecorder, Notification

from domain.candles import (
    CandleClosed,
    ContractSpecRecorded,
    FundingSettled,
    OpenInterestRecorded,
    SeriesListed,
)
from domain.contracts import Contract, MarginTier
from domain.market import HOUR_MS, timeframe_ms
from projections.projector import Projector

BUCKET_ROWS = 2048
FUNDING_STEP_MS = 8 * HOUR_MS  # funding buckets: span of 2048 eight-hour settlements
_CANDLE = CandleClosed.TOPIC
_FUNDING = FundingSettled.TOPIC
_OPEN_INTEREST = OpenInterestRecorded.TOPIC
_LISTED = SeriesListed.TOPIC
_SPEC = ContractSpecRecorded.TOPIC
_SPEC_COLUMNS = (
    "exchange",
    "symbol",
    "price_tick",
    "amount_step",
    "min_amount",
    "min_notional",
    "max_leverage",
    "source",
    "recorded_at",
    "tiers",
)
_TIERS = msgspec.json.Decoder(list[tuple[float, float, float]])


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    series_id: str
    kind: str
    exchange: str
    symbol: str
    timeframe: str
    rows: int
    first_ts: int | None
    last_ts: int | None
    duplicates: int

    @property
    def label(self) -> str:
        tail = {"candles": self.timeframe, "funding": "funding"}.get(
            self.kind, f"open interest {self.timeframe}"
        )
        return f"{self.exchange} {self.symbol} {tail}"


class StoredSpec(msgspec.Struct, frozen=True):
    """The last contract spec recorded for an instrument (fields of ``ContractSpecRecorded``)."""

    exchange: str
    symbol: str
    price_tick: float
    amount_step: float | None
    min_amount: float | None
    min_notional: float | None
    max_leverage: float | None
    source: str
    recorded_at: int
    tiers: tuple[MarginTier, ...] = ()

    @classmethod
    def from_row(cls, row: Sequence) -> StoredSpec:
        """A ``contract_specs`` row (``_SPEC_COLUMNS``; the tiers as JSON)."""
        *figures, tiers = row
        return cls(*figures, tiers=tuple(MarginTier(*t) for t in _TIERS.decode(tiers)))

    def contract(self) -> Contract:
        """The rules the engines obey under this spec (a figure the venue did not give: 0,
        which disables its rule; no tiers: no liquidation)."""
        return Contract(
            tick=self.price_tick,
            step=self.amount_step or 0.0,
            min_qty=self.min_amount or 0.0,
            min_notional=self.min_notional or 0.0,
            max_leverage=self.max_leverage or 0.0,
            tiers=self.tiers,
        )


@dataclass(frozen=True, slots=True)
class Candles:
    """Column arrays of one market, sorted by open time (UTC ms)."""

    ts: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    def __len__(self) -> int:
        return len(self.ts)


@dataclass(frozen=True, slots=True)
class Funding:
    ts: np.ndarray
    rate: np.ndarray


@dataclass(frozen=True, slots=True)
class OpenInterest:
    """Samples of one perpetual, sorted by time; ``amount`` in base-asset units."""

    ts: np.ndarray
    amount: np.ndarray


class MarketDataProjector(Projector):
    name = "market_data"
    topics = (_LISTED, _CANDLE, _FUNDING, _OPEN_INTEREST, _SPEC)
    schema = 3  # 2: contract_specs; 3: their tiers

    def __init__(self, recorder: ApplicationRecorder, db: sqlite_utils.Database, decode) -> None:
        # ``decode`` is the store's transcoder decode: projecting 1M+ candles through full event
        # objects would double the time for no benefit, the fields are all we read.
        self._decode = decode
        self._buckets: dict[tuple[str, int], dict[int, tuple[float, ...]]] = {}
        self._dirty: set[tuple[str, int]] = set()
        self._dupes: dict[str, int] = {}
        super().__init__(recorder, db)
        self._spans = self._load_spans()

    def create_tables(self) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS series (series_id TEXT PRIMARY KEY, kind TEXT NOT NULL, "
            "exchange TEXT NOT NULL, symbol TEXT NOT NULL, timeframe TEXT NOT NULL, "
            "rows INTEGER NOT NULL DEFAULT 0, first_ts INTEGER, last_ts INTEGER, "
            "duplicates INTEGER NOT NULL DEFAULT 0)"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS series_chunks (series_id TEXT NOT NULL, "
            "bucket INTEGER NOT NULL, n INTEGER NOT NULL, first_ts INTEGER NOT NULL, "
            "last_ts INTEGER NOT NULL, ts BLOB NOT NULL, vals BLOB NOT NULL, "
            "PRIMARY KEY (series_id, bucket)) WITHOUT ROWID"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS contract_specs (exchange TEXT NOT NULL, "
            "symbol TEXT NOT NULL, price_tick REAL NOT NULL, amount_step REAL, min_amount REAL, "
            "min_notional REAL, max_leverage REAL, source TEXT NOT NULL, "
            "recorded_at INTEGER NOT NULL, tiers TEXT NOT NULL, PRIMARY KEY (exchange, symbol)) "
            "WITHOUT ROWID"
        )

    def drop_tables(self) -> None:
        self.db.execute("DROP TABLE IF EXISTS contract_specs")
        self.db.execute("DROP TABLE IF EXISTS series_chunks")
        self.db.execute("DROP TABLE IF EXISTS series")
        self.discard()
        self._spans = {}

    def apply(self, notifications: Sequence[Notification]) -> None:
        for n in notifications:
            state = self._decode(n.state)
            sid = str(n.originator_id)
            if n.topic == _CANDLE:
                row = (state["o"], state["h"], state["l"], state["c"], state["v"])
                self._put(sid, state["ts"], row)
            elif n.topic == _FUNDING:
                self._put(sid, state["ts"], (state["rate"],))
            elif n.topic == _OPEN_INTEREST:
                self._put(sid, state["ts"], (state["amount"],))
            elif n.topic == _LISTED:
                self._list(state)
            elif n.topic == _SPEC:
                self._spec(state)

    def flush(self) -> None:
        touched = {sid for sid, _ in self._dirty}
        for key in sorted(self._dirty):
            self._write_bucket(key, self._buckets[key])
        for sid in touched | set(self._dupes):
            self._write_stats(sid)
        self.discard()

    def discard(self) -> None:
        self._buckets.clear()
        self._dirty.clear()
        self._dupes.clear()

    # -- internals ----------------------------------------------------------------------------
    def _load_spans(self) -> dict[str, int]:
        rows = self.db.execute("SELECT series_id, kind, timeframe FROM series").fetchall()
        return {sid: _bucket_span(kind, tf) for sid, kind, tf in rows}

    def _list(self, state: dict) -> None:
        sid = state["series_id"]
        self.db.execute(
            "INSERT INTO series (series_id, kind, exchange, symbol, timeframe) VALUES (?,?,?,?,?) "
            "ON CONFLICT(series_id) DO NOTHING",
            [sid, state["kind"], state["exchange"], state["symbol"], state["timeframe"]],
        )
        self._spans[sid] = _bucket_span(state["kind"], state["timeframe"])

    def _spec(self, state: dict) -> None:
        # the stored state, not the event object: upcast it as the event library would
        if state.pop("class_version", 1) < 2:
            ContractSpecRecorded.upcast_v1_v2(state)
        state["tiers"] = msgspec.json.encode(state["tiers"]).decode()
        names = ", ".join(_SPEC_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in _SPEC_COLUMNS[2:])
        self.db.execute(
            f"INSERT INTO contract_specs ({names}) VALUES ({', '.join('?' * len(_SPEC_COLUMNS))}) "
            f"ON CONFLICT(exchange, symbol) DO UPDATE SET {updates}",
            [state[c] for c in _SPEC_COLUMNS],
        )

    def _put(self, sid: str, ts: int, row: tuple[float, ...]) -> None:
        if sid not in self._spans:  # listed and projected by another process meanwhile
            self._spans = self._load_spans()
        key = (sid, ts // self._spans[sid])
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = self._read_bucket(key)
        if ts in bucket:
            self._dupes[sid] = self._dupes.get(sid, 0) + 1
            return
        bucket[ts] = row
        self._dirty.add(key)

    def _read_bucket(self, key: tuple[str, int]) -> dict[int, tuple[float, ...]]:
        found = self.db.execute(
            "SELECT ts, vals FROM series_chunks WHERE series_id = ? AND bucket = ?", list(key)
        ).fetchone()
        if found is None:
            return {}
        ts = np.frombuffer(found[0], dtype=np.int64)
        vals = np.frombuffer(found[1], dtype=np.float64).reshape(len(ts), -1)
        return {int(t): tuple(v) for t, v in zip(ts.tolist(), vals.tolist(), strict=True)}

    def _write_bucket(self, key: tuple[str, int], bucket: dict[int, tuple[float, ...]]) -> None:
        ts = np.array(sorted(bucket), dtype=np.int64)
        vals = np.array([bucket[t] for t in ts.tolist()], dtype=np.float64)
        self.db.execute(
            "INSERT INTO series_chunks (series_id, bucket, n, first_ts, last_ts, ts, vals) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT(series_id, bucket) DO UPDATE SET n = excluded.n, "
            "first_ts = excluded.first_ts, last_ts = excluded.last_ts, ts = excluded.ts, "
            "vals = excluded.vals",
            [*key, len(ts), int(ts[0]), int(ts[-1]), ts.tobytes(), vals.tobytes()],
        )

    def _write_stats(self, sid: str) -> None:
        self.db.execute(
            "UPDATE series SET rows = agg.n, first_ts = agg.f, last_ts = agg.l, "
            "duplicates = duplicates + ? FROM (SELECT sum(n) AS n, min(first_ts) AS f, "
            "max(last_ts) AS l FROM series_chunks WHERE series_id = ?) AS agg "
            "WHERE series_id = ?",
            [self._dupes.get(sid, 0), sid, sid],
        )


def _bucket_span(kind: str, timeframe: str) -> int:
    # candles and open interest have a period of their own; funding has none
    step = FUNDING_STEP_MS if kind == "funding" else timeframe_ms(timeframe)
    return step * BUCKET_ROWS


class MarketDataReader:
    """Queries over the read model; opens nothing itself, give it a read DB connection."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def series(self, kind: str | None = None, symbol: str | None = None) -> list[SeriesInfo]:
        if "series" not in self.db.table_names():
            return []
        sql, args = "SELECT * FROM series WHERE 1=1", []
        if kind:
            sql, args = sql + " AND kind = ?", [*args, kind]
        if symbol:
            sql, args = sql + " AND symbol = ?", [*args, symbol]
        sql += " ORDER BY kind, exchange, symbol, timeframe"
        cursor = self.db.execute(sql, args)
        names = [d[0] for d in cursor.description]
        return [SeriesInfo(**dict(zip(names, row, strict=True))) for row in cursor.fetchall()]

    def find(
        self, exchange: str, symbol: str, timeframe: str = "", kind: str | None = None
    ) -> SeriesInfo | None:
        """The series of that market; ``kind`` defaults to candles with a timeframe, else
        funding (give ``kind="open_interest"`` with the sample period for open interest)."""
        kind = kind or ("candles" if timeframe else "funding")
        for info in self.series(kind=kind, symbol=symbol):
            if info.exchange == exchange and info.timeframe == timeframe:
                return info
        return None

    def spec(self, exchange: str, symbol: str) -> StoredSpec | None:
        """The instrument's last recorded contract spec, or None when none is stored."""
        if "contract_specs" not in self.db.table_names():
            return None
        row = self.db.execute(
            f"SELECT {', '.join(_SPEC_COLUMNS)} FROM contract_specs "
            "WHERE exchange = ? AND symbol = ?",
            [exchange, symbol],
        ).fetchone()
        return None if row is None else StoredSpec.from_row(row)

    def specs(self, exchange: str | None = None) -> list[StoredSpec]:
        """Every stored spec (of one exchange), by exchange and symbol."""
        if "contract_specs" not in self.db.table_names():
            return []
        sql, args = f"SELECT {', '.join(_SPEC_COLUMNS)} FROM contract_specs", []
        if exchange:
            sql, args = sql + " WHERE exchange = ?", [exchange]
        rows = self.db.execute(sql + " ORDER BY exchange, symbol", args).fetchall()
        return [StoredSpec.from_row(row) for row in rows]

    def candles(self, series_id: str, start: int | None = None, end: int | None = None) -> Candles:
        ts, vals = self._arrays(series_id, 5, start, end)
        return Candles(ts, *(np.ascontiguousarray(vals[:, i]) for i in range(5)))

    def funding(self, series_id: str, start: int | None = None, end: int | None = None) -> Funding:
        ts, vals = self._arrays(series_id, 1, start, end)
        return Funding(ts, np.ascontiguousarray(vals[:, 0]))

    def open_interest(
        self, series_id: str, start: int | None = None, end: int | None = None
    ) -> OpenInterest:
        ts, vals = self._arrays(series_id, 1, start, end)
        return OpenInterest(ts, np.ascontiguousarray(vals[:, 0]))

    def _arrays(
        self, series_id: str, width: int, start: int | None, end: int | None
    ) -> tuple[np.ndarray, np.ndarray]:
        sql, args = "SELECT ts, vals FROM series_chunks WHERE series_id = ?", [series_id]
        if start is not None:
            sql, args = sql + " AND last_ts >= ?", [*args, start]
        if end is not None:
            sql, args = sql + " AND first_ts < ?", [*args, end]
        rows = self.db.execute(sql + " ORDER BY bucket", args).fetchall()
        if not rows:
            return np.empty(0, np.int64), np.empty((0, width), np.float64)
        ts = np.concatenate([np.frombuffer(r[0], dtype=np.int64) for r in rows])
        vals = np.concatenate([np.frombuffer(r[1], dtype=np.float64) for r in rows])
        vals = vals.reshape(len(ts), width)
        keep = np.ones(len(ts), dtype=bool)
        if start is not None:
            keep &= ts >= start
        if end is not None:
            keep &= ts < end
        return ts[keep], vals[keep]
