"""The live account's section of ``status``: balance, positions with their stops, open orders,
halted symbols, the last reconciliation and the last balance move no trade explained, from the
live read model (``projections.live``).

A position without a stop resting on the venue says ``NO STOP`` in capitals: it is the one
state the engine promises never to leave standing.
"""

from __future__ import annotations

from adapters.text.timefmt import fmt_ts
from projections.live.reader import AccountView
from projections.live.schema import BalanceAlertRow, OrderRow, PositionRow

_SIDE = {1: "long", -1: "short"}
_ORDER_SIDE = {1: "buy", -1: "sell"}


def account_text(view: AccountView) -> str:
    account = view.account
    lines = [
        f"account {account.account} on {account.venue}",
        "  " + _balance(view),
        "  last reconciliation "
        + (fmt_ts(account.reconciled_ts) if account.reconciled_ts else "never"),
    ]
    if view.balance_alert is not None:
        lines.append("  " + _balance_alert(view.balance_alert))
    for halt in view.halted:
        lines.append(f"  HALTED {halt.symbol} since {fmt_ts(halt.since)}: {halt.reason}")
    if account.emergencies:
        lines.append(f"  emergency closes requested: {account.emergencies}")
    lines.append("  positions:" if view.positions else "  positions: none")
    lines += [f"    {_position(p)}" for p in view.positions]
    lines.append("  open orders:" if view.orders else "  open orders: none")
    lines += [f"    {_order(o)}" for o in view.orders]
    return "\n".join(lines)


def _balance(view: AccountView) -> str:
    account = view.account
    if not account.balance_ts:
        return "balance never refreshed"
    return (
        f"balance {account.balance_total:,.2f} (free {account.balance_free:,.2f}) "
        f"at {fmt_ts(account.balance_ts)}"
    )


def _balance_alert(alert: BalanceAlertRow) -> str:
    return (
        f"BALANCE MOVED {alert.change_pct:+.1f} % with no trade at {fmt_ts(alert.ts)}: "
        f"{alert.before:,.2f} -> {alert.after:,.2f} (since {fmt_ts(alert.since_ts)}, "
        f"alert above {alert.threshold_pct:g} %)"
    )


def _position(p: PositionRow) -> str:
    text = f"{p.symbol:<16} {_SIDE[p.side]:<5} qty {p.qty:.6g} entry {p.entry_price:,.6g} "
    text += _stop(p)
    return text + (" (adopted)" if p.adopted else "")


def _stop(p: PositionRow) -> str:
    if p.stop_trigger is None or p.stop_qty is None:
        return "NO STOP"
    text = f"stop {p.stop_trigger:,.6g}"
    if p.stop_qty < p.qty * (1 - 1e-9):
        text += f" COVERS ONLY {p.stop_qty:.6g}"
    return text


def _order(o: OrderRow) -> str:
    if o.role == "stop":
        how = f"trigger {o.trigger:,.6g}"
    elif o.market:
        how = "market"
    else:
        how = f"limit {o.price:,.6g}"
    filled = f" filled {o.filled:.6g}" if o.filled else ""
    return (
        f"{o.symbol:<16} {o.role:<11} {_ORDER_SIDE[o.side]:<4} {how} qty {o.qty:.6g}{filled} "
        f"{o.status}"
    )
