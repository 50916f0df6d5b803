"""``Settings``: the six config files, one frozen msgspec Struct each, in load order.

Config is data (NautilusTrader style): the structs only declare fields, types, bounds and
defaults, one module per file (``config.strategies``, ``config.param_grids``,
``config.assets``, ``config.risk``, ``config.exchanges``, ``config.notify``; the strategy
sections are the strategies' own parameter structs, ``domain.strategies``). Reading, validating and
cross-checking the files is ``config.loader``'s job.

Every struct is ``frozen`` and ``forbid_unknown_fields``, so a typo in a YAML key is an error
instead of a silently ignored setting. Bounds are ``msgspec.Meta`` constraints. A field with a
default may be left out of its YAML file; the shipped YAML files still spell every value out.

Units: ``*_percent`` fields are percentages (``25`` = 25 %), ``*_ratio``/``*_allocation`` and the
envelope offsets are fractions (``0.07`` = 7 %), funding thresholds are raw per-settlement funding
rates (``0.0005`` = 0.05 %), periods and holds are counted in candles of the strategy's timeframe.
"""

from __future__ import annotations

from config.assets import AssetsFile
from config.exchanges import ExchangesFile
from config.fields import ConfigStruct
from config.notify import NotifyFile
from config.param_grids import ParamGridsFile
from config.risk import RiskFile
from config.strategies import StrategiesFile


class Settings(ConfigStruct):
    """The six files. An attribute path (``settings.risk.kill_switch``) is also the key path
    the loader reports problems with (``risk.kill_switch``)."""

    strategies: StrategiesFile
    param_grids: ParamGridsFile
    assets: AssetsFile
    risk: RiskFile
    exchanges: ExchangesFile
    notify: NotifyFile


# Settings field -> file name, in load order.
FILES: dict[str, str] = {
    "strategies": "strategies.yaml",
    "param_grids": "param_grids.yaml",
    "assets": "assets.yaml",
    "risk": "risk.yaml",
    "exchanges": "exchanges.yaml",
    "notify": "notify.yaml",
}
