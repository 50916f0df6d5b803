"""How a backtest is shown: a metrics table, one JSON object (with its trades on request), an
equity CSV."""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

from adapters.services.backtest import BacktestRun
from adapters.services.traded_contract import TradedContract
from adapters.text.timefmt import fmt_ts
from domain.backtest import BacktestResult
from domain.metrics import DAY_MS
from domain.strategies.params import PLUMBING
from domain.trade_export import trade_row


def backtest_summary(run: BacktestRun) -> dict[str, Any]:
    result, metrics = run.result, run.result.metrics
    ts = result.ts
    return {
        "strategy": run.request.strategy,
        "symbol": run.request.symbol,
        "timeframe": run.timeframe,
        "from": fmt_ts(int(ts[0])) if len(ts) else None,
        "to": fmt_ts(int(ts[-1])) if len(ts) else None,
        "candles": len(ts),
        "params": {k: v for k, v in run.params.items() if k not in PLUMBING},
        "trades": metrics.trades,
        "final_equity": metrics.final_equity,
        "return_pct": metrics.return_pct,
        "sharpe": metrics.sharpe,
        "sortino": metrics.sortino,
        "max_drawdown_pct": metrics.max_drawdown_pct,
        "win_rate_pct": metrics.win_rate_pct,
        "profit_factor": metrics.profit_factor,
        "exposure_pct": metrics.exposure_pct,
        "fees_paid": metrics.fees_paid,
        "funding_paid": metrics.funding_paid,
        "funding_source": run.funding_series,
        "open_interest_source": run.open_interest_series,
        "price_tick": run.contract.contract.tick or None,
        "contract": _contract(run.contract),
        "contract_rules": run.contract.describe(),
        "exit_reasons": dict(Counter(t.reason for t in result.trades)),
        "levels_blocked_by_margin_guard": result.blocked,
        "orders_below_venue_minimums": result.too_small,
        "ruined_at": fmt_ts(result.ruined_ts) if result.ruined_ts else None,
        "events": result.events,
        "fingerprint": result.fingerprint,
    }


def _contract(traded: TradedContract) -> dict[str, Any] | None:
    """The contract obeyed, field by field (None: ``--no-specs``, none was)."""
    if traded.source is None:
        return None
    c = traded.contract
    return {
        "venue": traded.venue,
        "symbol": traded.symbol,
        "source": traded.source,
        "tick": c.tick,
        "step": c.step,
        "min_qty": c.min_qty,
        "min_notional": c.min_notional,
        "max_leverage": c.max_leverage,
        "tiers": [[t.max_notional, t.mmr, t.max_leverage] for t in c.tiers],
    }


def backtest_json(run: BacktestRun, with_trades: bool = False) -> str:
    """One JSON object; ``with_trades`` (``--trades``) adds ``trade_list``, every closed trade
    as an object of the export columns (``trades`` stays the count)."""
    summary = backtest_summary(run)
    if with_trades:
        summary["trade_list"] = [trade_row(t) for t in run.result.trades]
    return json.dumps(summary, default=_jsonable, allow_nan=False)


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else str(value)


def backtest_table(run: BacktestRun) -> str:
    s = backtest_summary(run)
    years = (run.result.ts[-1] - run.result.ts[0]) / DAY_MS / 365 if s["candles"] > 1 else 0
    pf = s["profit_factor"]
    rows = [
        ("strategy", f"{s['strategy']} on {s['symbol']} {s['timeframe']}"),
        ("period", f"{s['from']} -> {s['to']} ({s['candles']} candles, {years:.1f} years)"),
        ("parameters", ", ".join(f"{k}={_plain(v)}" for k, v in s["params"].items())),
        (
            "final equity",
            f"{s['final_equity']:,.2f} (start {run.result.metrics.initial_capital:,.0f})",
        ),
        ("net return", f"{s['return_pct']:+.2f} %"),
        ("Sharpe / Sortino", f"{s['sharpe']:.2f} / {s['sortino']:.2f} (daily, x sqrt(365))"),
        ("max drawdown", f"{s['max_drawdown_pct']:.2f} %"),
        ("trades", f"{s['trades']} ({_reasons(s['exit_reasons'])})"),
        ("win rate", f"{s['win_rate_pct']:.1f} %"),
        ("profit factor", "n/a (no losing trade)" if pf is None else f"{pf:.2f}"),
        ("exposure", f"{s['exposure_pct']:.1f} % of candles"),
        ("fees paid", f"{s['fees_paid']:,.2f}"),
        ("funding paid", f"{s['funding_paid']:,.2f} ({s['funding_source'] or 'no funding data'})"),
    ]
    if s["open_interest_source"]:
        rows.append(("open interest", s["open_interest_source"]))
    rows.append(("contract", s["contract_rules"]))
    if s["ruined_at"]:
        rows.append(("RUINED", f"equity reached zero at {s['ruined_at']}; trading stopped"))
    if s["levels_blocked_by_margin_guard"]:
        rows.append(("margin guard", f"{s['levels_blocked_by_margin_guard']} entries refused"))
    if s["orders_below_venue_minimums"]:
        count = s["orders_below_venue_minimums"]
        rows.append(("venue minimums", f"{count} orders too small to place"))
    rows.append(("fingerprint", s["fingerprint"]))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def _plain(value: Any) -> str:
    return "+".join(map(str, value)) if isinstance(value, (tuple, list)) else str(value)


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"{reason} {n}" for reason, n in sorted(counts.items())) or "none"


def equity_csv(result: BacktestResult) -> str:
    lines = ["timestamp_ms,equity"]
    lines += [
        f"{int(t)},{e:.6f}"
        for t, e in zip(result.ts, result.equity, strict=True)
        if math.isfinite(e)
    ]
    return "\n".join(lines) + "\n"
