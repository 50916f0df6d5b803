"""Text reports of a paper portfolio: ``status`` (from the read model) and ``replay --at``
(from the Simulator rebuilt at a past version, for post-mortems). Both are turned into one
neutral view first, so both print the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from adapters.store.event_store import Store
from adapters.text.timefmt import fmt_ts
from domain.ledger import price_pnl, totals
from domain.simulator import Simulator
from projections.health import Health
from projections.words import price, trip_sentence

View = dict[str, Any]
_CLOCK = Simulator.ClockAdvanced.TOPIC
# the Simulator's attributes and the read model's columns share these names
_PORTFOLIO_FIELDS = ("last_ts", "capital", "cash", "margin_used", "trades_closed")
_POSITION_FIELDS = ("key", "side", "levels", "avg_entry", "qty", "margin", "mark", "unrealized")


@dataclass(frozen=True, slots=True)
class PastState:
    """A portfolio at the close of a past candle: the Simulator, the last price of each symbol
    and the equity recorded then."""

    sim: Simulator
    marks: dict[str, float]
    equity: float


def state_at(store: Store, portfolio: str, at_ms: int) -> PastState | None:
    """The portfolio exactly as it was after the last candle opened at or before ``at_ms``:
    cut at that candle's ``ClockAdvanced``, the last event each candle records."""
    sim_id = Simulator.create_id(portfolio)
    decode = store.mapper.transcoder.decode
    version, marks, equity = None, {}, 0.0
    for record in store.recorder.select_events(sim_id):
        if record.topic != _CLOCK:
            continue
        state = decode(record.state)
        if state["ts"] > at_ms:
            break
        version, equity = record.originator_version, state["equity"]
        marks.update(state["marks"])
    if version is None:
        return None
    return PastState(store.repository.get(sim_id, version=version), marks, equity)


def simulator_at(store: Store, portfolio: str, at_ms: int) -> str | None:
    """``replay --at``: the text of ``state_at``."""
    past = state_at(store, portfolio, at_ms)
    return None if past is None else render(view_of_simulator(past))


def view_of_simulator(past: PastState) -> View:
    sim = past.sim
    positions = []
    for key, runner in sim.runners.items():
        if not runner.side:
            continue
        qty, cost = totals(runner.levels.values())
        # a held symbol always has a mark: its candle was recorded before the cut
        mark = past.marks[runner.symbol]
        unrealized = price_pnl(runner.side, qty, cost, mark)
        position = {"key": key, "side": runner.side, "levels": len(runner.levels)}
        position |= {"avg_entry": cost / qty, "qty": qty, "margin": runner.margin}
        positions.append(position | {"mark": mark, "unrealized": unrealized})
    return {
        "name": sim.name,
        **{f: getattr(sim, f) for f in _PORTFOLIO_FIELDS},
        "equity": past.equity,
        "kill": msgspec.to_builtins(sim.kill),
        "halt": {"ts": sim.halted_ts, "by": sim.halted_by} if sim.entries_halted else None,
        "runners": [
            _runner_row(key, r.enabled, r.trip.reason if r.trip else None, r.blocked, r.session_pnl)
            for key, r in sim.runners.items()
        ],
        "positions": positions,
    }


def status_text(reader: Any, portfolio: str) -> str:
    """``status``: the same view, read from the paper read model (``projections.paper``)."""
    return render(view_of_read_model(reader, portfolio))


def view_of_read_model(reader: Any, portfolio: str) -> View:
    row = reader.portfolio(portfolio)
    kill = None
    if row["kill_tripped"]:
        kill = {"reason": row["kill_reason"], "figures": row["kill_figures"], "ts": row["kill_ts"]}
    return {
        "name": portfolio,
        **{f: row[f] for f in _PORTFOLIO_FIELDS},
        "equity": row["equity"],
        "kill": kill,
        "halt": {"ts": row["halted_ts"], "by": row["halted_by"]} if row["entries_halted"] else None,
        "runners": [
            _runner_row(
                r["key"], bool(r["enabled"]), r["trip_reason"], r["blocked"], r["session_pnl"]
            )
            for r in reader.runners(portfolio)
        ],
        "positions": [
            {f: p[f] for f in _POSITION_FIELDS} | {"levels": len(p["levels"])}
            for p in reader.positions(portfolio)
        ],
    }


def _runner_row(key: str, enabled: bool, tripped: str | None, blocked: dict, pnl: float) -> View:
    """``tripped``: the reason of the runner's tripped kill switch (falsy: armed)."""
    if not enabled:
        status = "disabled"
    elif tripped:
        status = f"tripped ({tripped})"
    elif blocked:
        status = "blocked (" + ", ".join(sorted(blocked)) + ")"
    else:
        status = "active"
    return {"key": key, "status": status, "session_pnl": pnl}


def render(view: View) -> str:
    pnl = view["equity"] - view["capital"]
    lines = [
        f"portfolio {view['name']} at {fmt_ts(view['last_ts']) if view['last_ts'] else '-'}",
        f"  equity {view['equity']:,.2f} (P&L {pnl:+,.2f}, {pnl / view['capital']:+.2%}), "
        f"cash {view['cash']:,.2f}, margin in use {view['margin_used']:,.2f}, "
        f"{view['trades_closed']} trades closed",
        "  kill switch: " + _kill_text(view["kill"]),
        "  new entries: " + _halt_text(view["halt"]),
        "runners:",
    ]
    for r in view["runners"]:
        lines.append(f"  {r['key']:<28} {r['status']:<26} session P&L {r['session_pnl']:+,.2f}")
    lines.append("open positions:" if view["positions"] else "open positions: none")
    for p in view["positions"]:
        side = "long" if p["side"] > 0 else "short"
        mark = price(p["mark"]) if p["mark"] is not None else "?"
        lines.append(
            f"  {p['key']:<28} {side:<5} {p['levels']} level(s) avg {price(p['avg_entry'])} "
            f"qty {p['qty']:.6g} margin {p['margin']:,.2f} last {mark} "
            f"unrealised {p['unrealized']:+,.2f}"
        )
    return "\n".join(lines)


def _kill_text(kill: dict | None) -> str:
    if not kill:
        return "armed"
    return f"TRIPPED at {fmt_ts(kill['ts'])}: {trip_sentence(kill['reason'], kill['figures'])}"


def _halt_text(halt: dict | None) -> str:
    if halt is None:
        return "allowed"
    return f"STOPPED by the operator ({halt['by']}) at {fmt_ts(halt['ts'])}"


def health_text(health: Health) -> str:
    """The health line of ``status`` (the verdict of ``/healthz``) and its reasons."""
    lines = [f"health: {health.status}"]
    return "\n".join(lines + [f"  - {reason}" for reason in health.reasons])
