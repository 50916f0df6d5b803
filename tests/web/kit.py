"""Web test kit: hand-made walk-forward summaries with known figures, and a populated home.

``summary`` is a run of the in-sample selection rule (issue 11: per-window selections, their
stitched OOS record, the most recent selection as parameters to trade); ``old_summary`` one
recorded before it, as the vocabulary reads the shape stored runs of the earlier rule have.

The figures are chosen by hand so tests can assert exact values (sort orders, heatmap cells,
counts) without running a walk-forward; what a run derives from them (ratio, criteria, verdicts)
is derived as a run would (``_derived``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from adapters.services.engine import Engine
from adapters.store.home import Home
from domain.walk_forward_summary import WalkForwardSummary, WindowRecord
from optimization.grading import GradeInputs, GradeResult, grade, verdicts

DAY = 86_400_000
T0 = 1_672_531_200_000  # 2023-01-01

# a 2 x 3 grid: ma_period x sl_percent, six combos with hand-set metrics
GRID = {"ma_period": [10, 14], "sl_percent": [15.0, 20.0, 25.0], "num_levels": [3]}
COMBO_PARAMS = [
    {"ma_period": m, "sl_percent": s, "num_levels": 3} for m in (10, 14) for s in (15.0, 20.0, 25.0)
]
COMBO_OOS = [0.4, 1.2, -0.3, 0.9, 2.1, 0.1]
COMBO_IS = [1.0, 1.5, 0.2, 1.1, 2.5, 0.6]
COMBO_SCORE = [0.3, 1.0, -0.5, 0.8, 1.9, 0.0]  # the OOS view's argmax = combo 4: ma 14, sl 20

# The in-sample selection (issue 11): window 0 and 2 select combo 4, window 1 combo 1; the
# most recent window's selection (combo 4) is the parameters to trade.
CAPITAL = 10_000.0
EMBARGO_DAYS = 7
SELECTED = [4, 1, 4]
SELECTED_IN = [0, 1, 0, 0, 2, 0]
# per window: IS Sharpe, IS return %, IS trades, IS score (Sharpe x min(1, trades / 30)),
# OOS Sharpe, OOS return % (of the capital), OOS trades, regime
WINDOWS = [
    (2.9, 8.0, 45, 2.9, 1.8, 4.0, 40, "bull"),
    (2.2, 6.5, 40, 2.2, 2.4, 3.0, 35, "range"),
    (2.4, 5.0, 20, 1.6, -0.5, -1.5, 45, "bear"),
]
OOS_SHARPE_MEAN = (1.8 + 2.4 - 0.5) / 3
OOS_DAYS = 60
STITCHED_DAYS = 3 * OOS_DAYS  # the three OOS spans follow each other
STITCHED_END = CAPITAL * (1 + (4.0 + 3.0 - 1.5) / 100)  # 10,550


def summary(
    strategy: str = "grid_atr",
    symbol: str = "BTC/USDT",
    grade: str = "B",
    score: float = 82.0,
    oos_sharpe: float = 2.1,
    **overrides: Any,
) -> WalkForwardSummary:
    """A run of the in-sample selection rule (``selection_rule = "in_sample"``)."""
    windows = [_window(i, *WINDOWS[i], combo=SELECTED[i]) for i in range(3)]
    s: dict[str, Any] = {
        "strategy": strategy,
        "symbol": symbol,
        "timeframe": "1h",
        "selection_rule": "in_sample",
        "embargo_days": EMBARGO_DAYS,
        "is_trades_full": 30,
        "grade": grade,
        "score": score,
        "capped_by": None,
        "oos_sharpe": oos_sharpe,  # of the stitched daily returns
        "oos_sharpe_mean": OOS_SHARPE_MEAN,
        "is_sharpe": 2.5,  # mean IS Sharpe of the selections: (2.9 + 2.2 + 2.4) / 3
        "consistency": 2 / 3,
        "oos_return_pct": 5.5,
        "dsr": 0.97,
        "mc_pvalue": 0.01,
        "mc_underpowered": False,
        "stability": 0.8,
        "stability_variance": 0.05,
        "transfer_ratio": 0.6,
        "validation_windows": [0],
        "oos_trades": 120,
        "n_windows": 3,
        "n_combos": 6,
        "best_params": {"ma_period": 14, "sl_percent": 20.0, "num_levels": 3},
        "best_index": 4,
        "params_window": 2,
        "params_rule": "the selection of the most recent window",
        "grid": GRID,
        "capital": CAPITAL,
        "stitched": stitched_curve(),
        "windows": windows,
        "combos": {
            "params": COMBO_PARAMS,
            "is_sharpe": COMBO_IS,
            "oos_sharpe": COMBO_OOS,
            "consistency": [0.33, 0.67, 0.0, 0.67, 1.0, 0.33],
            "oos_trades": [50, 60, 70, 80, 120, 100],
            "oos_return_pct": [1.0, 3.0, -2.0, 2.5, 5.5, 0.5],
            "score": COMBO_SCORE,
            "selected_in": SELECTED_IN,
            "oos_sharpe_by_window": _by_window(COMBO_OOS, "oos_sharpe"),
            "is_sharpe_by_window": _by_window(COMBO_IS, "is_sharpe"),
            "oos_return_by_window": _by_window([1.0] * 6, "oos_return_pct"),
        },
        "monte_carlo": {
            "p_value": 0.01,
            "observed_sharpe": 0.21,
            "sim_percentiles": [-0.1, 0.0, 0.1],
            "n_trades": 120,
            "underpowered": False,
            "block": 5,
        },
        "dsr_detail": {"sr": 0.13, "sr0": 0.04, "t": 180, "n_trials": 6, "skew": 0.1, "kurt": 3.4},
        "duration_s": 1.5,
    }
    return _derived(s | overrides)


def old_summary(*args: Any, **overrides: Any) -> WalkForwardSummary:
    """A run recorded before issue 11 (the seed's rule: the best combination chosen on its OOS
    results): no ``selection_rule``, no stitched record, windows of the old shape."""
    s = msgspec.to_builtins(summary(*args))
    new_keys = (
        "selection_rule",
        "embargo_days",
        "is_trades_full",
        "oos_sharpe_mean",
        "oos_return_pct",
        "validation_windows",
        "params_window",
        "params_rule",
        "capital",
        "stitched",
    )
    old = {k: v for k, v in s.items() if k not in new_keys}
    old["windows"] = [{k: w[k] for k in OLD_WINDOW_KEYS} for w in s["windows"]]
    old["combos"] = {k: v for k, v in s["combos"].items() if k != "selected_in"}
    return _derived(old | overrides)


OLD_WINDOW_KEYS = (
    "index",
    "is_from",
    "oos_from",
    "oos_to",
    "is_sharpe",
    "oos_sharpe",
    "oos_return_pct",
    "regime",
    "regime_return_pct",
    "regime_max_dd_pct",
)


def stitched_curve() -> dict[str, list]:
    """Capital plus the selections' cumulative OOS P&L at each UTC day's end: straight within a
    window, from 10,000 at the first OOS start to 10,550."""
    ts, equity, money = [OOS_START], [CAPITAL], CAPITAL
    for _, _, _, _, _, ret, _, _ in WINDOWS:
        for _ in range(OOS_DAYS):
            money += CAPITAL * ret / 100 / OOS_DAYS
            ts.append(ts[-1] + DAY)
            equity.append(round(money, 6))
    return {"ts": ts, "equity": equity}


def _by_window(aggregate: list[float], key: str) -> list[list[float]]:
    """Each combo's figure in every window, the selected ones' from ``WINDOWS``."""
    rows = [[v, v, v] for v in aggregate]
    column = {"is_sharpe": 0, "oos_sharpe": 4, "oos_return_pct": 5}[key]
    for k, c in enumerate(SELECTED):
        rows[c][k] = WINDOWS[k][column]
    return rows


def _derived(s: dict[str, Any]) -> WalkForwardSummary:
    """What a real run derives from its figures: the OOS/IS ratio, the Monte Carlo sample (its
    OOS trades), the DSR detail (its DSR), the six criteria (hand-set grade: each criterion gets
    the score's share of its maximum, so the points add up to the score) and the verdicts of the
    grading rules; as the summary a run returns."""
    ratio = s["oos_sharpe"] / s["is_sharpe"]
    share = s["score"] / 100
    measured = grade(
        GradeInputs(
            oos_is_ratio=ratio,
            mc_p_value=s["mc_pvalue"],
            mc_underpowered=s["mc_underpowered"],
            consistency=s["consistency"],
            dsr=s["dsr"] if s["dsr"] is not None else 0.0,
            stability_variance=s["stability_variance"],
            transfer_ratio=s["transfer_ratio"],
            oos_trades=s["oos_trades"],
        )
    )
    points = {
        name: msgspec.structs.replace(c, points=c.max * share)
        for name, c in measured.points.items()
    }
    graded = GradeResult(s["grade"], s["score"], points, None)
    said = verdicts(
        graded,
        positive_windows=sum(1 for w in s["windows"] if w["oos_return_pct"] > 0),
        n_windows=len(s["windows"]),
        is_sharpe=s["is_sharpe"],
        oos_sharpe=s["oos_sharpe"],
        combo_oos_sharpes=s["combos"]["oos_sharpe"],
        oos_trades=s["oos_trades"],
    )
    derived = {
        "oos_is_ratio": ratio,
        "criteria": points,
        "verdicts": said,
        "monte_carlo": s["monte_carlo"] | {"n_trades": s["oos_trades"]},
        "dsr_detail": s["dsr_detail"] | {"dsr": s["dsr"]},
    }
    return msgspec.convert(s | derived, WalkForwardSummary)


IS_DAYS = 173  # IS 173 days, the 7-day embargo, then 60 OOS days: a window starts each 60 days
OOS_START = T0 + (IS_DAYS + EMBARGO_DAYS) * DAY  # 2023-06-30, the first OOS candle
HOUR = 3_600_000


def _window(
    i: int,
    is_sharpe: float,
    is_return: float,
    is_trades: int,
    is_score: float,
    oos: float,
    ret: float,
    oos_trades: int,
    regime: str,
    *,
    combo: int,
) -> dict[str, Any]:
    start = T0 + i * OOS_DAYS * DAY
    oos_from = start + (IS_DAYS + EMBARGO_DAYS) * DAY
    return {
        "index": i,
        "is_from": start,
        "is_end": start + IS_DAYS * DAY,
        "oos_from": oos_from,
        "oos_to": oos_from + OOS_DAYS * DAY - HOUR,  # the last 1h candle's open
        "oos_end": oos_from + OOS_DAYS * DAY,
        "combo": combo,
        "params": COMBO_PARAMS[combo],
        "is_sharpe": is_sharpe,
        "is_return_pct": is_return,
        "is_trades": is_trades,
        "is_score": is_score,
        "oos_sharpe": oos,
        "oos_return_pct": ret,
        "oos_trades": oos_trades,
        "regime": regime,
        "regime_return_pct": 25.0 if regime == "bull" else -22.0 if regime == "bear" else 3.0,
        "regime_max_dd_pct": 12.0,
    }


def regime_window(
    index: int,
    regime: str,
    oos_sharpe: float,
    oos_return_pct: float = 0.0,
    oos_span: tuple[int, int] = (0, 0),
) -> WindowRecord:
    """A window that tells only its regime, its OOS span and OOS figures: all the regime rules
    (the dashboard's regime table, the paper trader's regime filter) read."""
    return WindowRecord(
        index=index,
        is_from=0,
        oos_from=oos_span[0],
        oos_to=oos_span[1],
        is_sharpe=None,
        oos_sharpe=oos_sharpe,
        oos_return_pct=oos_return_pct,
        regime=regime,
        regime_return_pct=None,
        regime_max_dd_pct=None,
    )


# three pairs with distinct, hand-ordered figures; ETH's run is of the earlier rule
RUNS = [
    summary("grid_atr", "BTC/USDT", "B", 82.0, 2.1),
    old_summary("grid_atr", "ETH/USDT", "D", 61.0, 0.4, oos_trades=40, mc_underpowered=False),
    summary("envelope_dca", "BTC/USDT", "A", 93.0, 1.5, dsr=None),
]


def populated_home(root: Path) -> tuple[Engine, list[str]]:
    """A home whose read DB holds ``RUNS`` (an older ETH run first: only the newest shows)."""
    engine = Engine(Home(root))
    engine.research.record_run(summary("grid_atr", "ETH/USDT", "F", 10.0, -1.0))
    run_ids = [engine.research.record_run(s) for s in RUNS]
    engine.project()
    return engine, run_ids


# -- paper portfolios on real candles ---------------------------------------------------------
# "paper": default risk limits over four months (trades, open grids, regime blocks);
# "tight": limits that trip the switches within a week, replayed to a day after the global
# trip, so a reset is refused (cooldown) and the runners show as tripped.
PAPER_FROM, PAPER_TO = "2025-01-01", "2025-05-01"
TIGHT_TO = "2025-01-08"
TIGHT_LIMITS = {
    "grid_max_session_loss_percent: 25.0": "grid_max_session_loss_percent: 0.5",
    "global_max_drawdown_percent: 30.0": "global_max_drawdown_percent: 1.0",
}


def paper_configs(root: Path) -> tuple[Path, Path]:
    """(default, tight) configs: grid_atr validated on BTC and ETH."""
    from tests.adapters.paper_kit import make_config

    default = make_config(root / "default", "BTC/USDT", "ETH/USDT", loose_kill_switch=False)
    tight = make_config(root / "tight", "BTC/USDT", "ETH/USDT", loose_kill_switch=False)
    risk = tight / "risk.yaml"
    text = risk.read_text()
    for old, new in TIGHT_LIMITS.items():
        assert old in text, old
        text = text.replace(old, new)
    risk.write_text(text)
    return default, tight


def paper_home(root: Path) -> tuple[Path, Path]:
    """(home, default config): real BTC/ETH candles, ``RUNS`` as research results and the
    "paper" and "tight" portfolios, projected."""
    from adapters.services.paper_trader import PaperTrader
    from adapters.text.timefmt import parse_date
    from config.loader import load_settings
    from tests.adapters.paper_kit import make_home

    home = make_home(root)
    default, tight = paper_configs(root)
    engine = Engine(Home(home))
    try:
        for s in RUNS:
            engine.research.record_run(s)
        quiet = {"on_note": lambda _note: None}
        start = parse_date(PAPER_FROM)
        PaperTrader(engine, load_settings(default), **quiet).replay(start, parse_date(PAPER_TO))
        trader = PaperTrader(engine, load_settings(tight), "tight", **quiet)
        trader.replay(start, parse_date(TIGHT_TO))
        engine.project()
    finally:
        engine.close()
    return home, default
