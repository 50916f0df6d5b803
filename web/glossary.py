"""The dashboard's glossary: one definition per technical term, shown as a tooltip.

Templates write ``{{ "OOS" | term }}``: the term is wrapped in an ``<abbr>`` whose title is the
definition. An unknown term raises at render time, so a typo fails the page tests instead of
silently losing its explanation.
"""

from __future__ import annotations

from markupsafe import Markup, escape

GLOSSARY: dict[str, str] = {
    "walk-forward": (
        "Optimise on a past in-sample window, test the winner on the following unseen window, "
        "roll both forward and repeat: every reported figure is out of sample."
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
        "OOS Sharpe divided by IS Sharpe: how much of the in-sample edge survives on unseen "
        "data. Below 0.5 suggests overfitting."
    ),
    "consistency": "Share of the out-of-sample windows in which the parameters made money.",
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
    "score": "The grade's points out of 100, before the letter is assigned.",
    "stability": (
        "How much the OOS Sharpe changes when each best parameter is nudged one grid step: "
        "a stable result sits on a plateau, a fragile one on a peak."
    ),
    "transfer": (
        "OOS Sharpe of the best parameters on the perpetual of the same asset divided by the "
        "Sharpe on spot: does the edge carry over to another market's data?"
    ),
    "regime": (
        "Market state of an OOS window: crash (> 30 % fall within 14 days), bull (> +20 %), "
        "bear (< -20 %) or range."
    ),
    "drawdown": "Fall of equity from its previous peak, in percent.",
    "combo": "One combination of parameter values from the grid.",
    "window": "One in-sample period followed by its out-of-sample period.",
    "OOS trades": "Trades closed in the out-of-sample windows by the best parameters.",
    "heatmap": "Colour of each cell: a metric for one pair of parameter values.",
    "best": "The combination with the highest walk-forward score.",
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
