"""Use case: a portfolio backtest, many runners on one capital, through paper trading's code.

The run is a paper portfolio replayed by ``PaperTrader`` (the same runners, sizing, global
margin guard, kill switches, regime filter, funding, liquidation and contract rules) whose
events go to a scratch in-memory store while the candles, funding, contract specs and research
are read from the home (``PaperTrader(data=...)``). Two things a replay does not do, done here
with the paper code's own commands:

* **The operator's resets.** In paper trading a tripped switch stays tripped until someone
  runs ``kill-switch reset``; a backtest has no operator, so the run models one who resets
  each tripped switch as soon as its cooldown (``global_cooldown_hours``) has passed: a reset
  request appended to the scratch store's operator log and answered by
  ``PaperTrader.handle_requests``, as the paper process answers one.
* **The end.** Positions still open at the last candle are closed at its close (reason
  ``end``) by the runners' ``close_at_end``, as a backtest closes them.

The report's figures come from the Simulator's events and state, sampled after each candle
(``domain.portfolio_sampler``), and are computed by ``domain.portfolio_report``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from adapters.services.engine import Engine
from adapters.services.paper_trader import PaperError, PaperTrader, Slot
from adapters.services.runner_specs import RunnerSpec
from config.settings import Settings
from domain.metrics import DAY_MS
from domain.portfolio_report import Benchmark, PortfolioReport, buy_and_hold, portfolio_report
from domain.portfolio_sampler import PortfolioSampler
from domain.simulator import Simulator
from optimization.regimes import regime_before

PORTFOLIO = "portfolio-backtest"  # the scratch Simulator's name (its store holds nothing else)
RESET_SOURCE = "portfolio"  # who asks the resets: the run's operator


class PortfolioError(ValueError):
    """The run cannot start (no candles, bad period): one line, CLI exit code 2."""


@dataclass(frozen=True, slots=True)
class ReplayedPortfolio:
    """What a run traded and found: the runner specs, the report, and the scratch engine
    (its store holds the run's events, its read DB the paper read model once projected)."""

    specs: list[RunnerSpec]
    report: PortfolioReport
    scratch: Engine


def run_portfolio(
    home: Engine,
    settings: Settings,
    specs: list[RunnerSpec],
    start_ms: int,
    end_ms: int | None,
    no_specs: bool = False,
    on_batch: Callable[[int, int], None] | None = None,
) -> ReplayedPortfolio:
    """Replay ``specs`` on ``settings`` (the overrides already in them) from ``start_ms`` to
    ``end_ms`` (exclusive) on the home's stored history."""
    scratch = Engine(home.home, memory=True)
    trader = PaperTrader(
        scratch,
        settings,
        PORTFOLIO,
        no_specs=no_specs,
        specs=lambda _settings, _research: specs,
        data=home,
    )
    sampler = PortfolioSampler(settings.risk.initial_capital)
    cooldown_ms = settings.risk.kill_switch.cooldown_ms

    def after_step(sim: Simulator, ts: int) -> None:
        sampler.after_candle(sim, ts, [slot.runner for slot in trader.slots])
        _reset_after_cooldown(trader, sim, ts, cooldown_ms)

    try:
        trader.replay(start_ms, end_ms, None, on_batch, after_step)
    except PaperError as exc:
        raise PortfolioError(str(exc)) from None
    sim = trader.sim
    if sim is None or not sampler.ts:
        raise PortfolioError("no candle to trade in the period")
    for slot in trader.slots:
        slot.runner.close_at_end(slot.cursor - 1)
    sampler.after_end(sim, sim.pending_events)
    trader.save(sim)
    blocks = sum(slot.runner.blocked for slot in trader.slots)
    arrays = sampler.arrays(blocks, _trade_regimes(trader.slots, sampler, settings))
    report = portfolio_report(arrays, _benchmark(trader.slots, arrays.ts, arrays.capital))
    return ReplayedPortfolio(specs, report, scratch)


def _reset_after_cooldown(trader: PaperTrader, sim: Simulator, ts: int, cooldown_ms: int) -> None:
    """Request the reset of every switch whose cooldown has passed (the global one resets all,
    as ``kill-switch reset`` does), and answer it now, before the next candle."""
    due = [] if sim.kill is None or ts < sim.kill.ts + cooldown_ms else [""]
    if not due:
        due = [
            key
            for key, runner in sim.runners.items()
            if runner.trip is not None and ts >= runner.trip.ts + cooldown_ms
        ]
    for key in due:
        trader.requests.request_reset(key, RESET_SOURCE)
    if due:
        trader.handle_requests(sim)


def _benchmark(slots: list[Slot], ts: np.ndarray, capital: float) -> Benchmark:
    """Buy and hold of the runners' assets (each once), aligned on the portfolio's closes: an
    asset without a candle at a close keeps its previous close."""
    markets = {slot.spec.symbol: slot.market for slot in slots}
    opens, closes = [], []
    for market in markets.values():
        at = np.searchsorted(market.ts, ts, side="right") - 1
        first = int(np.searchsorted(market.ts, ts[0]))
        opens.append(float(market.open[first]))
        closes.append(market.close[np.maximum(at, first)])
    return buy_and_hold(list(markets), capital, np.array(opens), np.array(closes))


def _trade_regimes(slots: list[Slot], sampler: PortfolioSampler, settings: Settings) -> list[str]:
    """Each trade's regime: its asset's regime over the window the research labels its OOS
    windows with (the runner's research profile's, else ``wfo.oos_days``), measured at the
    start of the UTC day the trade opened, as the paper regime filter measures it."""
    by_key = {slot.spec.key: slot for slot in slots}
    labels = []
    for keyed in sampler.trades:
        slot = by_key[keyed.key]
        window_ms = slot.spec.regime_window_ms or _oos_days(settings, slot.spec) * DAY_MS
        day = keyed.trade.entry_ts // DAY_MS * DAY_MS
        closes_ts, closes = slot.closes
        labels.append(regime_before(closes_ts, closes, day, window_ms, slot.market.tf_ms))
    return labels


def _oos_days(settings: Settings, spec: RunnerSpec) -> int:
    wfo = settings.param_grids.wfo
    return wfo.overrides.get(spec.strategy, wfo).oos_days
