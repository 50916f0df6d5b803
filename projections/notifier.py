"""Events into Telegram messages: which events are worth one, and what it says (pure, no I/O).

``fold(memory, topic, state)`` turns one stored event (its topic and decoded fields) into a
``Message``, or None for an event nobody is told about; ``memory`` carries what earlier events
said that a message needs (a grid's average entry, what a rejected order was for). A burst of
routine messages becomes one ``digest``. Texts are HTML for the Bot API's ``parse_mode: HTML``:
every value coming from an event is escaped, so an exception text holding ``<`` cannot break
the message. The wording of the paper journal is reused where it fits
(regime blocks, kill switches); prices and P&L get thousands separators here, for phones.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from domain.engine_session import EngineStarted, EngineStopped
from domain.executor import Executor
from domain.research import ParamsApplied
from domain.simulator import Simulator
from domain.watchdog import DataFresh, DataStale
from projections.paper import journal
from projections.words import funding, money, outcome, signed, trade_exit

Row = dict[str, Any]
# Telegram's limit on one message's text (after entity parsing; our tags are few and short)
MAX_CHARS = 4096


class Message(msgspec.Struct, frozen=True):
    """``kind`` is a ``config.notify.MessageType``; ``subject`` the runner, symbol or account
    the cooldowns are keyed by together with ``kind``; ``ts`` the event's time (ms); ``pnl``
    a closed trade's P&L (the digest sums them)."""

    kind: str
    subject: str
    ts: int
    text: str
    pnl: float | None = None


class OrderRef(msgspec.Struct, frozen=True):
    """What an order was for, from its ``OrderRequested``: a venue's refusal names only the id."""

    symbol: str
    key: str
    role: str
    level: int


class OpenGrid(msgspec.Struct):
    side: int
    qty: float
    cost: float


class Memory(msgspec.Struct):
    """What the notifier remembers of earlier events to word later ones; saved with its
    tracking position, so re-reading events after a crash words them the same way.
    ``orders`` only grows and is kept apart (see ``adapters.notify.notifier``). Runners are
    keyed by their aggregate too: the paper portfolio and the live shadow may both run
    ``grid_atr:BTC/USDT``."""

    names: dict[str, str] = {}  # aggregate id -> its portfolio's or account's name
    sl_percent: dict[str, float] = {}  # aggregate id + runner -> the grid's stop distance
    grids: dict[str, OpenGrid] = {}  # aggregate id + runner -> the levels of its open grid
    orders: dict[str, OrderRef] = {}  # client oid -> what it was for


class Origin(msgspec.Struct, frozen=True):
    """The aggregate an event comes from: its id and its name (a paper portfolio, a live
    account; "" when its creation was never read, as for a lone event)."""

    id: str
    name: str

    def runner(self, key: str) -> str:
        return f"{self.id} {key}"

    def subject(self, key: str) -> str:
        """A cooldown's and the digest's subject: the runner in its portfolio."""
        return f"{self.name} {key}".strip()

    def says(self, key: str) -> str:
        """``key`` in bold, then its portfolio or account when known."""
        return f"<b>{escape(key)}</b>" + (f" ({escape(self.name)})" if self.name else "")


Wording = Callable[[Row, Memory, Origin], "Message | None"]


def level_opened(state: Row, memory: Memory, origin: Origin) -> Message:
    key = state["key"]
    grid = memory.grids.setdefault(origin.runner(key), OpenGrid(state["side"], 0.0, 0.0))
    grid.qty += state["qty"]
    grid.cost += state["qty"] * state["price"]
    average = grid.cost / grid.qty
    text = (
        f"📥 {origin.says(key)} {side_name(state['side'])} level {state['level']} filled at "
        f"{num(state['price'])} (qty {num(state['qty'])}, margin {num(state['margin'])}); "
        f"average entry {num(average)}"
    )
    sl_percent = memory.sl_percent.get(origin.runner(key))
    if sl_percent is not None:  # the paper read model's grid stop: average -/+ sl_percent
        text += f", stop {num(average * (1.0 - grid.side * sl_percent / 100.0))}"
    return Message("level_opened", origin.subject(key), state["ts"], text)


