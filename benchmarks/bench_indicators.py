"""Indicator benchmark: median time per indicator over five years of 1h candles (43,800).

Usage: ``python benchmarks/bench_indicators.py [REPEATS]`` (default 51). The candles are a seeded
synthetic random walk, so the figures need no data files. Each indicator is called once to load
or compile its kernel, then timed through its checked wrapper (validation included).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

import domain.indicators as ind

HOUR_MS = 3_600_000
CANDLES = 5 * 365 * 24
T0 = 1_577_836_800_000  # 2020-01-01 00:00 UTC


def synthetic_candles(size: int = CANDLES, seed: int = 42) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 30_000 * np.exp(np.cumsum(rng.normal(0, 0.01, size)))
    open_ = np.concatenate([[close[0]], close[:-1]])
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.005, size))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.005, size))
    volume = rng.uniform(10, 1_000, size)
    ts = T0 + np.arange(size, dtype=np.int64) * HOUR_MS
    return {"ts": ts, "open": open_, "high": high, "low": low, "close": close, "volume": volume}


def cases(c: dict[str, np.ndarray]) -> dict[str, Callable[[], object]]:
    ts, o, h, lo, cl, v = (c[k] for k in ("ts", "open", "high", "low", "close", "volume"))
    four_hours = ind.resample(ts, o, h, lo, cl, v, HOUR_MS, 4 * HOUR_MS)
    st_4h = ind.supertrend(four_hours.high, four_hours.low, four_hours.close, 10, 3.0)
    return {
        "sma(20)": lambda: ind.sma(cl, 20),
        "sma(200)": lambda: ind.sma(cl, 200),
        "ema(20)": lambda: ind.ema(cl, 20),
        "rolling_std(20)": lambda: ind.rolling_std(cl, 20),
        "bollinger(20, 2)": lambda: ind.bollinger(cl, 20, 2.0),
        "rsi(14)": lambda: ind.rsi(cl, 14),
        "atr(14)": lambda: ind.atr(h, lo, cl, 14),
        "adx(14)": lambda: ind.adx(h, lo, cl, 14),
        "supertrend(10, 3)": lambda: ind.supertrend(h, lo, cl, 10, 3.0),
        "donchian(20)": lambda: ind.donchian(h, lo, 20),
        "donchian(200)": lambda: ind.donchian(h, lo, 200),
        "vwap": lambda: ind.vwap(ts, h, lo, cl, v),
        "resample(1h -> 4h)": lambda: ind.resample(ts, o, h, lo, cl, v, HOUR_MS, 4 * HOUR_MS),
        "align_closed(4h st)": lambda: ind.align_closed(st_4h.direction, four_hours.closed_index),
    }


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up: compile or load the cached kernel
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(argv: list[str]) -> None:
    repeats = int(argv[0]) if argv else 51
    candles = synthetic_candles()
    print(f"{CANDLES:,} candles (5 years of 1h), median of {repeats} runs after a warm-up call")
    for name, fn in cases(candles).items():
        ms = median_ms(fn, repeats)
        print(f"{name:<22} {ms:8.3f} ms  ({ms * 1e6 / CANDLES:6.1f} ns/candle)")


if __name__ == "__main__":
    main(sys.argv[1:])
