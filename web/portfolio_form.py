"""The Portfolio page's launch form as a ``PortfolioRequest``: the fields a person fills in,
each read strictly (a bad one is a 400 naming it); what only the run's checks can judge (a
strategy on an asset, an override's bounds, the span) is judged by
``adapters.services.portfolio_request``, as for the CLI.

Runners are every ticked strategy (``strategy_<name>``) on every ticked asset
(``asset_<symbol>``), the applied parameters, or a preset of the config.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping

from adapters.services.portfolio_request import OVERRIDES, PortfolioRequest
from adapters.text.timefmt import parse_date
from web import inputs

FIELDS = (
    "source",
    "preset",
    "capital",
    "guards",
    "kill_switch_dd",
    "kill_switch_cooldown",
    "max_margin_ratio",
    "days",
    "from",
    "to",
    "forward",
)
PREFIXES = ("strategy_", "asset_")
SOURCES = ("strategies", "applied", "preset")
MAX_DAYS = 3650
_DECIMAL = re.compile(r"[0-9]{1,12}(\.[0-9]{1,8})?")  # plain digits: no sign, exponent, nan


def request_of(
    form: Mapping[str, str], strategies: Collection[str], assets: Collection[str]
) -> PortfolioRequest:
    """The request the form asks, else a 400 naming the field."""
    source = inputs.choice("source", form.get("source"), SOURCES, "strategies")
    guards = inputs.choice("guards", form.get("guards"), ("on", "off"), "on") == "on"
    return PortfolioRequest(
        strategies=_runners(form, strategies, assets) if source == "strategies" else None,
        applied=source == "applied",
        preset=inputs.required("preset", form.get("preset")) if source == "preset" else None,
        capital=_decimal(form, "capital"),
        start_ms=_date(form, "from"),
        end_ms=_date(form, "to"),
        days=_whole(form, "days"),
        forward=_whole(form, "forward"),
        kill_switch_dd=_decimal(form, "kill_switch_dd"),
        kill_switch_cooldown=_whole(form, "kill_switch_cooldown", high=10_000),
        max_margin_ratio=_decimal(form, "max_margin_ratio"),
        guards=guards,
    )


def field_of(service_field: str) -> str:
    """The form field a refusal of the run's checks is about (a risk.yaml override name, or
    the request's own field name)."""
    by_risk = {risk: field for field, risk in OVERRIDES.items()}
    return by_risk.get(service_field, {"runners": "source"}.get(service_field, service_field))


def _runners(form: Mapping[str, str], strategies: Collection[str], assets: Collection[str]) -> str:
    """``strategy:ASSET,...+strategy:...``: each ticked strategy on every ticked asset."""
    chosen = _ticked(form, "strategy_", strategies)
    symbols = _ticked(form, "asset_", assets)
    if not chosen:
        raise inputs.bad_request("strategies", "tick at least one strategy")
    if not symbols:
        raise inputs.bad_request("assets", "tick at least one asset")
    return "+".join(f"{strategy}:{','.join(symbols)}" for strategy in chosen)


def _ticked(form: Mapping[str, str], prefix: str, known: Collection[str]) -> list[str]:
    names = [key.removeprefix(prefix) for key in form if key.startswith(prefix)]
    for name in names:
        if name not in known:
            raise inputs.bad_request(f"{prefix}{name}"[:64], "not one of the choices offered")
    return [name for name in known if name in names]  # the page's order


def _decimal(form: Mapping[str, str], field: str) -> float | None:
    """A positive number in plain digits (an optional decimal point), or None when blank."""
    text = form.get(field, "").strip()
    if not text:
        return None
    if not _DECIMAL.fullmatch(text) or not math.isfinite(value := float(text)) or value <= 0:
        raise inputs.bad_request(
            field, f"must be a positive number like 1000 or 0.7, got {text[:24]!r}"
        )
    return value


def _whole(form: Mapping[str, str], field: str, high: int = MAX_DAYS) -> int | None:
    text = form.get(field, "").strip()
    return inputs.whole_number(field, text, 1, high) if text else None


def _date(form: Mapping[str, str], field: str) -> int | None:
    text = form.get(field, "").strip()
    if not text:
        return None
    try:
        return parse_date(text[:32])
    except ValueError as exc:
        raise inputs.bad_request(field, f"{exc} (a date like 2025-01-31)") from None