def closed(state: Row, memory: Memory, origin: Origin) -> Message:
    key = state["key"]
    memory.grids.pop(origin.runner(key), None)
    trade = state["trade"]
    pnl = trade["pnl"]
    levels = trade.get("levels", 1)
    what = f"grid of {levels} level{'s' if levels != 1 else ''}" if levels > 1 else "position"
    text = (
        f"{'✅' if pnl > 0 else '❌'} {origin.says(key)} {side_name(trade['side'])} "
        f"{what} closed ({escape(trade_exit(trade))}) at {num(trade['exit_price'])}: "
        f"{outcome(pnl)} {signed(pnl)} ({funding(trade.get('funding', 0.0))}) "
        f"after {duration(trade['exit_ts'] - trade['entry_ts'])}"
    )
    return Message("closed", origin.subject(key), trade["exit_ts"], text, pnl)


def kill_switch_tripped(state: Row, memory: Memory, origin: Origin) -> Message:
    key = state["key"] or f"{state['scope']} switch"
    line = journal.kill_switch_tripped(state["scope"], state["reason"], state["figures"])
    text = f"🛑 {origin.says(key)} {escape(line)}"
    return Message("kill_switch_tripped", origin.subject(key), state["ts"], text)


def kill_switch_reset(state: Row, memory: Memory, origin: Origin) -> Message:
    text = f"🔓 {_portfolio(origin)}{escape(journal.kill_switch_reset(state))}"
    return Message("kill_switch_reset", origin.name, state["ts"], text)


def entries_halted(state: Row, memory: Memory, origin: Origin) -> Message:
    text = f"⏹ {_portfolio(origin)}{escape(journal.entries_halted(state))}"
    return Message("entries", origin.name, state["ts"], text)


def entries_resumed(state: Row, memory: Memory, origin: Origin) -> Message:
    text = f"▶️ {_portfolio(origin)}{escape(journal.entries_resumed(state))}"
    return Message("entries", origin.name, state["ts"], text)


def entry_blocked(state: Row, memory: Memory, origin: Origin) -> Message | None:
    """Only regime blocks are told: the other blocks (margin, kill switch) have their own
    messages or none. The Simulator records one per runner and regime change."""
    if not state.get("regime"):
        return None
    text = f"⏸ {_portfolio(origin)}{escape(journal.entry_blocked(state))}"
    return Message("entry_blocked", origin.subject(state["key"]), state["ts"], text)


def account_kill_switch(state: Row, memory: Memory, origin: Origin) -> Message:
    what = (
        "every position closed, new entries stopped"
        if state["flatten"]
        else ("new entries stopped")
    )
    text = (
        f"🛑 {origin.says('account')} kill switch tripped: balance {money(state['total'])} is "
        f"{state['drawdown_pct']:.1f} % below its peak {money(state['peak'])} "
        f"(threshold {state['threshold_pct']:g} %): {what}"
    )
    return Message("kill_switch_tripped", origin.subject("account"), state["ts"], text)


def reconciliation_failed(state: Row, memory: Memory, origin: Origin) -> Message:
    text = f"⚠️ {origin.says(state['symbol'])} halted: reconciliation failed: "
    return Message("reconciliation_failed", state["symbol"], state["ts"], text + _why(state))


def emergency_close(state: Row, memory: Memory, origin: Origin) -> Message:
    text = f"🚨 {origin.says(state['symbol'])} emergency close requested: "
    return Message("emergency_close", state["symbol"], state["ts"], text + _why(state))


def order_rejected(state: Row, memory: Memory, origin: Origin) -> Message:
    subject, what = _order(state["oid"], memory, "order")
    text = f"⚠️ {what} rejected ({escape(state['code'])}): "
    return Message("order_rejected", subject, state["ts"], text + _why(state))


def stop_move_failed(state: Row, memory: Memory, origin: Origin) -> Message:
    subject, what = _order(state["oid"], memory, "stop")
    text = f"⚠️ {what} not moved ({escape(state['code'])}): "
    return Message("stop_move_failed", subject, state["ts"], text + _why(state))


