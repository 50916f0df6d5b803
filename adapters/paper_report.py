"""Text reports of a paper portfolio: ``status`` (from the read model) and ``replay --at``
(from the Simulator rebuilt at a past version, for post-mortems). Both are turned into one
neutral view first, so both print the same way."""

from __future__ import annotations

from typing import Any

from adapters.event_store import EventStore
from adapters.timefmt import fmt_ts
from domain.simulator import Simulator

View = dict[str, Any]
_CLOCK = "scalp_radar:Simulator.ClockAdvanced"


def simulator_at(store: EventStore, portfolio: str, at_ms: int) -> str | None:
    """The portfolio exactly as it was after the last candle opened at or before ``at_ms``."""
    sim_id = Simulator.create_id(portfolio)
    decode = store.mapper.transcoder.decode
    version, marks = None, {}
    for record in store.recorder.select_events(sim_id):
        if record.topic != _CLOCK:
            continue
        state = decode(record.state)
        if state["ts"] > at_ms:
            break
        version = record.originator_version
        marks.update(state["marks"])
    if version is None:
        return None
    sim: Simulator = store.repository.get(sim_id, version=version)
    return render(view_of_simulator(sim, marks))


def view_of_simulator(sim: Simulator, marks: dict[str, float]) -> View:
    positions = []
    unrealized_total = 0.0
    for key, runner in sim.runners.items():
        if not runner["side"]:
            continue
        levels = list(runner["levels"].values())
        qty = sum(q for _, q, _ in levels)
        cost = sum(p * q for p, q, _ in levels)
        mark = marks.get(runner["symbol"])
        unrealized = runner["side"] * (mark * qty - cost) if mark is not None else 0.0
        unrealized_total += unrealized
        positions.append(
            {
                "key": key,
                "side": runner["side"],
                "levels": len(levels),
                "avg_entry": cost / qty,
                "qty": qty,
                "margin": runner["margin"],
                "mark": mark,
                "unrealized": unrealized,
            }
        )
    return {
        "name": sim.name,
        "last_ts": sim.last_ts,
        "capital": sim.capital,
        "cash": sim.cash,
        "equity": sim.cash + unrealized_total,
        "margin_used": sim.margin_used,
        "trades": sim.trades_closed,
        "kill": sim.kill,
        "runners": [
            {
                "key": key,
                "status": _runner_status(r["enabled"], r["trip"], r["blocked"]),
                "session_pnl": r["session_pnl"],
            }
            for key, r in sim.runners.items()
        ],
        "positions": positions,
    }


def _runner_status(enabled: bool, trip: dict | None, blocked: dict) -> str:
    if not enabled:
        return "disabled"
    if trip:
        return f"tripped ({trip['reason']})"
    if blocked:
        return "blocked (" + ", ".join(sorted(blocked)) + ")"
    return "active"


def render(view: View) -> str:
    pnl = view["equity"] - view["capital"]
    lines = [
        f"portfolio {view['name']} at {fmt_ts(view['last_ts']) if view['last_ts'] else '-'}",
        f"  equity {view['equity']:,.2f} (P&L {pnl:+,.2f}, {pnl / view['capital']:+.2%}), "
        f"cash {view['cash']:,.2f}, margin in use {view['margin_used']:,.2f}, "
        f"{view['trades']} trades closed",
        "  kill switch: " + _kill_text(view["kill"]),
        "runners:",
    ]
    for r in view["runners"]:
        lines.append(f"  {r['key']:<28} {r['status']:<26} session P&L {r['session_pnl']:+,.2f}")
    lines.append("open positions:" if view["positions"] else "open positions: none")
    for p in view["positions"]:
        side = "long" if p["side"] > 0 else "short"
        mark = f"{p['mark']:,.4g}" if p["mark"] is not None else "?"
        lines.append(
            f"  {p['key']:<28} {side:<5} {p['levels']} level(s) avg {p['avg_entry']:,.4g} "
            f"qty {p['qty']:.6g} margin {p['margin']:,.2f} last {mark} "
            f"unrealised {p['unrealized']:+,.2f}"
        )
    return "\n".join(lines)


def _kill_text(kill: dict | None) -> str:
    if not kill:
        return "armed"
    figures = ", ".join(f"{k} {_fmt(v)}" for k, v in kill["figures"].items())
    return f"TRIPPED at {fmt_ts(kill['ts'])}: {kill['reason']} ({figures})"


def _fmt(value: Any) -> str:
    return f"{value:,.2f}" if isinstance(value, float) else str(value)


def status_text(reader: Any, portfolio: str) -> str:
    """``status``: the same view, read from the paper read model (``projections.paper``)."""
    return render(view_of_read_model(reader, portfolio))


def view_of_read_model(reader: Any, portfolio: str) -> View:
    row = reader.portfolio(portfolio)
    kill = None
    if row["kill_tripped"]:
        kill = {"reason": row["kill_reason"], "figures": row["kill_figures"], "ts": row["kill_ts"]}
    runners = [
        {
            "key": r["key"],
            "status": _runner_status(
                bool(r["enabled"]),
                {"reason": r["trip_reason"]} if r["trip_reason"] else None,
                r["blocked"],
            ),
            "session_pnl": r["session_pnl"],
        }
        for r in reader.runners(portfolio)
    ]
    positions = [
        {
            "key": p["key"],
            "side": p["side"],
            "levels": len(p["levels"]),
            "avg_entry": p["avg_entry"],
            "qty": p["qty"],
            "margin": p["margin"],
            "mark": p["mark"],
            "unrealized": p["unrealized"],
        }
        for p in reader.positions(portfolio)
    ]
    return {
        "name": portfolio,
        "last_ts": row["last_ts"],
        "capital": row["capital"],
        "cash": row["cash"],
        "equity": row["equity"],
        "margin_used": row["margin_used"],
        "trades": row["trades_closed"],
        "kill": kill,
        "runners": runners,
        "positions": positions,
    }
