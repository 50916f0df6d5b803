"""The strategy registry: adding a strategy means one module here (its parameter struct, plan
builder, warm-up and ``SPEC``) plus its section in ``config.strategies.StrategiesFile``."""

from __future__ import annotations

from typing import Any

from domain.strategies import (
    bollinger_mr,
    donchian_breakout,
    envelope_dca,
    funding,
    grid_atr,
    grid_funding,
    grid_multi_tf,
    grid_trend,
    liquidation,
    momentum,
    supertrend,
    vwap_rsi,
)
from domain.strategies.spec import StrategySpec

REGISTRY: dict[str, StrategySpec[Any]] = {
    spec.name: spec
    for spec in (
        envelope_dca.SPEC,
        envelope_dca.SHORT_SPEC,
        grid_atr.SPEC,
        grid_multi_tf.SPEC,
        grid_funding.SPEC,
        grid_trend.SPEC,
        bollinger_mr.SPEC,
        donchian_breakout.SPEC,
        funding.SPEC,
        liquidation.SPEC,
        momentum.SPEC,
        supertrend.SPEC,
        vwap_rsi.SPEC,
    )
}


class UnknownStrategyError(KeyError):
    pass


def strategy(name: str) -> StrategySpec[Any]:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise UnknownStrategyError(f"unknown strategy {name!r} (known: {known})") from None
