"""How a portfolio backtest is shown: its settings and report as text or one JSON object, and
the list of recorded runs."""

from __future__ import annotations

from typing import Any

import msgspec

from adapters.text.timefmt import fmt_ts
from domain.portfolio_report import PortfolioReport
from domain.portfolio_run import PortfolioSettings

_SOURCES = {
    "per_asset": "validated per_asset parameters (strategies.yaml)",
    "defaults": "the strategy's defaults (no per_asset entry for the asset)",
    "applied": "parameters applied from research",
    "applied_before": "parameters applied before the forward window",
}


def report_json(run_id: str, settings: PortfolioSettings, report: PortfolioReport) -> str:
    document = {"run_id": run_id, "settings": settings, "report": report}
    return msgspec.json.encode(document).decode()


def report_text(run_id: str, settings: PortfolioSettings, report: PortfolioReport) -> str:
    r = report
    lines = [
        f"portfolio run {run_id}",
        f"  mode {_mode(settings)}, capital {settings.capital:,.2f}, "
        f"{fmt_ts(r.start_ts)} -> {fmt_ts(r.end_ts)} ({r.candles} candle closes)",
        f"  guards: {_guards(settings)}",
        "runners:",
        *(f"  {c.key}: {_SOURCES.get(c.source, c.source)}" for c in settings.runners),
        *(f"  {key}: left out (no parameters applied before)" for key in settings.left_out),
        f"return {r.return_pct:+.2f} % (equity {r.final_equity:,.2f}), max drawdown "
        f"{r.max_drawdown_pct:.2f} % (with unrealised), Sharpe {r.sharpe:.2f}, "
        f"Sortino {r.sortino:.2f}",
        f"trades {r.trades}, win rate {r.win_rate_pct:.1f} %, fees {r.fees_paid:,.2f}, "
        f"funding {_funding(r.funding_paid)}",
        f"P&L realised {r.realized_pnl:+,.2f}, forced closed at the end {r.forced_close_pnl:+,.2f}",
        f"peak margin {r.peak_margin:,.2f} ({r.peak_margin_pct:.1f} % of capital) at "
        f"{fmt_ts(r.peak_margin_ts)}; entries refused by the margin guard: {r.margin_blocks}",
        f"worst case, every open stop hit: {-r.worst_stop_loss:+,.2f} at {fmt_ts(r.worst_stop_ts)}",
        f"open grids/positions per candle close: {_histogram(r.open_histogram)}",
        f"runners filling in the same candle: {_histogram(r.fill_histogram)}",
        f"kill-switch trips: {len(r.trips)}",
        *(f"  {fmt_ts(t.ts)} {t.scope}{' ' + t.key if t.key else ''}: {t.reason}" for t in r.trips),
    ]
    if r.benchmark is not None:
        b = r.benchmark
        lines.append(
            f"buy and hold ({', '.join(b.assets)}, equal weights): {b.return_pct:+.2f} %, "
            f"max drawdown {b.max_drawdown_pct:.2f} %"
        )
    lines.append("per runner:")
    lines += [
        f"  {x.key}: {x.trades} trades, win {x.win_rate_pct:.1f} %, P&L {x.pnl:+,.2f}, "
        f"funding {_funding(x.funding)}, max margin {x.max_margin:,.2f}"
        for x in r.runners
    ]
    lines.append("per regime (of the trade's asset when it opened):")
    lines += [
        f"  {g.regime}: {g.trades} trades, win {g.win_rate_pct:.1f} %, P&L {g.pnl:+,.2f}"
        for g in r.regimes
    ]
    lines.append(f"fingerprint {r.fingerprint}")
    return "\n".join(lines)


def runs_text(runs: list[dict[str, Any]]) -> str:
    if not runs:
        return "no portfolio run recorded yet"
    return "\n".join(
        f"{row['run_id']}  {fmt_ts(row['recorded_ts'])}  {row['mode']:<10} "
        f"{row['runners']:>3} runners  capital {row['capital']:>10,.0f}  "
        f"{fmt_ts(row['start_ts'])} -> {fmt_ts(row['end_ts'])}  "
        f"return {row['return_pct']:+.2f} %  dd {row['max_drawdown_pct']:.2f} %  "
        f"trips {row['trips']}"
        for row in runs
    )


def _mode(settings: PortfolioSettings) -> str:
    if settings.mode == "preset":
        return f"preset {settings.preset}"
    if settings.mode == "forward":
        return f"forward test of the last {settings.forward_days} days"
    return settings.mode


def _guards(settings: PortfolioSettings) -> str:
    if not settings.guards:
        return "off (--no-guards: no kill switch nor regime filter, margin guard at 100 %)"
    changed = ", ".join(f"{k}={v}" for k, v in settings.overrides.items())
    return f"risk.yaml{' with ' + changed if changed else ''}"


def _funding(amount: float) -> str:
    return f"paid {amount:,.2f}" if amount >= 0 else f"received {-amount:,.2f}"


def _histogram(counts: list[int]) -> str:
    return ", ".join(f"{k}: {n}" for k, n in enumerate(counts) if n) or "-"
