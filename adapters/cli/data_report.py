"""Plain-text reports printed by the CLI (data check, import summary)."""

from __future__ import annotations

from adapters.services.importer import ImportOutcome
from adapters.text.timefmt import fmt_ts
from projections.data_quality import QualityReport
from projections.market_data import SeriesInfo

MAX_LISTED = 30


def import_summary(outcomes: list[ImportOutcome], refusals: bool = True) -> str:
    """A line per file and the totals; ``refusals=False`` leaves out the refused files' errors
    (``data import`` prints them on stderr)."""
    lines = []
    for o in outcomes:
        if o.error:
            if refusals:
                lines.append(o.error)
        else:
            lines.append(f"{o.path.name}: {o.series}: {o.rows} rows, {o.added} new events")
    added = sum(o.added for o in outcomes)
    refused = sum(1 for o in outcomes if o.error)
    done = len(outcomes) - refused
    lines.append(f"imported {done} file(s), {added} new events, {refused} refused")
    return "\n".join(lines)


def quality_section(info: SeriesInfo, report: QualityReport, contract: str | None = None) -> str:
    """A series' data quality; ``contract``: what a backtest of its candles obeys (one line)."""
    span = f"{fmt_ts(report.first_ts)} -> {fmt_ts(report.last_ts)}"
    lines = [
        f"== {info.label}",
        f"   span        {span}",
        f"   rows        {report.rows}",
        f"   gaps        {len(report.gaps)} ({report.missing} missing)",
    ]
    lines += [
        f"     {fmt_ts(g.last_before)} -> {fmt_ts(g.first_after)} ({g.missing} missing)"
        for g in report.gaps[:MAX_LISTED]
    ]
    if len(report.gaps) > MAX_LISTED:
        lines.append(f"     ... {len(report.gaps) - MAX_LISTED} more")
    lines.append(f"   duplicates  {report.duplicates}")
    if info.kind == "candles":
        lines.append(_times("ohlc errors ", report.ohlc_inconsistent))
        lines.append(_times("zero volume ", report.zero_volume))
        spikes = [f"{fmt_ts(s.ts)} {s.kind} {s.sigmas:.0f}sd" for s in report.spikes]
        lines.append(_listing("spikes      ", spikes))
        if contract is not None:
            lines.append(f"   contract    {contract}")
    return "\n".join(lines)


def _times(title: str, times: list[int]) -> str:
    return _listing(title, [fmt_ts(t) for t in times])


def _listing(title: str, items: list[str]) -> str:
    shown = ", ".join(items[:8]) + (f", ... {len(items) - 8} more" if len(items) > 8 else "")
    return f"   {title}{len(items)}" + (f"  [{shown}]" if items else "")
