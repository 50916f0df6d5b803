"""A small portfolio run's settings and report (every field filled), for tests that store,
project or show one without running a replay."""

from __future__ import annotations

from domain.portfolio_report import (
    Benchmark,
    Curve,
    KillSwitchTrip,
    PortfolioReport,
    RegimeResult,
    RunnerResult,
)
from domain.portfolio_run import PortfolioSettings, RunnerChoice
from tests.stubs import T0

HOUR_MS = 3_600_000


def portfolio_settings(capital: float = 1000.0) -> PortfolioSettings:
    return PortfolioSettings(
        runners=[
            RunnerChoice(
                "grid_atr:BTC/USDT", "grid_atr", "BTC/USDT", {"sl_percent": 15.0}, "per_asset"
            )
        ],
        capital=capital,
        start_ts=T0,
        end_ts=T0 + 48 * HOUR_MS,
        mode="strategies",
        overrides={"initial_capital": capital},
    )


def portfolio_report(return_pct: float = 4.5) -> PortfolioReport:
    final = 1000.0 * (1 + return_pct / 100)
    return PortfolioReport(
        capital=1000.0,
        start_ts=T0,
        end_ts=T0 + 47 * HOUR_MS,
        candles=48,
        final_equity=final,
        return_pct=return_pct,
        max_drawdown_pct=10.0,
        sharpe=1.2,
        sortino=1.5,
        trades=3,
        win_rate_pct=100 / 3,
        fees_paid=4.0,
        funding_paid=1.0,
        realized_pnl=50.0,
        forced_close_pnl=-5.0,
        peak_margin=500.0,
        peak_margin_pct=50.0,
        peak_margin_ts=T0 + 24 * HOUR_MS,
        margin_blocks=1,
        trips=[
            KillSwitchTrip(T0 + 30 * HOUR_MS, "global", "", "drawdown", {"drawdown_percent": 31.0})
        ],
        open_histogram=[20, 20, 8],
        fill_histogram=[44, 3, 1],
        worst_stop_loss=80.0,
        worst_stop_ts=T0 + 24 * HOUR_MS,
        benchmark=Benchmark(["BTC/USDT"], 1100.0, 10.0, 5.0),
        runners=[
            RunnerResult("grid_atr:BTC/USDT", "grid_atr", "BTC/USDT", 3, 33.3, 45.0, 1.0, 500.0)
        ],
        regimes=[RegimeResult("bull", 3, 33.3, 45.0)],
        curve=Curve([T0 + 23 * HOUR_MS, T0 + 47 * HOUR_MS], [1100.0, final], [300.0, 0.0]),
        fingerprint="0" * 64,
    )
