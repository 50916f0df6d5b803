"""How a walk-forward result is shown: a report table, or one compact JSON object."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from adapters.text.timefmt import fmt_ts
from domain.market import iso_utc
from domain.walk_forward_summary import Headline, WalkForwardSummary, WindowRecord
from optimization.cost import CLUSTER_START_S, Estimate


def optimize_json(summary: WalkForwardSummary, run_id: str) -> str:
    """One JSON object: the run's headline, its id and duration, and every window with its
    spans as UTC times that ``backtest --from/--to`` take as they are, so any window can be
    re-run by hand."""
    headline = ((name, getattr(summary, name)) for name in Headline.__struct_fields__)
    out = {name: value for name, value in headline if value is not UNSET}  # a field it predates
    out |= {"run_id": run_id, "duration_s": summary.duration_s}
    out["windows"] = [_window_json(w) for w in summary.windows]
    return json.dumps(msgspec.to_builtins(out), allow_nan=False, default=str)


def _window_json(w: WindowRecord) -> dict[str, Any]:
    if w.oos_end is UNSET:  # a run of the earlier rule: no spans nor selection recorded
        return msgspec.to_builtins(w)
    return {
        "index": w.index,
        "is_start": iso_utc(w.is_from),
        "is_end": iso_utc(w.is_end),
        "oos_start": iso_utc(w.oos_from),
        "oos_end": iso_utc(w.oos_end),
        "params": w.params,
        "is": {
            "sharpe": w.is_sharpe,
            "return_pct": w.is_return_pct,
            "trades": w.is_trades,
            "score": w.is_score,
        },
        "oos": {
            "sharpe": w.oos_sharpe,
            "return_pct": w.oos_return_pct,
            "trades": w.oos_trades,
            "fingerprint": w.oos_fingerprint,
        },
        "regime": w.regime,
    }


def optimize_table(summary: WalkForwardSummary) -> str:
    s = summary
    lines = [
        f"== {s.strategy} on {s.symbol} {s.timeframe}: grade {s.grade} "
        f"({s.score:.0f}/100)" + (f", capped by {s.capped_by}" if s.capped_by else ""),
        f"   stitched OOS Sharpe {s.oos_sharpe:.2f} (mean of the windows "
        f"{_num(s.oos_sharpe_mean)}; IS of the selections {s.is_sharpe:.2f}, ratio "
        f"{_num(s.oos_is_ratio)}), consistency {s.consistency:.0%}, OOS trades "
        f"{s.oos_trades}",
        f"   DSR {_num(s.dsr)}, Monte Carlo p {_num(s.mc_pvalue)}"
        + (" (underpowered)" if s.mc_underpowered else "")
        + f", stability {_num(s.stability)}, transfer {_num(s.transfer_ratio)}"
        + _judged_on(s.validation_windows),
        f"   {s.n_windows} windows x {s.n_combos} combinations in {s.duration_s:.1f} s"
        + _dropped(s.n_dropped)
        + f", embargo {s.embargo_days or 0} days; each window trades its in-sample best"
        + ("" if s.contract is not UNSET else f"; {_tick(s.price_tick)}"),
        *([f"   contract {s.contract}"] if s.contract is not UNSET else []),
        f"   to trade ({s.params_rule or 'best by OOS: the earlier rule'}): "
        + ", ".join(f"{k}={v}" for k, v in s.best_params.items()),
        "   points: "
        + ", ".join(f"{name} {p.points:.1f}/{p.max:.0f}" for name, p in s.criteria.items()),
    ]
    lines += [_window_line(w) for w in s.windows]
    lines += [f"   [{v.level}] {v.text}" for v in s.verdicts]
    return "\n".join(lines)


def _tick(tick: float | None) -> str:
    """How order prices met the candles, for a run recorded before its contract was."""
    if tick is None:
        return "prices not rounded (no contract spec stored)"
    return f"order prices on the tick {tick:g}"


def _judged_on(unseen: list[int] | None) -> str:
    """Which windows stability and transfer read: those the parameters were not chosen on."""
    if unseen is None:
        return ""
    names = ", ".join(f"w{k + 1}" for k in unseen) or "none"
    return f" (on windows the parameters to trade were not chosen on: {names})"


def _window_line(w: WindowRecord) -> str:
    line = (
        f"   {w.regime:<5} {fmt_ts(w.oos_from)[:10]} -> {fmt_ts(w.oos_to)[:10]}  "
        f"OOS Sharpe {w.oos_sharpe:6.2f}  return {w.oos_return_pct:7.2f} %"
    )
    if w.params is not UNSET:
        line += f"  (IS {w.is_sharpe:5.2f}) " + ", ".join(f"{k}={v}" for k, v in w.params.items())
    return line


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _dropped(count: int | UnsetType) -> str:
    if not count:
        return ""
    return (
        f" ({count} more dropped: a stop at or beyond the liquidation price, or a leverage above "
        "the venue's maximum)"
    )


def estimate_text(cost: Estimate, cluster: bool = False) -> str:
    """``optimize --dry-run``: the work and its expected time, in one paragraph (``cluster``:
    what a cluster adds to the local pool's figure)."""
    pool = "this process" if cost.processes == 1 else f"{cost.processes} worker processes"
    text = (
        f"{cost.jobs} job(s), {cost.windows} windows, {cost.combos:,} combinations, "
        f"{cost.steps / 1e9:.2f} G kernel steps (combination x candle)\n"
        f"on {pool} x {cost.threads} numba thread(s): about {cost.seconds:.0f} s on a machine "
        f"like the benchmarks' (BENCHMARKS.md, cost model)"
    )
    if cluster:
        text += (
            f"\non the cluster: a LocalCluster adds about {CLUSTER_START_S:.0f} s to start and "
            "stop; a remote one divides the work by its workers (BENCHMARKS.md, Cluster)"
        )
    return text
