"""Paper versus live from the read models: an account's round trips (rebuilt from its fills)
paired with the trades of its shadow portfolio (``domain.paper_vs_live``)."""

from __future__ import annotations

import sqlite_utils

from domain.live_trades import VenueFillRecord, live_trades
from domain.market import timeframe_ms
from domain.paper_vs_live import TradePair, pair_trades
from projections.live.reader import LiveReader
from projections.paper.reader import PaperReader


def paper_vs_live(db: sqlite_utils.Database, account: str, portfolio: str) -> list[TradePair]:
    """The cycles of ``account`` and of the paper portfolio ``portfolio``, oldest first."""
    fills = LiveReader(db).fills_in_order(account)
    live = live_trades(
        VenueFillRecord(f.symbol, f.side, f.price, f.qty, f.fee, f.ts) for f in fills
    )
    paper = PaperReader(db)
    # each symbol's candle: its runner's timeframe, as configured in the shadow
    candle_ms = {
        r["symbol"]: timeframe_ms(r["params"]["timeframe"])
        for r in paper.runners(portfolio)
        if r["params"] and "timeframe" in r["params"]
    }
    return pair_trades(live, paper.closed_trades(portfolio), candle_ms)
