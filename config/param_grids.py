"""param_grids.yaml: the walk-forward windows and the parameter values each strategy sweeps."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from config.fields import ConfigStruct


class WfoWindows(ConfigStruct):
    """Rolling walk-forward windows, in days.

    Parameters
    ----------
    is_days : int, default 180 (in-sample)
    oos_days : int, default 60 (out-of-sample)
    step_days : int, default 60 (shift between consecutive windows)
    embargo_days : int, default 7 (gap between each in-sample end and its out-of-sample start:
        the earlier system's value; no candle of the gap is traded or selected on, so an
        indicator state or an open grid carried over from the in-sample period cannot leak
        into the out-of-sample result)
    """

    is_days: Annotated[int, msgspec.Meta(ge=7, le=3650)] = 180
    oos_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 60
    step_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 60
    embargo_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 7


class WfoSettings(WfoWindows):
    """Walk-forward defaults.

    Parameters
    ----------
    (windows of ``WfoWindows``) and
    full_score_trades : int, default 30
        Each window selects the combination with the highest in-sample score
        ``IS Sharpe x min(1, IS trades / full_score_trades)``: a combination trading less than
        this in-sample has its Sharpe discounted (a handful of lucky trades is not an edge).
    validation_source : "perpetual", default "perpetual"
        Transfer validation runs on the USDT perpetual of the same asset (``Asset.perp_symbol``).
    overrides : dict[str, WfoWindows], default {}
        Strategy name -> its own windows (grid_funding uses 360/90/90).
    """

    full_score_trades: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 30
    validation_source: Literal["perpetual"] = "perpetual"
    overrides: dict[str, WfoWindows] = msgspec.field(default_factory=dict)


class ParamGridsFile(ConfigStruct):
    """param_grids.yaml.

    Parameters
    ----------
    wfo : WfoSettings, default WfoSettings()
    grids : dict[str, dict[str, list]], default {}
        Strategy name -> parameter name -> values to sweep. The combination count is the
        product of the list lengths.
    """

    wfo: WfoSettings = msgspec.field(default_factory=WfoSettings)
    grids: dict[str, dict[str, list[Any]]] = msgspec.field(default_factory=dict)
