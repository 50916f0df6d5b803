"""``scalp-radar live``: trade the graded live runners with real orders, or rehearse them.

``--venue bitget`` (the default) needs ``LIVE_TRADING`` on and the three Bitget keys in the
environment (or a ``.env``); ``--venue sim:PORT`` rehearses on the local Bitget started by
``scalp-radar venue-sim`` (its own credentials; no real money, so no switch). Either way the
command first says which runners it trades with what capital, then boots (reconciliation),
then trades until interrupted (a rehearsal: until the simulator's candles end or ``--candles``).
"""

from __future__ import annotations

import argparse


def register(commands) -> None:
    live = commands.add_parser(
        "live", help="trade the graded live runners on Bitget, or rehearse on the local Bitget"
    )
    live.add_argument(
        "--portfolio", help="the shadow portfolio (default live; rehearsal: rehearsal)"
    )
    live.add_argument(
        "--venue", default="bitget", help="bitget (real orders) or sim:PORT (scalp-radar venue-sim)"
    )
    live.add_argument("--from", dest="start", help="first candle a new portfolio trades (UTC)")
    live.add_argument("--dry-run", action="store_true", help="say what would trade, then stop")
    live.add_argument("--candles", type=int, help="rehearsal: stop after this many candles")
    live.add_argument("--resume", metavar="SYMBOL", help="let a halted symbol trade again")
    live.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    # the exchange clients load with the command, not with every other command
    from adapters.cli.live_command import run

    return run(args)
