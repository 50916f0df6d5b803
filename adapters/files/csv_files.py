"""Reading the normalized candle and funding CSV(.gz) files, refusing anything unsound.

Formats (see the data README): candles ``timestamp_ms,open,high,low,close,volume``, funding
``timestamp_ms,funding_rate``. The market comes from the file name:
``BTC_USDT-1h.csv.gz`` -> ``BTC/USDT`` 1h spot, ``BTC_USDT_USDT-1h.csv.gz`` -> ``BTC/USDT:USDT``
1h perpetual, ``BTC_USDT_USDT-funding.csv.gz`` -> funding of ``BTC/USDT:USDT``.

A file is read whole and checked before anything is stored: one bad row refuses the file, and the
error lists every bad row (up to a cap) as ``file:line: reason``. A file that cannot be read as
CSV (a corrupt gzip body, a field over the csv module's 131,072 characters, bytes that are not
UTF-8) or that holds no row after its header is refused in one line. The row rules (times in
range and on the timeframe, finite prices within bounds ...) are ``domain.candles``'s.

Contract specs come in ``<exchange>-specs.csv`` (``binance-specs.csv``), one row per symbol:
``symbol,price_tick,amount_step,min_amount,min_notional,max_leverage`` and optionally a last
column ``tiers``, a perpetual's maintenance-margin tiers as ``max_notional:mmr:max_leverage``
groups joined by ``;`` (``150000:0.004:125;900000:0.005:100``), by increasing position value.
Only ``price_tick`` is required, an empty field means the venue gives no such figure (no tiers:
no liquidation known). A bad specs file is refused in one line naming the file, the line and the
field of its first bad row.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from domain.candles import (
    SPEC_FIELDS,
    TIER_FIELDS,
    ContractSpec,
    candle_problem,
    funding_problem,
)
from domain.contracts import MarginTier
from domain.market import FundingSeries, Market, MarketError, check_symbol, timeframe_ms

CANDLE_HEADER = ["timestamp_ms", "open", "high", "low", "close", "volume"]
FUNDING_HEADER = ["timestamp_ms", "funding_rate"]
_NAME = re.compile(r"^([A-Z0-9]+)_([A-Z0-9]+)(?:_([A-Z0-9]+))?-([0-9]+[mhdw]|funding)\.csv(\.gz)?$")
MAX_REPORTED = 20
SPECS_HEADER = ["symbol", *SPEC_FIELDS]
SPECS_HEADER_TIERS = [*SPECS_HEADER, "tiers"]
_SPECS_NAME = re.compile(r"^([a-z][a-z0-9_]*)-specs\.csv$")

CandleRow = tuple[int, float, float, float, float, float]
FundingRow = tuple[int, float]


class CsvError(ValueError):
    """A file that cannot be imported; the message names file, line and reason."""


@dataclass(frozen=True, slots=True)
class CandleFile:
    path: Path
    market: Market
    rows: list[CandleRow]


@dataclass(frozen=True, slots=True)
class FundingFile:
    path: Path
    series: FundingSeries
    rows: list[FundingRow]


@dataclass(frozen=True, slots=True)
class SpecsFile:
    path: Path
    exchange: str
    specs: list[ContractSpec]


def is_specs_file(path: Path) -> bool:
    """Whether the name says contract specs (``binance-specs.csv``)."""
    return _SPECS_NAME.match(path.name) is not None


def series_of(path: Path, exchange: str) -> Market | FundingSeries:
    """Which series a file holds, from its name alone."""
    match = _NAME.match(path.name)
    if match is None:
        raise CsvError(
            f"{path}: cannot tell the market from the file name (expected e.g. "
            "BTC_USDT-1h.csv.gz, BTC_USDT_USDT-1h.csv.gz, BTC_USDT_USDT-funding.csv.gz)"
        )
    base, quote, settle, tf = match.group(1), match.group(2), match.group(3), match.group(4)
    symbol = f"{base}/{quote}" + (f":{settle}" if settle else "")
    try:
        if tf == "funding":
            return FundingSeries(exchange, symbol)
        return Market(exchange, symbol, tf)
    except MarketError as exc:
        raise CsvError(f"{path}: {exc}") from exc


def read_series_file(path: Path, exchange: str = "binance") -> CandleFile | FundingFile:
    """Parse and check one file; raise ``CsvError`` listing its bad rows."""
    series = series_of(path, exchange)
    if isinstance(series, FundingSeries):
        return FundingFile(path, series, _read(path, FUNDING_HEADER, _funding_row))
    tf_ms = timeframe_ms(series.timeframe)
    return CandleFile(path, series, _read(path, CANDLE_HEADER, lambda f: _candle_row(f, tf_ms)))


def _read(path: Path, header: list[str], parse_row) -> list:
    rows: list = []
    errors: list[str] = []
    previous_ts: int | None = None
    for line_no, fields in _lines(path, header):
        try:
            row = parse_row(fields)
            if previous_ts is not None and row[0] <= previous_ts:
                order = "duplicate" if row[0] == previous_ts else "unsorted"
                raise ValueError(f"{order} timestamp {row[0]} (previous row has {previous_ts})")
        except ValueError as exc:
            errors.append(f"{path}:{line_no}: {exc}")
            if len(errors) > MAX_REPORTED:
                break
            continue
        previous_ts = row[0]
        rows.append(row)
    if errors:
        raise CsvError(_summary(path, errors))
    if not rows:
        raise CsvError(f"{path}: no rows after the header; file refused, nothing stored")
    return rows


def _summary(path: Path, errors: list[str]) -> str:
    if len(errors) == 1:  # the common case in one line
        return f"{errors[0]}; file refused, nothing imported from this file"
    shown = errors[:MAX_REPORTED]
    more = "\n  ... (more errors not shown)" if len(errors) > MAX_REPORTED else ""
    return f"{path}: refused, nothing imported from this file:\n  " + "\n  ".join(shown) + more


_UNREADABLE = (OSError, EOFError, zlib.error, gzip.BadGzipFile, UnicodeDecodeError, csv.Error)


def _lines(path: Path, header: list[str]) -> Iterator[tuple[int, list[str]]]:
    """The rows after the header, numbered from 2; a file that is not readable CSV raises
    ``CsvError`` in one line (also midway, before its rows are used: callers read it whole)."""
    _, rows = _table(path, (header,))
    return rows


def _table(
    path: Path, headers: tuple[list[str], ...]
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The file's header (one of ``headers``, else ``CsvError``) and its numbered rows (as
    ``_lines``)."""
    try:
        raw = path.read_bytes()
        text = gzip.decompress(raw) if path.name.endswith(".gz") else raw
        # utf-8-sig: a spreadsheet's byte-order mark is not part of the header
        reader = csv.reader(io.StringIO(text.decode("utf-8-sig")))
        first = next(reader, None)
    except _UNREADABLE as exc:
        reason = _reason(exc)
        raise CsvError(f"{path}: cannot read: {reason}; file refused, nothing stored") from exc
    if first not in headers:
        got = "an empty file" if first is None else repr(first)[:200]
        wanted = " or ".join(repr(",".join(h)) for h in headers)
        raise CsvError(f"{path}:1: header must be {wanted}, got {got}")
    return first, _numbered(path, reader)