def params_applied(state: Row, memory: Memory, origin: Origin) -> Message:
    params = ", ".join(f"{k}={v}" for k, v in state["params"].items())
    text = (
        f"🛠 parameters applied to <b>{escape(state['strategy'])}</b> on "
        f"{escape(state['symbol'])} (grade {escape(state['grade'])}): {escape(params)}"
    )
    return Message("params_applied", state["symbol"], _ms(state["timestamp"]), text)


def engine_started(state: Row, memory: Memory, origin: Origin) -> Message:
    text = f"▶️ <b>{escape(state['portfolio'])}</b> started ({escape(state['mode'])})"
    if state["after_crash"]:
        text += "; its previous run ended without stopping (a crash or a kill)"
    return Message("engine", state["portfolio"], _ms(state["timestamp"]), text)


def engine_stopped(state: Row, memory: Memory, origin: Origin) -> Message:
    text = (
        f"⏹ <b>{escape(state['portfolio'])}</b> stopped ({escape(state['mode'])}): "
        f"{escape(state['reason'])}"
    )
    return Message("engine", state["portfolio"], _ms(state["timestamp"]), text)


def data_stale(state: Row, memory: Memory, origin: Origin) -> Message:
    market = f"{state['symbol']} {state['timeframe']}"
    since = f"since {when(state['last_ts'])} UTC" if state["last_ts"] else "stored"
    text = f"📉 <b>{escape(market)}</b> ({escape(state['portfolio'])}) stale: no candle {since}"
    return Message("data", f"{state['portfolio']} {market}", state["ts"], text)


def data_fresh(state: Row, memory: Memory, origin: Origin) -> Message:
    market = f"{state['symbol']} {state['timeframe']}"
    text = (
        f"📈 <b>{escape(market)}</b> ({escape(state['portfolio'])}) flows again: newest candle "
        f"{when(state['last_ts'])} UTC"
    )
    return Message("data", f"{state['portfolio']} {market}", state["ts"], text)


def balance_moved(state: Row, memory: Memory, origin: Origin) -> Message:
    """The executor's alert (``domain.balance_watch``): the balance moved more than the
    threshold between two refreshes with no trade between."""
    text = (
        f"💰 {origin.says('account')} balance moved {state['change_pct']:+.1f} % with no trade "
        f"since {when(state['since_ts'])} UTC: {money(state['before'])} → "
        f"{money(state['after'])} USDT (alert above {state['threshold_pct']:g} %)"
    )
    return Message("balance_moved", origin.subject("account"), state["ts"], text)


def remember_name(state: Row, memory: Memory, origin: Origin) -> None:
    memory.names[origin.id] = state.get("name") or state.get("account") or ""


def remember_order(state: Row, memory: Memory, origin: Origin) -> None:
    order = state["order"]
    memory.orders[order["client_oid"]] = OrderRef(
        order["symbol"], order["key"], str(order["role"]), order.get("level", -1)
    )


def remember_runner(state: Row, memory: Memory, origin: Origin) -> None:
    sl_percent = state["params"].get("sl_percent")
    runner = origin.runner(state["key"])
    if sl_percent is None:
        memory.sl_percent.pop(runner, None)
    else:
        memory.sl_percent[runner] = float(sl_percent)


