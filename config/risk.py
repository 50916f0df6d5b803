"""risk.yaml: capital, sizing caps, slippage, the regime filter and the kill switches."""

from __future__ import annotations

from typing import Annotated

import msgspec

from config.fields import ConfigStruct
from domain.account_guard import AccountLimits
from domain.kill_switch import Limits
from domain.strategies.params import Leverage, PosFloat

# the kill-switch thresholds are the domain's own struct (frozen, kw_only, unknown keys
# refused, like every config struct): one declaration of the fields, bounds and defaults
KillSwitch = Limits


class PortfolioPreset(ConfigStruct):
    """A ready-made portfolio backtest (``scalp-radar portfolio --preset NAME``).

    Parameters
    ----------
    capital : float (quote currency)
    assets : int, 0 for all (the applied runners' assets, best first: see the command's help)
    days : int (the span, ending at the last stored candle)
    """

    capital: PosFloat
    assets: Annotated[int, msgspec.Meta(ge=0, le=1000)]
    days: Annotated[int, msgspec.Meta(ge=1, le=3650)]


def _presets() -> dict[str, PortfolioPreset]:
    return {
        "conservative": PortfolioPreset(capital=1_000.0, assets=5, days=180),
        "balanced": PortfolioPreset(capital=5_000.0, assets=10, days=180),
        "aggressive": PortfolioPreset(capital=10_000.0, assets=0, days=180),
        "long_term": PortfolioPreset(capital=10_000.0, assets=7, days=365),
    }


class RiskFile(ConfigStruct):
    """risk.yaml.

    Parameters
    ----------
    initial_capital : float, default 10000.0 (quote currency)
    max_margin_ratio : float, default 0.70 (global margin guard, 0.1..1.0 of capital)
    max_asset_allocation : float, default 0.25 (cap per asset, fraction of capital)
    max_leverage : int, default 20 (no strategy or override may exceed it)
    slippage_percent : float, default 0.05 (applied to taker fills)
    regime_filter_enabled : bool, default True
    kill_switch : KillSwitch, default KillSwitch() (``domain.kill_switch.Limits``)
    portfolio_presets : dict[str, PortfolioPreset], default the four below (optional section)
    live_kill_switch : AccountLimits, default AccountLimits() (``domain.account_guard``): the
        live account balance's drawdown within a sliding window that stops new entries (and
        flattens, if ``flatten``)
    live_max_capital : float | None, default None (no cap); live trading sizes on the smaller
        of ``initial_capital`` and this, so a new live record starts small and is raised as it
        earns trust (the earlier system's plan: 1,000 -> 2,500 -> 5,000)
    live_balance_alert_percent : float, default 10.0 (0..100]: a balance refresh that moved more
        than this from the previous one with no trade between records an alert
        (``domain.balance_watch``)
    """

    initial_capital: PosFloat = 10_000.0
    max_margin_ratio: Annotated[float, msgspec.Meta(ge=0.1, le=1.0)] = 0.70
    max_asset_allocation: Annotated[float, msgspec.Meta(gt=0, le=1.0)] = 0.25
    max_leverage: Leverage = 20
    slippage_percent: Annotated[float, msgspec.Meta(ge=0, le=5)] = 0.05
    regime_filter_enabled: bool = True
    kill_switch: KillSwitch = msgspec.field(default_factory=KillSwitch)
    portfolio_presets: dict[str, PortfolioPreset] = msgspec.field(default_factory=_presets)
    live_max_capital: PosFloat | None = None
    live_kill_switch: AccountLimits = msgspec.field(default_factory=AccountLimits)
    live_balance_alert_percent: Annotated[float, msgspec.Meta(gt=0, le=100)] = 10.0
