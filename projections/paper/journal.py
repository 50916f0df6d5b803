"""The paper journal's wording: one sentence per Simulator event, for people.

Each function takes the event's stored fields (``state``) and what the read model knows besides
(the portfolio, a runner's kind, a settled trade), and returns the line the journal shows. The
projector decides when a line is written; this module only says it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from projections import words

Row = dict[str, Any]


def started(name: str, capital: float, max_margin_ratio: float) -> str:
    return (
        f"portfolio {name} started with capital {_num(capital)} "
        f"(margin at most {_num(max_margin_ratio * 100)} % of it)"
    )


def risk_limits_set(limits: Row) -> str:
    return (
        f"risk limits set: global drawdown {_num(limits['global_max_drawdown_percent'])} % "
        f"over {limits['global_window_hours']} h, session loss "
        f"{_num(limits['max_session_loss_percent'])} % "
        f"(grids {_num(limits['grid_max_session_loss_percent'])} %)"
    )


def exchange_selected(exchange: str) -> str:
    return f"runners trade {exchange} candles from here on"


def runner_enabled(state: Row) -> str:
    return f"{state['key']} enabled ({state['kind']} {state['strategy']} on {state['symbol']})"


def runner_configured(state: Row) -> str:
    return (
        f"{state['key']} configured: {_params(state['params'])}; "
        f"kill switch active from {_when(state['grace_until'])}"
    )


def runner_disabled(state: Row) -> str:
    return f"{state['key']} disabled: {state['reason']}"


def grid_level_opened(state: Row) -> str:
    return (
        f"{state['key']} {_side(state['side'])} level {state['level']} filled at "
        f"{_num(state['price'])} (qty {_num(state['qty'])})"
    )


def position_opened(state: Row, tp: float | None, sl: float | None) -> str:
    return (
        f"{state['key']} {_side(state['side'])} opened at {_num(state['price'])} "
        f"(qty {_num(state['qty'])}, TP {_num(tp)}, SL {_num(sl)})"
    )


def funding_charged(state: Row) -> str:
    return f"{state['key']} {words.funding(state['amount'])} (rate {_num(state['rate'] * 100)} %)"


def grid_cycle_closed(key: str, trade: Row) -> str:
    levels = trade["levels"]
    return (
        f"{key} {_side(trade['side'])} grid of {levels} level{'s' if levels != 1 else ''} "
        f"closed ({words.trade_exit(trade)}) at {_num(trade['exit_price'])}: "
        f"{words.outcome(trade['pnl'])}, P&L {_signed(trade['pnl'])}"
    )


def position_closed(key: str, trade: Row) -> str:
    return (
        f"{key} {_side(trade['side'])} closed ({words.trade_exit(trade)}) at "
        f"{_num(trade['exit_price'])}: {words.outcome(trade['pnl'])}, P&L {_signed(trade['pnl'])}"
    )


def entry_blocked(state: Row) -> str:
    return f"{state['key']} entries blocked: {_reason(state)}"


def entry_unblocked(state: Row) -> str:
    return f"{state['key']} entries allowed again: {_reason(state)}"


def collision_detected(state: Row) -> str:
    return f"{state['key']} opens on {state['symbol']} while {state['other']} holds it"


def kill_switch_tripped(scope: str, reason: str, figures: Row) -> str:
    return f"kill switch tripped ({scope}): {words.trip_sentence(reason, figures)}"


def kill_switch_reset(state: Row) -> str:
    done = ", ".join(state["scopes"]) or "nothing was tripped"
    return f"kill switch reset (request #{state['request']}): {done}"


def kill_switch_reset_refused(state: Row) -> str:
    return f"kill switch reset refused (request #{state['request']}): {state['reason']}"


def entries_halted(state: Row) -> str:
    return f"new entries stopped by the operator ({_asked(state)}); open positions keep their exits"


def entries_resumed(state: Row) -> str:
    return f"new entries allowed again by the operator ({_asked(state)})"


def _asked(state: Row) -> str:
    return f"request #{state['request']} from {state['source']}"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.8g}"


def _signed(value: float) -> str:
    return f"{value:+.2f}"


def _side(side: int) -> str:
    return "long" if side > 0 else "short"


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


def _params(params: Row) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "no parameters"


def _reason(state: Row) -> str:
    regime = state.get("regime")
    return f"{state['reason']} ({regime})" if regime else state["reason"]