WORDING: dict[str, Wording] = {
    Simulator.GridLevelOpened.TOPIC: level_opened,
    Simulator.GridCycleClosed.TOPIC: closed,
    Simulator.PositionClosed.TOPIC: closed,
    Simulator.KillSwitchTripped.TOPIC: kill_switch_tripped,
    Simulator.KillSwitchReset.TOPIC: kill_switch_reset,
    Simulator.EntryBlocked.TOPIC: entry_blocked,
    Simulator.EntriesHalted.TOPIC: entries_halted,
    Simulator.EntriesResumed.TOPIC: entries_resumed,
    Executor.ReconciliationFailed.TOPIC: reconciliation_failed,
    Executor.AccountKillSwitchTripped.TOPIC: account_kill_switch,
    Executor.EmergencyCloseRequested.TOPIC: emergency_close,
    Executor.OrderRejected.TOPIC: order_rejected,
    Executor.StopMoveFailed.TOPIC: stop_move_failed,
    Executor.BalanceMovedUnexplained.TOPIC: balance_moved,
    ParamsApplied.TOPIC: params_applied,
    EngineStarted.TOPIC: engine_started,
    EngineStopped.TOPIC: engine_stopped,
    DataStale.TOPIC: data_stale,
    DataFresh.TOPIC: data_fresh,
}
# events that send nothing but word later ones
REMEMBERED: dict[str, Callable[[Row, Memory, Origin], None]] = {
    Simulator.Started.TOPIC: remember_name,
    Executor.Started.TOPIC: remember_name,
    Executor.OrderRequested.TOPIC: remember_order,
    Simulator.RunnerConfigured.TOPIC: remember_runner,
}
TOPICS: tuple[str, ...] = (*WORDING, *REMEMBERED)
# the kinds a digest sums up when many arrive at once; alerts are always sent one by one
ROUTINE = frozenset({"level_opened", "closed", "entry_blocked"})


def fold(memory: Memory, topic: str, state: Row, originator: str = "") -> Message | None:
    """The message of one event (None when its type sends none), updating ``memory`` with
    what later messages need. ``originator``: the event's aggregate id."""
    origin = Origin(originator, memory.names.get(originator, ""))
    if topic in REMEMBERED:
        REMEMBERED[topic](state, memory, origin)
        return None
    wording = WORDING.get(topic)
    return None if wording is None else wording(state, memory, origin)


def message_for(topic: str, state: Row) -> Message | None:
    """The message of one event alone (what a fresh memory words)."""
    return fold(Memory(), topic, state)


def digest(messages: list[Message]) -> Message:
    """One message for a burst of routine ones: how many of each, the P&L of the closes, and
    per runner, so a replay of months reads in one screen."""
    counts = {kind: sum(m.kind == kind for m in messages) for kind in sorted(ROUTINE)}
    pnls = [m.pnl for m in messages if m.pnl is not None]
    first, last = min(m.ts for m in messages), max(m.ts for m in messages)
    lines = [
        f"🗂 {len(messages)} events from {when(first)} to {when(last)} UTC, summed up:",
        f"{counts['level_opened']} grid level(s) opened, {counts['closed']} trade(s) closed "
        f"({sum(p > 0 for p in pnls)} won, {sum(p < 0 for p in pnls)} lost, "
        f"P&amp;L {signed(sum(pnls))}), {counts['entry_blocked']} regime block(s)",
    ]
    by_runner: dict[str, list[float]] = {}
    for m in messages:
        if m.pnl is not None:
            by_runner.setdefault(m.subject, []).append(m.pnl)
    lines += [
        f"<b>{escape(key)}</b>: {len(p)} closed, {signed(sum(p))}"
        for key, p in sorted(by_runner.items())
    ]
    return Message("digest", "", last, "\n".join(lines))


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


def when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


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


def side_name(side: int) -> str:
    return "long" if side > 0 else "short"


def _ms(when: datetime) -> int:
    """A fact's stored time (the event library's ``timestamp``) in ms."""
    return int(when.timestamp() * 1000)


def _order(oid: str, memory: Memory, default: str) -> tuple[str, str]:
    """The cooldown subject (the symbol, so one symbol's failures do not silence another's)
    and the words of an order; the bare id when its request was never seen."""
    ref = memory.orders.get(oid)
    if ref is None:
        return oid, f"{default} {escape(oid)}"
    level = f" level {ref.level}" if ref.level >= 0 else ""
    who = f" {escape(ref.key)}" if ref.key else ""  # a stop or a close covers the symbol
    role = escape(ref.role.replace("_", "-"))
    return ref.symbol, f"<b>{escape(ref.symbol)}</b>{who} {role}{level} order"


def _portfolio(origin: Origin) -> str:
    return f"<b>{escape(origin.name)}</b> " if origin.name else ""


def _why(state: Row) -> str:
    return escape(str(state["reason"]))
