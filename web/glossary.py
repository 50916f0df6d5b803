"""The dashboard's glossary: one definition per technical term, shown as a tooltip.

Templates write ``{{ "OOS" | term }}``: the term is wrapped in an ``<abbr>`` whose title is the
definition. An unknown term raises at render time, so a typo fails the page tests instead of
silently losing its explanation.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from optimization import regimes

GLOSSARY: dict[str, str] = {
    "walk-forward": (
        "Select parameters on a past in-sample window, test that selection on the following "
        "unseen window (after an embargo), roll both forward and repeat: the result is the "
        "stitched out-of-sample record of the selections."
    ),
    "IS": "In-sample: the data the parameters were chosen on. Its figures are flattering.",
    "OOS": (
        "Out-of-sample: data the parameters never saw while being chosen; the honest estimate."
    ),
    "Sharpe": (
        "Mean daily return divided by its standard deviation, annualised with sqrt(365). "
        "Above 1 is good, above 2 excellent, below 0 loses money."
    ),
    "OOS/IS ratio": (
        "OOS Sharpe (stitched) divided by the mean IS Sharpe of the windows' selections: how "
        "much of the in-sample edge survives on unseen data. Below 0.5 suggests overfitting."
    ),
    "consistency": "Share of the windows whose selection made money out of sample.",
    "DSR": (
        "Deflated Sharpe Ratio (Bailey and Lopez de Prado): the probability that the true "
        "Sharpe is above zero once the number of parameter sets tried is accounted for. "
        "Near 1 is convincing, below 0.5 may be luck."
    ),
    "Monte Carlo p-value": (
        "Share of block-bootstrapped (reshuffled) trade sequences that did as well as the real "
        "one. Small (< 0.05) means the result is unlikely to be chance."
    ),
    "underpowered": (
        "Fewer than 30 trades: too few for the Monte Carlo test to say anything either way."
    ),
    "grade": (
        "A to F from 100 points over six criteria (OOS/IS ratio, Monte Carlo, consistency, "
        "DSR, stability, transfer). A >= 90, B >= 80, C >= 70, D >= 60, F below; few OOS "
        "trades cap the grade."
    ),
    "grade points": (
        "The grade's points out of 100 over its six criteria, before the letter is assigned "
        "(not the Explorer's OOS robustness score of a combination)."
    ),
    "stability": (
        "How much the OOS Sharpe changes when each parameter to trade is moved by -20, -10, "
        "+10 and +20 %, one at a time, on windows those parameters were not chosen on: a "
        "stable result sits on a plateau, a fragile one on a peak. Told two ways: the "
        "stability variance (0 is best) and the stability score (1 is best)."
    ),
    "stability variance": (
        "Mean of the squared relative changes of the OOS Sharpe under the parameter moves "
        "(each change divided by the larger of |Sharpe| and 1): 0 means nothing moves, which "
        "is best. The grade reads it: full points below 0.1, none above 1."
    ),
    "stability score": (
        "1 / (1 + stability variance): 1 means nothing moves, which is best; 0.5 means the "
        "Sharpe moves about as much as itself."
    ),
    "transfer": (
        "OOS Sharpe of the parameters to trade on the perpetual of the same asset divided by "
        "the Sharpe on spot, on windows they were not chosen on: does the edge carry over to "
        "another market's data?"
    ),
    "regime": regimes.RULE,
    "drawdown": "Fall of equity from its previous peak, in percent.",
    "combo": "One combination of parameter values from the grid.",
    "window": "One in-sample period followed by its out-of-sample period.",
    "OOS trades": (
        "Trades closed out of sample by each window's selection (the stitched record); for a "
        "run of the earlier rule, by its one best combination."
    ),
    "heatmap": "Colour of each cell: a metric for one pair of parameter values.",
    "best": (
        "A run of the earlier rule's best combination: the one with the highest score of its "
        "out-of-sample results (the figures are optimistic). Runs since have parameters to "
        "trade instead."
    ),
    "stitched OOS": (
        "The out-of-sample record of each window's in-sample selection, stitched: window after "
        "window, the trades and daily returns of the combination that window chose on its "
        "in-sample data. The run's OOS Sharpe, consistency, Monte Carlo and DSR are measured "
        "on it."
    ),
    "selection (in-sample)": (
        "The combination a window picks: the highest in-sample score, IS Sharpe x min(1, IS "
        "trades / 30). Its result on the window's out-of-sample period is the window's result."
    ),
    "embargo": (
        "Days left out between a window's in-sample end and its out-of-sample start (7 by "
        "default), so trades and indicators of the last in-sample days cannot leak into the "
        "test."
    ),
    "parameters to trade": (
        "What applying a run writes: the selection of the most recent window. Their stability "
        "and transfer are measured on the windows whose out-of-sample periods they were not "
        "chosen on (no overlap with their in-sample span plus the embargo)."
    ),
    "earlier rule": (
        "Runs recorded before the in-sample selection: one best combination was chosen on its "
        "out-of-sample results, so every OOS figure was measured on the data it was chosen on "
        "and is optimistic. Never applied: re-run optimize."
    ),
    "OOS robustness score": (
        "The seed's cross-window score of a combination's out-of-sample results (Sharpe, "
        "consistency, trades): a view of OOS results to compare combinations, not the "
        "selection."
    ),
    "selected in": "How many windows selected this combination on their in-sample data.",
    "grid level": (
        "One buy (or sell, for shorts) order of a grid: the grid adds levels as the price moves "
        "against it, up to the strategy's num_levels, and closes them all together."
    ),
    "average entry": "Price of the position's levels weighted by their quantities.",
    "mark": "The last close seen for the asset: the price open positions are valued at.",
    "take-profit": (
        "The price that closes the position with a gain; for grids it is the moving average, "
        "which moves every candle: the one shown rests during the next candle."
    ),
    "closed by": (
        "What closed the trade, then whether its net P&L won or lost. A grid's take-profit is "
        "its moving average, so its exit is 'exit at MA': it loses when the average has moved "
        "past the grid's entries (below a long grid's)."
    ),
    "stop-loss": (
        "The price that closes the position with a loss: the tighter of the configured stop "
        "(sl_percent from the average entry) and the trailing stop."
    ),
    "distance": "How far the price must still move, in percent of the mark, to reach that level.",
    "distance to TP": (
        "How far the price must still move, in percent of the mark, to reach the take-profit: "
        "for a grid the moving average (the seed's Dist. SMA), negative once it is passed."
    ),
    "signal": (
        "What the strategy's plan does at the next candle: a mono strategy's entry or exit "
        "decided at the last close, or a grid's nearest level still waiting and its distance."
    ),
    "funding": (
        "Payments between longs and shorts of a perpetual every 8 hours: a long pays the rate "
        "times its notional when the rate is positive and receives it when negative."
    ),
    "P&L": "Profit and loss of a closed trade after fees and funding.",
    "per-trade Sharpe": (
        "Mean trade return divided by its standard deviation, not annualised: the statistic "
        "the Monte Carlo test compares against its reshuffled sequences."
    ),
    "null distribution": (
        "The 5th, 50th and 95th percentiles of the per-trade Sharpe over the reshuffled "
        "sequences: what chance alone produces."
    ),
    "unrealised P&L": "Gain or loss of the open position if closed at the mark, fees apart.",
    "realised": "Cash: the initial capital plus closed trades' P&L, minus fees and funding.",
    "margin": "Capital set aside for the open levels (their notional divided by the leverage).",
    "kill switch": (
        "A guard that blocks new entries after losses beyond the risk.yaml limits: per runner "
        "(session and daily loss) or global (drawdown within a window). Open positions keep "
        "their take-profit and stop-loss. A reset starts a new session."
    ),
    "cooldown": "Time a tripped global kill switch stays tripped before a reset is accepted.",
    "runner": "One strategy trading one asset inside the paper portfolio.",
    "equity": "Cash plus the unrealised P&L of the open positions, at each candle close.",
    "account kill switch": (
        "The live account's own guard (risk.yaml live_kill_switch): when the exchange balance "
        "falls the set percentage below its highest refresh within the window, new entries "
        "stop (and every position closes, if configured)."
    ),
    "slippage not seen": (
        "What the live fill prices cost against the shadow's paper prices for the same trade, "
        "at the live quantity: positive when live bought higher or sold lower than paper."
    ),
}


def definition(term: str) -> str:
    try:
        return GLOSSARY[term]
    except KeyError:
        raise KeyError(f"no glossary entry for {term!r}") from None


def term(key: str, label: str | None = None) -> Markup:
    """``<abbr>`` with the definition as tooltip; ``label`` is the visible text (default key)."""
    return Markup('<abbr class="term" tabindex="0" title="{}">{}</abbr>').format(
        escape(definition(key)), escape(label if label is not None else key)
    )
