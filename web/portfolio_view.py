"""What the Portfolio page shows of recorded runs: their figures as people read them
(separators, signs, percent), their charts, and the comparison of several runs.

Every figure is the stored report's (``PortfolioReport``); nothing is recomputed here but the
drawing's own series (the drawdown of the daily curve, the curves normalised to 100).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import numpy as np

from config.settings import Settings
from projections.portfolio_runs import PortfolioRun
from web import svg
from web.paper_data import drawdown_pct
from web.templating import date, day

KILL_SWITCH_DD = "kill_switch.global_max_drawdown_percent"


class Metric(msgspec.Struct, frozen=True):
    """One headline figure: its value (None: not applicable) and how it reads (``kind``:
    money, signed, pct, signed_pct, ratio, count)."""

    key: str
    label: str
    value: float | None
    kind: str
    note: str = ""  # when it happened, what it compares with

    @property
    def text(self) -> str:
        return shown(self.value, self.kind)


class Compared(msgspec.Struct, frozen=True):
    """A metric across runs: each run's, and each run's difference from the first."""

    label: str
    cells: list[str]
    deltas: list[str]


def shown(value: float | None, kind: str) -> str:
    """A figure for people: thousands separators, a sign where the sign is the news, % for a
    percentage."""
    if value is None or not np.isfinite(value):
        return "n/a"
    formats = {
        "money": f"{value:,.2f}",
        "signed": f"{value:+,.2f}",
        "pct": f"{value:,.2f} %",
        "signed_pct": f"{value:+,.2f} %",
        "ratio": f"{value:,.2f}",
        "count": f"{value:,.0f}",
    }
    return formats[kind]


def delta(value: float | None, first: float | None, kind: str) -> str:
    """``value`` minus ``first``, signed (a percentage's difference in points)."""
    if value is None or first is None:
        return "n/a"
    diff = value - first
    if kind in ("pct", "signed_pct"):
        return f"{diff:+,.2f} pts"
    return f"{diff:+,.0f}" if kind == "count" else f"{diff:+,.2f}"


def metrics(run: PortfolioRun) -> list[Metric]:
    """The headline figures of a run, in the order the page lists them."""
    r = run.report
    bench = r.benchmark
    return [
        Metric("return_pct", "Return", r.return_pct, "signed_pct"),
        Metric("final_equity", "Final equity", r.final_equity, "money", f"of {r.capital:,.2f}"),
        Metric("max_drawdown_pct", "Max drawdown", r.max_drawdown_pct, "pct"),
        Metric("sharpe", "Sharpe", r.sharpe, "ratio"),
        Metric("sortino", "Sortino", r.sortino, "ratio"),
        Metric("peak_margin", "Peak margin", r.peak_margin, "money", _peak_note(run)),
        Metric("trips", "Kill-switch trips", len(r.trips), "count"),
        Metric("trades", "Trades", r.trades, "count"),
        Metric("win_rate_pct", "Win rate", r.win_rate_pct, "pct"),
        Metric("realized_pnl", "Realised P&L", r.realized_pnl, "signed", "closed by their rules"),
        Metric("forced_close_pnl", "Forced-close P&L", r.forced_close_pnl, "signed", "at the end"),
        Metric("fees_paid", "Fees", r.fees_paid, "money"),
        Metric("funding_paid", "Funding", r.funding_paid, "signed", "> 0 paid, < 0 received"),
        Metric("margin_blocks", "Margin-guard blocks", r.margin_blocks, "count"),
        Metric(
            "worst_stop_loss", "Worst stop case", r.worst_stop_loss, "money", date(r.worst_stop_ts)
        ),
        Metric(
            "benchmark_return_pct",
            "Buy and hold",
            bench.return_pct if bench else None,
            "signed_pct",
            ", ".join(bench.assets) if bench else "",
        ),
        Metric(
            "benchmark_drawdown_pct",
            "Buy and hold max drawdown",
            bench.max_drawdown_pct if bench else None,
            "pct",
        ),
    ]


def _peak_note(run: PortfolioRun) -> str:
    r = run.report
    return f"{r.peak_margin_pct:,.1f} % of the capital, {date(r.peak_margin_ts)}"


def kill_switch_threshold(run: PortfolioRun, settings: Settings) -> tuple[float | None, str]:
    """The global kill switch's drawdown the run had (percent) and where that figure comes
    from: the run's override, none without guards, else the config's (a run records only
    what it overrode)."""
    overridden = run.settings.overrides.get(KILL_SWITCH_DD)
    if overridden is not None:
        return overridden, "the run's override"
    if not run.settings.guards:
        return None, "guards off"
    return settings.risk.kill_switch.global_max_drawdown_percent, "the config's"


def charts(run: PortfolioRun, threshold: float | None) -> dict[str, str]:
    """Equity, drawdown (with the kill switch's threshold), margin in use: one point a day."""
    curve = run.report.curve
    labels = [day(ts) for ts in curve.ts]
    limit = -threshold if threshold is not None and threshold < 100 else None
    return {
        "equity": svg.curve_chart({"equity": curve.equity}, labels, label="equity"),
        "drawdown": svg.drawdown_chart(
            drawdown_pct(np.asarray(curve.equity, dtype=float)).tolist(),
            labels,
            label="drawdown from the peak",
            threshold=limit,
        ),
        "margin": svg.curve_chart({"margin in use": curve.margin}, labels, label="margin in use"),
    }


def distribution(counts: Sequence[int]) -> list[tuple[int, int, str]]:
    """(k, candles, share of the candles) for a histogram stored as ``counts[k]``."""
    total = sum(counts) or 1
    return [(k, n, f"{100 * n / total:,.1f} %") for k, n in enumerate(counts)]


def compared(runs: Sequence[PortfolioRun]) -> list[Compared]:
    """Every headline metric side by side, with each run's difference from the first."""
    table = [metrics(run) for run in runs]
    rows = []
    for i, first in enumerate(table[0]):
        column = [ms[i] for ms in table]
        rows.append(
            Compared(
                first.label,
                [m.text for m in column],
                [delta(m.value, first.value, m.kind) for m in column],
            )
        )
    return rows


def normalised_chart(runs: Sequence[PortfolioRun], names: Sequence[str]) -> str:
    """The runs' equity curves, each starting at 100, on the union of their days (a run has
    gaps where it did not trade)."""
    days = sorted({ts for run in runs for ts in run.report.curve.ts})
    series: dict[str, list[float | None]] = {}
    for run, name in zip(runs, names, strict=True):
        curve = run.report.curve
        by_day = dict(zip(curve.ts, curve.equity, strict=True))
        series[name] = [
            by_day[ts] / run.report.capital * 100 if ts in by_day else None for ts in days
        ]
    return svg.curve_chart(series, [day(ts) for ts in days], label="equity, start = 100")
