"""Test kit: small factories for candle rows and CSV files, so tests never hand-build fixtures."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

from domain.market import HOUR_MS

T0 = 1_672_531_200_000  # 2023-01-01 00:00 UTC
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"

CandleRow = tuple[int, float, float, float, float, float]


class CandleStubs:
    @staticmethod
    def wave(n: int, start: int = T0, step: int = HOUR_MS, base: float = 100.0) -> list[CandleRow]:
        """A gentle sine-wave market: every row is a valid candle."""
        rows = []
        prev = base
        for i in range(n):
            close = base + 8 * math.sin(2 * math.pi * i / 48)
            o, c = prev, close
            rows.append((start + i * step, o, max(o, c) + 0.5, min(o, c) - 0.5, c, 10.0 + i % 7))
            prev = close
        return rows


def csv_text(rows: list[tuple], header: str = "timestamp_ms,open,high,low,close,volume") -> str:
    return header + "\n" + "".join(",".join(_fmt(v) for v in row) + "\n" for row in rows)


def _fmt(value: object) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def write_csv(path: Path, rows: list[tuple], header: str | None = None) -> Path:
    text = csv_text(rows) if header is None else csv_text(rows, header)
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path
