"""What every config struct is made of: the shared base, and the field types only the config
uses (the strategies' own field types are ``domain.strategies.params``)."""

from __future__ import annotations

from typing import Annotated

import msgspec

Symbol = Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9]+/[A-Z0-9]+$")]
PerpSymbol = Annotated[str, msgspec.Meta(pattern=r"^[A-Z0-9]+/[A-Z0-9]+:[A-Z0-9]+$")]
HourUtc = Annotated[int, msgspec.Meta(ge=0, le=23)]


class ConfigStruct(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Base of every config struct (the options are inherited); the strategy sections are the
    domain's ``StrategyParams`` structs, which declare the same options."""
