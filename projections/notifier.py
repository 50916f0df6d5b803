"""Events into Telegram messages: which events are worth one, and what it says (pure, no I/O).

``message_for(topic, state)`` turns one stored event (its topic and decoded fields) into a
``Message``, or None for an event nobody is told about. Texts are HTML for the Bot API's
``parse_mode: HTML``: every value coming from an event is escaped, so an exception text holding
``<`` cannot break the message. The wording of the paper journal is reused where it fits
(regime blocks, kill switches); prices and P&L get thousands separators here, for phones.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec

from domain.executor import Executor
from domain.research import ParamsApplied
from domain.simulator import Simulator
from projections.paper import journal

Row = dict[str, Any]
# Telegram's limit on one message's text (after entity parsing; our tags are few and short)
MAX_CHARS = 4096


class Message(msgspec.Struct, frozen=True):
    """``kind`` is a ``config.notify.MessageType``; ``subject`` the runner, symbol or order the
    cooldowns are keyed by together with ``kind``; ``ts`` the event's time (ms)."""

    kind: str
    subject: str
    ts: int
    text: str


def level_opened(state: Row) -> Message:
    text = (
        f"📥 <b>{escape(state['key'])}</b> {_side(state['side'])} level {state['level']} "
        f"filled at {num(state['price'])} (qty {num(state['qty'])}, "
        f"margin {num(state['margin'])})"
    )
    return Message("level_opened", state["key"], state["ts"], text)


def closed(state: Row) -> Message:
    trade = state["trade"]
    pnl = trade["pnl"]
    outcome = "won" if pnl > 0 else "lost" if pnl < 0 else "even"
    levels = trade.get("levels", 1)
    what = f"grid of {levels} level{'s' if levels != 1 else ''}" if levels > 1 else "position"
    text = (
        f"{'✅' if pnl > 0 else '❌'} <b>{escape(state['key'])}</b> {_side(trade['side'])} "
        f"{what} closed ({escape(str(trade['reason']))}) at {num(trade['exit_price'])}: "
        f"{outcome} {signed(pnl)} (funding {signed(-trade.get('funding', 0.0))}) "
        f"after {duration(trade['exit_ts'] - trade['entry_ts'])}"
    )
    return Message("closed", state["key"], trade["exit_ts"], text)


def kill_switch_tripped(state: Row) -> Message:
    subject = state["key"] or state["scope"]
    line = journal.kill_switch_tripped(state["scope"], state["reason"], state["figures"])
    text = f"🛑 <b>{escape(subject)}</b> {escape(line)}"
    return Message("kill_switch_tripped", subject, state["ts"], text)


def kill_switch_reset(state: Row) -> Message:
    return Message(
        "kill_switch_reset", "", state["ts"], f"🔓 {escape(journal.kill_switch_reset(state))}"
    )


def entry_blocked(state: Row) -> Message:
    return Message(
        "entry_blocked", state["key"], state["ts"], f"⏸ {escape(journal.entry_blocked(state))}"
    )


def reconciliation_failed(state: Row) -> Message:
    text = f"⚠️ <b>{escape(state['symbol'])}</b> halted: reconciliation failed: "
    return Message("reconciliation_failed", state["symbol"], state["ts"], text + _why(state))


def emergency_close(state: Row) -> Message:
    text = f"🚨 <b>{escape(state['symbol'])}</b> emergency close requested: "
    return Message("emergency_close", state["symbol"], state["ts"], text + _why(state))


def order_rejected(state: Row) -> Message:
    text = f"⚠️ order {escape(state['oid'])} rejected ({escape(state['code'])}): "
    return Message("order_rejected", state["oid"], state["ts"], text + _why(state))


def stop_move_failed(state: Row) -> Message:
    text = f"⚠️ stop {escape(state['oid'])} not moved ({escape(state['code'])}): "
    return Message("stop_move_failed", state["oid"], state["ts"], text + _why(state))


def params_applied(state: Row) -> Message:
    params = ", ".join(f"{k}={v}" for k, v in state["params"].items())
    text = (
        f"🛠 parameters applied to <b>{escape(state['strategy'])}</b> on "
        f"{escape(state['symbol'])} (grade {escape(state['grade'])}): {escape(params)}"
    )
    return Message("params_applied", state["symbol"], _ms(state["timestamp"]), text)


WORDING: dict[str, Callable[[Row], Message]] = {
    Simulator.GridLevelOpened.TOPIC: level_opened,
    Simulator.GridCycleClosed.TOPIC: closed,
    Simulator.PositionClosed.TOPIC: closed,
    Simulator.KillSwitchTripped.TOPIC: kill_switch_tripped,
    Simulator.KillSwitchReset.TOPIC: kill_switch_reset,
    Simulator.EntryBlocked.TOPIC: entry_blocked,
    Executor.ReconciliationFailed.TOPIC: reconciliation_failed,
    Executor.EmergencyCloseRequested.TOPIC: emergency_close,
    Executor.OrderRejected.TOPIC: order_rejected,
    Executor.StopMoveFailed.TOPIC: stop_move_failed,
    ParamsApplied.TOPIC: params_applied,
}
TOPICS: tuple[str, ...] = tuple(WORDING)


def message_for(topic: str, state: Row) -> Message | None:
    """The message of one event, or None when its type sends none. Only regime blocks are
    told (the other blocks, margin or kill switch, have their own messages or none)."""
    wording = WORDING.get(topic)
    if wording is None or (topic == Simulator.EntryBlocked.TOPIC and not state.get("regime")):
        return None
    return wording(state)


def split(text: str, limit: int = MAX_CHARS) -> list[str]:
    """``text`` in parts of at most ``limit`` characters, cut at line ends when a line end is in
    the part's second half, else at a space, else anywhere outside an HTML entity."""
    parts: list[str] = []
    while len(text) > limit:
        cut = _cut(text, limit)
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n ")
    return [*parts, text] if text or not parts else parts


def _cut(text: str, limit: int) -> int:
    for sep in ("\n", " "):
        at = text.rfind(sep, limit // 2, limit)
        if at > 0:
            return at
    amp = text.rfind("&", limit - 8, limit)  # entities are at most 6 characters (&quot;)
    return amp if amp > 0 and ";" not in text[amp:limit] else limit


def num(value: float) -> str:
    """A price or quantity for people: thousands separators, 8 significant digits."""
    return f"{value:,.8g}"


def signed(value: float) -> str:
    """Money with its sign (always shown) and thousands separators, 2 decimals."""
    return f"{value:+,.2f}"


def duration(ms: int) -> str:
    minutes = max(0, ms) // 60_000
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"


def escape(text: str) -> str:
    """``& < >`` as entities, what HTML mode needs (quotes stay: we write no attributes)."""
    return html.escape(text, quote=False)


def _side(side: int) -> str:
    return "long" if side > 0 else "short"


def _ms(when: datetime) -> int:
    """A fact's stored time (the event library's ``timestamp``) in ms."""
    return int(when.timestamp() * 1000)


def _why(state: Row) -> str:
    return escape(str(state["reason"]))
