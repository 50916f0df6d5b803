"""How a walk-forward result is shown: a report table, or one compact JSON object."""

from __future__ import annotations

import json
from typing import Any

from adapters.timefmt import fmt_ts

JSON_FIELDS = (
    "strategy",
    "symbol",
    "timeframe",
    "grade",
    "score",
    "oos_sharpe",
    "is_sharpe",
    "consistency",
    "oos_is_ratio",
    "dsr",
    "mc_pvalue",
    "mc_underpowered",
    "stability",
    "transfer_ratio",
    "oos_trades",
    "n_windows",
    "n_combos",
    "best_params",
    "criteria",
    "capped_by",
    "run_id",
    "duration_s",
)


def optimize_json(summary: dict[str, Any]) -> str:
    return json.dumps({k: summary.get(k) for k in JSON_FIELDS}, allow_nan=False, default=str)


def optimize_table(summary: dict[str, Any]) -> str:
    s = summary
    lines = [
        f"== {s['strategy']} on {s['symbol']} {s['timeframe']}: grade {s['grade']} "
        f"({s['score']:.0f}/100)" + (f", capped by {s['capped_by']}" if s.get("capped_by") else ""),
        f"   OOS Sharpe {s['oos_sharpe']:.2f} (IS {s['is_sharpe']:.2f}, ratio "
        f"{_num(s['oos_is_ratio'])}), consistency {s['consistency']:.0%}, OOS trades "
        f"{s['oos_trades']}",
        f"   DSR {_num(s['dsr'])}, Monte Carlo p {_num(s['mc_pvalue'])}"
        + (" (underpowered)" if s["mc_underpowered"] else "")
        + f", stability {_num(s['stability'])}, transfer {_num(s['transfer_ratio'])}",
        f"   {s['n_windows']} windows x {s['n_combos']} combinations in {s['duration_s']:.1f} s",
        "   best: " + ", ".join(f"{k}={v}" for k, v in s["best_params"].items()),
        "   points: "
        + ", ".join(
            f"{name} {p['points']:.1f}/{p['max']:.0f}" for name, p in s["criteria"].items()
        ),
    ]
    lines += [
        f"   {w['regime']:<5} {fmt_ts(w['oos_from'])[:10]} -> {fmt_ts(w['oos_to'])[:10]}  "
        f"OOS Sharpe {w['oos_sharpe']:6.2f}  return {w['oos_return_pct']:7.2f} %"
        for w in s["windows"]
    ]
    lines += [f"   [{v['level']}] {v['text']}" for v in s["verdicts"]]
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"
