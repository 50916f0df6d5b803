"""A strategy's parameters: its struct, and ``StrategySpec.parse``, the one way a mapping of
parameters (a config section with overrides, a stored record, a grid combination) becomes it."""

from __future__ import annotations

import re

import msgspec
import pytest

from domain.strategies import REGISTRY, strategy
from domain.strategies.grid_atr import GridAtrParams
from domain.strategies.params import GridParams, MonoParams

BASE_FIELDS = ["enabled", "timeframe", "leverage", "sides", "per_asset"]


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_the_kind_is_the_parameters_base(name: str) -> None:
    spec = REGISTRY[name]
    base = GridParams if spec.kind == "grid" else MonoParams
    assert spec.kind in ("grid", "mono") and issubclass(spec.params_type, base)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_the_fields_every_strategy_has_come_first(name: str) -> None:
    """The order ``asdict`` gives the parameters ``RunnerConfigured`` stores and the paper
    journal writes: stored records and journal lines must not change."""
    assert list(REGISTRY[name].params_type.__struct_fields__[:5]) == BASE_FIELDS


def test_parse_types_a_mapping_as_the_config_does() -> None:
    parsed = strategy("grid_atr").parse({"sides": ["long", "short"], "sl_percent": 5})
    assert parsed == GridAtrParams(sides=("long", "short"), sl_percent=5.0)
    assert isinstance(parsed.sl_percent, float) and parsed.ma_period == 14  # the default


@pytest.mark.parametrize(
    ("mapping", "reason"),
    [
        ({"ma_perid": 14}, "unknown field `ma_perid`"),
        ({"sl_percent": 100.0}, "Expected `float` < 100.0 - at `$.sl_percent`"),
        ({"ma_period": 14.0}, "Expected `int`, got `float` - at `$.ma_period`"),
    ],
)
def test_parse_refuses_what_the_config_refuses(mapping: dict, reason: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=re.escape(reason)):
        strategy("grid_atr").parse(mapping)