def _numbered(path: Path, reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    line_no = 1
    try:
        for line_no, fields in enumerate(reader, start=2):
            yield line_no, fields
    except csv.Error as exc:
        raise CsvError(
            f"{path}:{line_no + 1}: cannot read: {_reason(exc)}; file refused, nothing stored"
        ) from exc


def _reason(exc: Exception) -> str:
    name = {EOFError: "truncated gzip", zlib.error: "corrupt gzip"}.get(type(exc), "")
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{name}: {text}" if name else text


def _fields(fields: list[str], count: int) -> list[str]:
    if len(fields) != count:
        raise ValueError(f"expected {count} fields, got {len(fields)}")
    return fields


def _int(text: str, name: str) -> int:
    if not text.isdigit():
        raise ValueError(f"{name} {text!r} is not a whole number of milliseconds")
    return int(text)


def _float(text: str, name: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a number") from None


def _candle_row(fields: list[str], tf_ms: int) -> CandleRow:
    ts_text, *values = _fields(fields, 6)
    ts = _int(ts_text, "timestamp_ms")
    o, h, l, c, v = (_float(t, n) for t, n in zip(values, CANDLE_HEADER[1:], strict=True))
    problem = candle_problem(ts, o, h, l, c, v, tf_ms)
    if problem:
        raise ValueError(problem)
    return ts, o, h, l, c, v


def _funding_row(fields: list[str]) -> FundingRow:
    ts_text, rate_text = _fields(fields, 2)
    ts, rate = _int(ts_text, "timestamp_ms"), _float(rate_text, "funding_rate")
    problem = funding_problem(ts, rate)
    if problem:
        raise ValueError(problem)
    return ts, rate


def read_specs_file(path: Path) -> SpecsFile:
    """Parse and check a ``<exchange>-specs.csv`` file; raise ``CsvError`` in one line (file,
    line and field of the first bad row, and how many more there are)."""
    match = _SPECS_NAME.match(path.name)
    if match is None:
        raise CsvError(f"{path}: a specs file is named <exchange>-specs.csv (binance-specs.csv)")
    exchange = match.group(1)
    specs: list[ContractSpec] = []
    errors: list[str] = []
    lines: dict[str, int] = {}
    header, rows = _table(path, (SPECS_HEADER, SPECS_HEADER_TIERS))
    for line_no, fields in rows:
        try:
            spec = _spec_row(exchange, fields, len(header))
            if spec.symbol in lines:
                raise ValueError(f"symbol {spec.symbol} again (first on line {lines[spec.symbol]})")
        except ValueError as exc:
            errors.append(f"{path}:{line_no}: {exc}")
            continue
        lines[spec.symbol] = line_no
        specs.append(spec)
    if errors:
        more = f" ({len(errors) - 1} more bad rows)" if len(errors) > 1 else ""
        raise CsvError(f"{errors[0]}; file refused, nothing stored{more}")
    if not specs:
        raise CsvError(f"{path}: no specs in the file; file refused, nothing stored")
    return SpecsFile(path, exchange, specs)


def _spec_row(exchange: str, fields: list[str], width: int) -> ContractSpec:
    symbol, *texts = _fields(fields, width)
    try:
        check_symbol(symbol.strip())
    except MarketError as exc:
        raise ValueError(f"symbol: {exc}") from None
    values: list[float | None] = []
    for name, text in zip(SPEC_FIELDS, texts[: len(SPEC_FIELDS)], strict=True):
        text = text.strip()
        if not text:
            values.append(None)
            continue
        try:
            values.append(float(text))
        except ValueError:
            raise ValueError(f"{name}: {text!r} is not a number") from None
    tiers = _tiers(texts[len(SPEC_FIELDS)]) if width == len(SPECS_HEADER_TIERS) else ()
    spec = ContractSpec(exchange, symbol.strip(), *values, tiers=tiers)  # type: ignore[arg-type]
    problem = spec.problem()
    if problem is not None:
        raise ValueError(f"{problem[0]}: {problem[1]}")
    return spec


def _tiers(text: str) -> tuple[MarginTier, ...]:
    """A ``tiers`` cell: ``max_notional:mmr:max_leverage`` groups joined by ``;`` (empty: none);
    their figures are checked with the spec's (``ContractSpec.problem``)."""
    tiers: list[MarginTier] = []
    groups = [g.strip() for g in text.split(";")] if text.strip() else []
    for k, group in enumerate(groups, start=1):
        parts = group.split(":")
        if len(parts) != len(TIER_FIELDS):
            raise ValueError(f"tiers: tier {k} {group!r} is not {':'.join(TIER_FIELDS)}")
        try:
            tiers.append(MarginTier(*(float(p) for p in parts)))
        except ValueError:
            raise ValueError(f"tiers: tier {k} {group!r} holds something not a number") from None
    return tuple(tiers)
