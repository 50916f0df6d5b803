"""How a walk-forward result is shown: a report table, or one compact JSON object."""

from __future__ import annotations

import json
from typing import Any

from adapters.text.timefmt import fmt_ts, iso_utc

JSON_FIELDS = (
    "strategy",
    "symbol",
    "timeframe",
    "selection_rule",
    "embargo_days",
    "grade",
    "score",
    "oos_sharpe",
    "oos_sharpe_mean",
    "is_sharpe",
    "consistency",
    "oos_is_ratio",
    "dsr",
    "mc_pvalue",
    "mc_underpowered",
    "stability",
    "transfer_ratio",
    "oos_trades",
    "oos_return_pct",
    "n_windows",
    "n_combos",
    "best_params",
    "params_rule",
    "params_window",
    "validation_windows",
    "price_tick",
    "criteria",
    "capped_by",
    "run_id",
    "duration_s",
)


def optimize_json(summary: dict[str, Any]) -> str:
    """One JSON object: the run's figures and every window with its spans as UTC times that
    ``backtest --from/--to`` take as they are, so any window can be re-run by hand."""
    out = {k: summary.get(k) for k in JSON_FIELDS}
    out["windows"] = [_window_json(w) for w in summary.get("windows") or []]
    return json.dumps(out, allow_nan=False, default=str)


def _window_json(w: dict[str, Any]) -> dict[str, Any]:
    if "oos_end" not in w:  # a run of the earlier rule: no spans nor selection recorded
        return dict(w)
    return {
        "index": w["index"],
        "is_start": iso_utc(w["is_from"]),
        "is_end": iso_utc(w["is_end"]),
        "oos_start": iso_utc(w["oos_from"]),
        "oos_end": iso_utc(w["oos_end"]),
        "params": w["params"],
        "is": {k: w[f"is_{k}"] for k in ("sharpe", "return_pct", "trades", "score")},
        "oos": {k: w[f"oos_{k}"] for k in ("sharpe", "return_pct", "trades", "fingerprint")},
        "regime": w["regime"],
    }


def optimize_table(summary: dict[str, Any]) -> str:
    s = summary
    lines = [
        f"== {s['strategy']} on {s['symbol']} {s['timeframe']}: grade {s['grade']} "
        f"({s['score']:.0f}/100)" + (f", capped by {s['capped_by']}" if s.get("capped_by") else ""),
        f"   stitched OOS Sharpe {s['oos_sharpe']:.2f} (mean of the windows "
        f"{_num(s.get('oos_sharpe_mean'))}; IS of the selections {s['is_sharpe']:.2f}, ratio "
        f"{_num(s['oos_is_ratio'])}), consistency {s['consistency']:.0%}, OOS trades "
        f"{s['oos_trades']}",
        f"   DSR {_num(s['dsr'])}, Monte Carlo p {_num(s['mc_pvalue'])}"
        + (" (underpowered)" if s["mc_underpowered"] else "")
        + f", stability {_num(s['stability'])}, transfer {_num(s['transfer_ratio'])}"
        + _judged_on(s),
        f"   {s['n_windows']} windows x {s['n_combos']} combinations in {s['duration_s']:.1f} s, "
        f"embargo {s.get('embargo_days', 0)} days; each window trades its in-sample best; "
        + _tick(s.get("price_tick")),
        f"   to trade ({s.get('params_rule', 'best by OOS: the earlier rule')}): "
        + ", ".join(f"{k}={v}" for k, v in s["best_params"].items()),
        "   points: "
        + ", ".join(
            f"{name} {p['points']:.1f}/{p['max']:.0f}" for name, p in s["criteria"].items()
        ),
    ]
    lines += [_window_line(w) for w in s["windows"]]
    lines += [f"   [{v['level']}] {v['text']}" for v in s["verdicts"]]
    return "\n".join(lines)


def _tick(tick: float | None) -> str:
    if tick is None:
        return "prices not rounded (no contract spec stored)"
    return f"order prices on the tick {tick:g}"


def _judged_on(s: dict[str, Any]) -> str:
    """Which windows stability and transfer read: those the parameters were not chosen on."""
    unseen = s.get("validation_windows")
    if unseen is None:
        return ""
    names = ", ".join(f"w{k + 1}" for k in unseen) or "none"
    return f" (on windows the parameters to trade were not chosen on: {names})"


def _window_line(w: dict[str, Any]) -> str:
    line = (
        f"   {w['regime']:<5} {fmt_ts(w['oos_from'])[:10]} -> {fmt_ts(w['oos_to'])[:10]}  "
        f"OOS Sharpe {w['oos_sharpe']:6.2f}  return {w['oos_return_pct']:7.2f} %"
    )
    if "params" in w:
        line += f"  (IS {w['is_sharpe']:5.2f}) " + ", ".join(
            f"{k}={v}" for k, v in w["params"].items()
        )
    return line


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"
