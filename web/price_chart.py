"""A runner's price chart: its market's last candles up to the portfolio's clock, the orders it
rested during each (a grid's take-profit and levels, from the same plan builders the engines
run: ``web.plan_view.plan_span``), the stop in force over time and its fills and exits.

The stop of a grid is the one the read model books at each fill (``paper_fills.sl``: the
average entry times the stop percent), drawn from that fill to the next one or to the cycle's
exit; a mono position's take-profit and stop are its entry's. A trailing stop's moves
(``paper_stop_moves``) take over from the candle after each, while tighter, until the exit."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from typing import Any

import numpy as np
import sqlite_utils

from adapters.services.traded_contract import VenueContracts
from config.settings import Settings
from projections import words
from projections.market_data import MarketDataReader
from projections.paper.reader import PaperReader
from web import svg
from web.plan_view import PlanSpan, plan_span
from web.prices import Ticks
from web.templating import date

Row = dict[str, Any]
CANDLES = 240  # ten days of 1h candles: a grid's cycles stay readable
LONG, SHORT = "#2f7ed8", "#e67e22"
TAKE_PROFIT, LEVELS, STOP = "#17a589", "#8e44ad", "#c0392b"


def runner_chart(
    db: sqlite_utils.Database, pf: Row, runner: Row, settings: Settings, ticks: Ticks
) -> str:
    """The SVG of the runner's last ``CANDLES`` candles (an empty chart without candles)."""
    label = f"{runner['symbol']} price, {runner['key']}'s orders, fills and exits"
    span = None
    if pf.get("last_ts"):
        span = plan_span(
            MarketDataReader(db),
            VenueContracts.of(settings),
            pf.get("exchange") or settings.exchanges.history_exchange,
            runner["strategy"],
            runner["symbol"],
            runner.get("params") or {},
            pf["last_ts"],
            CANDLES,
        )
    if span is None or len(span.market) == 0:
        return svg.empty_chart(label)
    tick = ticks.of(runner["symbol"])
    ts = [int(t) for t in span.market.ts]
    end = ts[-1] + span.market.tf_ms
    reader = PaperReader(db)
    trades = reader.runner_trades(pf["portfolio"], runner["key"], ts[0], end)
    # a position opened before the window draws its stop from the window's first candle
    opened = [
        p["opened_ts"] for p in reader.positions(pf["portfolio"]) if p["key"] == runner["key"]
    ]
    since = min([ts[0], *opened, *(t["entry_ts"] for t in trades)])
    fills = reader.fills(pf["portfolio"], runner["key"], since, end)
    moves = reader.stop_moves(pf["portfolio"], runner["key"], since, end)
    m = span.market
    candles = svg.Candles(
        [date(t) for t in ts],
        ts,
        m.open.tolist(),
        m.high.tolist(),
        m.low.tolist(),
        m.close.tolist(),
    )
    steps = [*_plan_steps(span), *_position_steps(ts, fills, trades, moves)]
    grid = runner.get("kind") == "grid"
    markers = [*_fill_markers(ts, fills, tick, grid), *_exit_markers(ts, trades, tick)]
    return svg.candle_chart(candles, steps, markers, label=label)


def _plan_steps(span: PlanSpan) -> list[svg.Steps]:
    """A grid's take-profit and entry levels as its plan rested them during each candle."""
    out = []
    if span.take_profit is not None:
        out.append(svg.Steps("take-profit", TAKE_PROFIT, [span.take_profit.tolist()]))
    rows = [
        levels[:, k].tolist()
        for levels in (span.long_levels, span.short_levels)
        if levels is not None
        for k in range(levels.shape[1])
        if np.isfinite(levels[:, k]).any()
    ]
    if rows:
        out.append(svg.Steps("grid levels", LEVELS, rows, dashed=True))
    return out


def _position_steps(
    ts: list[int], fills: list[Row], trades: list[Row], moves: list[Row]
) -> list[svg.Steps]:
    """The stop (and a mono's take-profit) in force from each fill to the next fill or to the
    exit of its position: the exit's candle included, a later fill's candle drawn by it. A
    trailing move at the close of a candle holds from the next one, where it is tighter."""
    stop = [math.nan] * len(ts)
    take_profit = [math.nan] * len(ts)
    side = [0] * len(ts)
    exits = sorted(t["exit_ts"] for t in trades)
    for f in fills:
        for i in _held(ts, exits, f["ts"], bisect_left):
            stop[i] = f["sl"] if f["sl"] is not None else math.nan
            take_profit[i] = f["tp"] if f["tp"] is not None else math.nan
            side[i] = f["side"]
    for m in moves:
        for i in _held(ts, exits, m["ts"], bisect_right):
            tighter = m["price"] > stop[i] if side[i] > 0 else m["price"] < stop[i]
            if side[i] and (tighter or not math.isfinite(stop[i])):
                stop[i] = m["price"]
    out = []
    if any(math.isfinite(v) for v in take_profit):
        out.append(svg.Steps("position take-profit", TAKE_PROFIT, [take_profit]))
    if any(math.isfinite(v) for v in stop):
        out.append(svg.Steps("stop", STOP, [stop], dashed=True))
    return out


def _held(ts: list[int], exits: list[int], since: int, first_at) -> range:
    """The candles from ``since`` (``first_at``: bisect_left counts its own candle,
    bisect_right starts at the next) to the exit of the position open then."""
    closed = bisect_left(exits, since)
    until = exits[closed] if closed < len(exits) else ts[-1]
    return range(first_at(ts, since), bisect_right(ts, until))


def _index(ts: list[int], when: int) -> int | None:
    """The candle opening at ``when`` (fills and exits carry their candle's open time)."""
    i = bisect_left(ts, when)
    return i if i < len(ts) and ts[i] == when else None


def _fill_markers(
    ts: list[int], fills: list[Row], tick: float | None, grid: bool
) -> list[svg.Marker]:
    """A grid's levels numbered as the journal and the level table do (from 0)."""
    out = []
    for f in fills:
        i = _index(ts, f["ts"])
        if i is None:
            continue
        side = "long" if f["side"] > 0 else "short"
        what = f"level {f['level']} filled {side}" if grid else f"entered {side}"
        out.append(
            svg.Marker(
                i,
                f["price"],
                "fill",
                LONG if f["side"] > 0 else SHORT,
                f"{what} at {words.price(f['price'], tick)}, {date(f['ts'])}",
            )
        )
    return out


def _exit_markers(ts: list[int], trades: list[Row], tick: float | None) -> list[svg.Marker]:
    out = []
    for t in trades:
        i = _index(ts, t["exit_ts"])
        if i is None:
            continue
        out.append(
            svg.Marker(
                i,
                t["exit_price"],
                "exit",
                svg.UP if t["pnl"] > 0 else svg.DOWN,
                f"{words.trade_exit(t)} at {words.price(t['exit_price'], tick)}, "
                f"{date(t['exit_ts'])}: {words.outcome(t['pnl'])} {words.signed(t['pnl'])}",
            )
        )
    return out
