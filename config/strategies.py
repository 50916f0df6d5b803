"""strategies.yaml: one optional section per strategy, each the strategy's own parameter struct
(``domain.strategies``), and which of their fields overrides and grids may touch."""

from __future__ import annotations

from config.fields import ConfigStruct
from domain.strategies import REGISTRY
from domain.strategies.bollinger_mr import BollingerMrParams
from domain.strategies.donchian_breakout import DonchianBreakoutParams
from domain.strategies.envelope_dca import EnvelopeDcaParams, EnvelopeDcaShortParams
from domain.strategies.funding import FundingParams
from domain.strategies.grid_atr import GridAtrParams
from domain.strategies.grid_funding import GridFundingParams
from domain.strategies.grid_multi_tf import GridMultiTfParams
from domain.strategies.grid_trend import GridTrendParams
from domain.strategies.liquidation import LiquidationParams
from domain.strategies.momentum import MomentumParams
from domain.strategies.params import PLUMBING, StrategyParams
from domain.strategies.supertrend import SupertrendParams
from domain.strategies.vwap_rsi import VwapRsiParams


class StrategiesFile(ConfigStruct):
    """strategies.yaml: one optional section per strategy; a missing section means the strategy
    is not defined in this config (it cannot be run, optimised or referenced)."""

    envelope_dca: EnvelopeDcaParams | None = None
    envelope_dca_short: EnvelopeDcaShortParams | None = None
    grid_atr: GridAtrParams | None = None
    grid_multi_tf: GridMultiTfParams | None = None
    grid_funding: GridFundingParams | None = None
    grid_trend: GridTrendParams | None = None
    vwap_rsi: VwapRsiParams | None = None
    momentum: MomentumParams | None = None
    funding: FundingParams | None = None
    liquidation: LiquidationParams | None = None
    bollinger_mr: BollingerMrParams | None = None
    donchian_breakout: DonchianBreakoutParams | None = None
    supertrend: SupertrendParams | None = None

    def defined(self) -> dict[str, StrategyParams]:
        """Strategy name -> params, for the sections present in the file."""
        return {
            name: params
            for name in self.__struct_fields__
            if (params := getattr(self, name)) is not None
        }


# Strategy name -> its parameter struct: what validates ``--param KEY=VALUE``, per-asset
# overrides and grid values.
STRATEGY_PARAMS: dict[str, type[StrategyParams]] = {
    name: spec.params_type for name, spec in REGISTRY.items()
}

# Fields a per-asset override may not touch (they define the runner, not its tuning).
NOT_OVERRIDABLE: frozenset[str] = PLUMBING | {"timeframe"}
# Fields a walk-forward grid may not sweep (structure and risk, not signal parameters).
NOT_TUNABLE: frozenset[str] = NOT_OVERRIDABLE | {"leverage", "sides"}
