"""Web test kit: hand-made walk-forward summaries with known figures, and a populated home.

The figures are chosen by hand so tests can assert exact values (sort orders, heatmap cells,
counts) without running a walk-forward; what a run derives from them (ratio, criteria, verdicts)
is derived as a run would (``_derived``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adapters.engine import Engine
from adapters.home import Home
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
COMBO_SCORE = [0.3, 1.0, -0.5, 0.8, 1.9, 0.0]  # best (argmax) = combo 4: ma 14, sl 20


def summary(
    strategy: str = "grid_atr",
    symbol: str = "BTC/USDT",
    grade: str = "B",
    score: float = 82.0,
    oos_sharpe: float = 2.1,
    **overrides: Any,
) -> dict[str, Any]:
    windows = [
        _window(0, "bull", 1.8, 2.9, 4.0),
        _window(1, "range", 2.4, 2.2, 3.0),
        _window(2, "bear", -0.5, 2.4, -1.5),
    ]
    s: dict[str, Any] = {
        "strategy": strategy,
        "symbol": symbol,
        "timeframe": "1h",
        "grade": grade,
        "score": score,
        "oos_sharpe": oos_sharpe,
        "is_sharpe": 2.5,
        "consistency": 2 / 3,
        "dsr": 0.97,
        "mc_pvalue": 0.01,
        "mc_underpowered": False,
        "stability": 0.8,
        "stability_variance": 0.05,
        "transfer_ratio": 0.6,
        "oos_trades": 120,
        "n_windows": 3,
        "n_combos": 6,
        "best_params": {"ma_period": 14, "sl_percent": 20.0, "num_levels": 3},
        "grid": GRID,
        "windows": windows,
        "combos": {
            "params": COMBO_PARAMS,
            "is_sharpe": COMBO_IS,
            "oos_sharpe": COMBO_OOS,
            "consistency": [0.33, 0.67, 0.0, 0.67, 1.0, 0.33],
            "oos_trades": [50, 60, 70, 80, 120, 100],
            "oos_return_pct": [1.0, 3.0, -2.0, 2.5, 5.5, 0.5],
            "score": COMBO_SCORE,
            "oos_sharpe_by_window": [[v, v, v] for v in COMBO_OOS],
            "is_sharpe_by_window": [[v, v, v] for v in COMBO_IS],
            "oos_return_by_window": [[1.0, 1.0, 1.0] for _ in COMBO_OOS],
        },
        "best_index": 4,
        "monte_carlo": {
            "p_value": 0.01,
            "observed_sharpe": 0.21,
            "sim_percentiles": [-0.1, 0.0, 0.1],
            "n_trades": 120,
            "underpowered": False,
            "block": 5,
        },
        "duration_s": 1.5,
    }
    return _derived(s | overrides)


def _derived(s: dict[str, Any]) -> dict[str, Any]:
    """What a real run derives from its figures: the OOS/IS ratio, the Monte Carlo sample (its
    OOS trades), the six criteria (hand-set grade: each criterion gets the score's share of
    its maximum, so the points add up to the score) and the verdicts of the grading rules."""
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
    points = {name: c._replace(points=c.max_points * share) for name, c in measured.points.items()}
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
    return s | {
        "oos_is_ratio": ratio,
        "criteria": {
            name: {
                "points": c.points,
                "max": c.max_points,
                "value": c.value,
                "explanation": c.explanation,
            }
            for name, c in points.items()
        },
        "verdicts": [{"level": v.level, "text": v.text} for v in said],
        "monte_carlo": s["monte_carlo"] | {"n_trades": s["oos_trades"]},
    }


def _window(i: int, regime: str, oos: float, is_: float, ret: float) -> dict[str, Any]:
    start = T0 + i * 60 * DAY
    return {
        "index": i,
        "is_from": start,
        "oos_from": start + 180 * DAY,
        "oos_to": start + 240 * DAY,
        "is_sharpe": is_,
        "oos_sharpe": oos,
        "oos_return_pct": ret,
        "regime": regime,
        "regime_return_pct": 25.0 if regime == "bull" else -22.0 if regime == "bear" else 3.0,
        "regime_max_dd_pct": 12.0,
    }


# three pairs with distinct, hand-ordered figures
RUNS = [
    summary("grid_atr", "BTC/USDT", "B", 82.0, 2.1),
    summary("grid_atr", "ETH/USDT", "D", 61.0, 0.4, oos_trades=40, mc_underpowered=False),
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
    from adapters.paper import PaperTrader
    from adapters.timefmt import parse_date
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
