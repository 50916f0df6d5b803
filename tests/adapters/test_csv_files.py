"""Reading candle/funding files: the market from the name, and refusal of every unsound row."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.files.csv_files import CandleFile, CsvError, FundingFile, read_series_file, series_of
from domain.market import HOUR_MS, FundingSeries, Market
from tests.stubs import T0, CandleStubs, write_csv


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("BTC_USDT-1h.csv.gz", Market("binance", "BTC/USDT", "1h")),
        ("BTC_USDT_USDT-1h.csv.gz", Market("binance", "BTC/USDT:USDT", "1h")),
        ("ETH_USDT_USDT-5m.csv", Market("binance", "ETH/USDT:USDT", "5m")),
        ("BTC_USDT_USDT-funding.csv.gz", FundingSeries("binance", "BTC/USDT:USDT")),
    ],
)
def test_market_is_read_from_the_file_name(name: str, expected: object) -> None:
    assert series_of(Path(name), "binance") == expected


@pytest.mark.parametrize("name", ["btc.csv", "BTC-USDT-1h.csv.gz", "BTC_USDT-1x.csv.gz"])
def test_unknown_file_names_are_refused(name: str) -> None:
    with pytest.raises(CsvError, match="file name"):
        series_of(Path(name), "binance")


def test_spot_funding_file_is_refused() -> None:
    with pytest.raises(CsvError, match="perpetual"):
        series_of(Path("BTC_USDT-funding.csv.gz"), "binance")


def test_a_good_file_reads_every_row(tmp_path: Path) -> None:
    rows = CandleStubs.wave(50)
    parsed = read_series_file(write_csv(tmp_path / "BTC_USDT-1h.csv.gz", rows))
    assert isinstance(parsed, CandleFile)
    assert parsed.rows == rows


def _bad_file(tmp_path: Path, line: str, at: int = 3) -> Path:
    rows = CandleStubs.wave(6)
    path = write_csv(tmp_path / "BTC_USDT-1h.csv", rows)
    lines = path.read_text().splitlines()
    lines[at - 1] = line  # 1-based line numbers, line 1 is the header
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (f"{T0 + HOUR_MS},1,2,0.5", "expected 6 fields, got 4"),
        (f"{T0 + HOUR_MS},1,2,0.5,1.5,abc", "volume 'abc' is not a number"),
        (f"{T0 + HOUR_MS},1,2,0.5,nan,3", "close is nan"),
        (f"{T0 + HOUR_MS},1,0.5,2,1,3", "high 0.5 < low 2.0"),
        (f"{T0 + HOUR_MS},1,2,0.5,3,3", "open/close outside the high-low range"),
        (f"{T0},1,2,0.5,1.5,3", "duplicate timestamp"),
        (f"{T0 - HOUR_MS},1,2,0.5,1.5,3", "unsorted timestamp"),
        (f"{T0 + 1},1,2,0.5,1.5,3", "not aligned"),
        ("1.5e12,1,2,0.5,1.5,3", "not a whole number"),
    ],
)
def test_a_bad_row_is_refused_with_file_line_and_reason(
    tmp_path: Path, line: str, reason: str
) -> None:
    path = _bad_file(tmp_path, line)
    with pytest.raises(CsvError) as caught:
        read_series_file(path)
    assert f"{path}:3: " in str(caught.value)
    assert reason in str(caught.value)


def test_every_bad_row_is_listed(tmp_path: Path) -> None:
    path = _bad_file(tmp_path, f"{T0 + HOUR_MS},1,2,0.5,nan,3", at=3)
    lines = path.read_text().splitlines()
    lines[4] = lines[4].replace(",", ";")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CsvError) as caught:
        read_series_file(path)
    assert f"{path}:3:" in str(caught.value) and f"{path}:5:" in str(caught.value)


def test_wrong_header_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "BTC_USDT-1h.csv", CandleStubs.wave(3), header="ts,o,h,l,c,v")
    with pytest.raises(CsvError, match=":1: header must be"):
        read_series_file(path)


def test_corrupt_gzip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "BTC_USDT-1h.csv.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(CsvError, match="cannot read"):
        read_series_file(path)


def test_funding_rows_are_checked(tmp_path: Path) -> None:
    header = "timestamp_ms,funding_rate"
    good = write_csv(tmp_path / "BTC_USDT_USDT-funding.csv", [(T0, 0.0001)], header=header)
    parsed = read_series_file(good)
    assert isinstance(parsed, FundingFile) and parsed.rows == [(T0, 0.0001)]
    bad = write_csv(tmp_path / "ETH_USDT_USDT-funding.csv", [(T0, 0.01), (T0 + 1, 5.0)], header)
    with pytest.raises(CsvError, match=r":3: funding rate 5.0 is not a fraction"):
        read_series_file(bad)
