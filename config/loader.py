"""Read the five YAML files, report every problem, and only then build ``Settings``.

msgspec stops at the first error, which makes a broken config a whack-a-mole. So each file is
first walked against its struct type field by field (unknown keys, missing keys, wrong types,
out-of-range values: every leaf goes through ``msgspec.convert`` on its own), then the files are
checked against each other, and ``msgspec.convert`` builds the structs only when nothing is
wrong. A half-valid config never becomes a ``Settings``.

Problem paths are rooted at ``Settings``: ``strategies.grid_atr.sl_percent`` is the key
``grid_atr.sl_percent`` of strategies.yaml and the attribute ``settings.strategies.grid_atr.sl_percent``.
"""

from __future__ import annotations

import difflib
import re
import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec
import yaml

from config.settings import (
    FILES,
    NOT_OVERRIDABLE,
    NOT_TUNABLE,
    STRATEGY_PARAMS,
    AssetsFile,
    ExchangesFile,
    ParamGridsFile,
    RiskFile,
    Settings,
    StrategiesFile,
)

DEFAULT_CONFIG_DIR = Path(__file__).parent

FILE_TYPES: dict[str, type[msgspec.Struct]] = {
    "strategies": StrategiesFile,
    "param_grids": ParamGridsFile,
    "assets": AssetsFile,
    "risk": RiskFile,
    "exchanges": ExchangesFile,
}


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """One thing wrong with the config: ``file`` name, key ``path``, ``reason``."""

    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.reason}"


class ConfigError(ValueError):
    """The config cannot be used; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"invalid configuration ({len(self.problems)} problem(s)):\n{lines}")


# --- public API ------------------------------------------------------------------------------


def load_settings(config_dir: Path | None = None) -> Settings:
    """Load and validate the config directory (default: the shipped YAML files)."""
    settings, problems = _load(Path(config_dir) if config_dir else DEFAULT_CONFIG_DIR)
    if problems or settings is None:
        raise ConfigError(problems)
    return settings


def check_config(config_dir: Path | None = None) -> list[Problem]:
    """Every problem of the config directory; an empty list means it loads."""
    return _load(Path(config_dir) if config_dir else DEFAULT_CONFIG_DIR)[1]


def check_param(strategy: str, key: str, value: Any) -> str | None:
    """Why ``value`` is not valid for parameter ``key`` of ``strategy``, or None if it is.

    Shared by per-asset overrides and grid values; the backtest CLI can use it for ``--param``.
    """
    if reason := _param_key_problem(strategy, key):
        return reason
    problems = _walk(value, _field_types(STRATEGY_PARAMS[strategy])[key], "")
    return problems[0][1] if problems else None


def _param_key_problem(strategy: str, key: str) -> str | None:
    params_type = STRATEGY_PARAMS.get(strategy)
    if params_type is None:
        return f"unknown strategy {strategy!r}"
    field_types = _field_types(params_type)
    if key not in field_types:
        return _unknown(str(key), field_types, f"not a parameter of {strategy}")
    return None


# --- reading ---------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool):
                continue  # unhashable keys: let PyYAML report them
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read(path: Path, key: str) -> tuple[Any, list[Problem]]:
    """The parsed YAML document of one file, or the problem that prevents reading it."""

    def fail(reason: str) -> tuple[Any, list[Problem]]:
        return None, [Problem(file=path.name, path=key, reason=reason)]

    if not path.is_file():
        return fail(f"file not found in {path.parent}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return fail(f"cannot read file: {exc}")
    if not text.strip():
        # An empty file is more likely a truncated write than a wish for defaults.
        return fail("file is empty (write {} to use every default)")
    try:
        return yaml.load(text, Loader=_StrictLoader), []  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return fail(f"YAML syntax error{where}: {exc.problem or exc.context}")
    except yaml.YAMLError as exc:
        return fail(f"YAML error: {exc}")


def _load(config_dir: Path) -> tuple[Settings | None, list[Problem]]:
    raw: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, name in FILES.items():
        data, read_problems = _read(config_dir / name, key)
        problems += read_problems
        if not read_problems:
            raw[key] = data
            problems += [
                Problem(file=name, path=path, reason=reason)
                for path, reason in _walk(data, FILE_TYPES[key], key)
            ]
    problems += _cross_checks(raw)
    if problems:
        return None, problems
    try:
        return Settings(**{k: msgspec.convert(raw[k], FILE_TYPES[k]) for k in FILES}), []
    except msgspec.ValidationError as exc:  # the walk should have caught it; never half-load
        return None, [Problem(file="?", path="$", reason=str(exc))]


# --- structural walk -------------------------------------------------------------------------

_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<sub>[^`]*)`)?$", re.DOTALL)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
Found = list[tuple[str, str]]  # (path, reason)


def _key(path: str, key: Any) -> str:
    if isinstance(key, str) and _IDENT.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{key!r}]" if not isinstance(key, str) else f'{path}["{key}"]'


def _kind(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}
    return names.get(type(value), "null" if value is None else f"`{type(value).__name__}`")


def _unknown(key: str, allowed: Any, reason: str) -> str:
    close = difflib.get_close_matches(key, [str(a) for a in allowed], n=1)
    return f"{reason} (did you mean {close[0]!r}?)" if close else reason


def _field_types(cls: type[msgspec.Struct]) -> dict[str, Any]:
    return {f.encode_name: f.type for f in msgspec.structs.fields(cls)}


def _is_struct(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


def _walk(data: Any, tp: Any, path: str) -> Found:
    """Every mismatch between ``data`` and type ``tp``, walking structs, dicts and lists."""
    inner = get_args(tp)[0] if get_origin(tp) is Annotated else tp
    origin, args = get_origin(inner), get_args(inner)
    if _is_struct(inner):
        return _walk_struct(data, inner, path)
    if origin in (Union, types.UnionType) and type(None) in args and len(args) == 2:
        if data is None:
            return []
        other = next(a for a in args if a is not type(None))
        return _walk(data, other, path)
    found: Found = []
    if origin is dict:
        if not isinstance(data, dict):
            return [(path, f"expected a mapping, got {_kind(data)}")]
        for key, value in data.items():
            if not isinstance(key, str):
                found.append((_key(path, key), "keys must be strings"))
            else:
                found += _walk(value, args[1], _key(path, key))
    elif origin in (list, tuple):
        if not isinstance(data, list):
            return [(path, f"expected a list, got {_kind(data)}")]
        item_type = args[0]
        for i, item in enumerate(data):
            found += _walk(item, item_type, f"{path}[{i}]")
    if found:
        return found
    return _leaf(data, tp, path)  # scalars, and size constraints of containers


def _walk_struct(data: Any, cls: type[msgspec.Struct], path: str) -> Found:
    if not isinstance(data, dict):
        return [(path, f"expected a mapping, got {_kind(data)}")]
    fields = {f.encode_name: f for f in msgspec.structs.fields(cls)}
    found: Found = [
        (_key(path, key), _unknown(str(key), fields, "unknown key"))
        for key in data
        if key not in fields
    ]
    for name, field in fields.items():
        if name in data:
            found += _walk(data[name], field.type, _key(path, name))
        elif field.required:
            found.append((_key(path, name), "missing required key"))
    return found


def _leaf(value: Any, tp: Any, path: str) -> Found:
    try:
        msgspec.convert(value, tp)
    except msgspec.ValidationError as exc:
        match = _AT.match(str(exc))
        msg, sub = (match["msg"], match["sub"] or "") if match else (str(exc), "")
        reason = msg[:1].lower() + msg[1:]
        if (
            " got " not in reason
            and repr(value) not in reason
            and not sub
            and not isinstance(value, dict | list)
        ):
            reason += f", got {value!r}"
        return [(path + sub, reason)]
    return []


# --- cross-file checks -----------------------------------------------------------------------


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _cross_checks(raw: dict[str, Any]) -> list[Problem]:
    """References between files. A file that could not be read skips the checks needing it."""
    strategies = _mapping(raw.get("strategies"))
    defined = {n for n, v in strategies.items() if n in STRATEGY_PARAMS and v is not None}
    have_strategies = "strategies" in raw
    assets = raw.get("assets")
    asset_list = [a for a in _mapping(assets).get("assets") or [] if isinstance(a, dict)]
    symbols = [a["symbol"] for a in asset_list if isinstance(a.get("symbol"), str)]
    risk = _mapping(raw.get("risk"))
    max_leverage = risk.get("max_leverage", RiskFile().max_leverage) if "risk" in raw else None

    def undefined(name: Any) -> str | None:
        if have_strategies and name not in defined:
            return f"strategy {name!r} is not defined in strategies.yaml"
        if name not in STRATEGY_PARAMS:
            return f"unknown strategy {name!r}"
        return None

    found: list[Problem] = []
    found += _check_grids(raw.get("param_grids"), undefined)
    found += _check_strategies(strategies, symbols if "assets" in raw else None, max_leverage)
    if "assets" in raw:
        found += _check_assets(asset_list, undefined)
        found += _check_timeframes(strategies, asset_list)
    if "exchanges" in raw:
        found += _check_exchanges(_mapping(raw["exchanges"]))
    return found


def _check_grids(param_grids: Any, undefined: Any) -> list[Problem]:
    file, found = FILES["param_grids"], []
    overrides = _mapping(_mapping(_mapping(param_grids).get("wfo")).get("overrides"))
    for name in overrides:
        if reason := undefined(name):
            found.append(Problem(file=file, path=_key("param_grids.wfo.overrides", name), reason=reason))
    for name, grid in _mapping(_mapping(param_grids).get("grids")).items():
        path = _key("param_grids.grids", name)
        if reason := undefined(name):
            found.append(Problem(file=file, path=path, reason=reason))
        if name not in STRATEGY_PARAMS:
            continue
        for key, values in _mapping(grid).items():
            key_path = _key(path, key)
            if reason := _param_key_problem(name, key):
                found.append(Problem(file=file, path=key_path, reason=reason))
                continue
            if key in NOT_TUNABLE:
                reason = f"{key!r} is not a tunable parameter"
                found.append(Problem(file=file, path=key_path, reason=reason))
                continue
            if not isinstance(values, list):
                continue  # the structural walk reported it
            if not values:
                found.append(Problem(file=file, path=key_path, reason="empty grid value list"))
            for i, value in enumerate(values):
                if reason := check_param(name, key, value):
                    found.append(Problem(file=file, path=f"{key_path}[{i}]", reason=reason))
            if len({_canonical(v) for v in values}) < len(values):
                found.append(Problem(file=file, path=key_path, reason="duplicate grid values"))
    return found


def _canonical(value: Any) -> str:
    """Equal grid values compare equal (``20`` and ``20.0`` are one value)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(float(value))
    return repr(value)


def _check_strategies(strategies: dict[Any, Any], symbols: list[str] | None, max_lev: Any) -> list[Problem]:
    file, found = FILES["strategies"], []

    def leverage_ok(value: Any, path: str) -> None:
        if isinstance(max_lev, int) and isinstance(value, int) and value > max_lev:
            reason = f"leverage {value} exceeds risk.max_leverage {max_lev}"
            found.append(Problem(file=file, path=path, reason=reason))

    for name, section in strategies.items():
        if name not in STRATEGY_PARAMS or not isinstance(section, dict):
            continue
        path = _key("strategies", name)
        leverage_ok(section.get("leverage"), _key(path, "leverage"))
        for symbol, override in _mapping(section.get("per_asset")).items():
            asset_path = _key(_key(path, "per_asset"), symbol)
            if symbol is not None and symbols is not None and symbol not in symbols:
                reason = f"unknown asset {symbol!r} (not in assets.yaml)"
                found.append(Problem(file=file, path=asset_path, reason=reason))
            for key, value in _mapping(override).items():
                key_path = _key(asset_path, key)
                if key in NOT_OVERRIDABLE:
                    reason = f"{key!r} cannot be overridden per asset"
                elif (reason := check_param(name, key, value)) is None:
                    if key == "leverage":
                        leverage_ok(value, key_path)
                    continue
                found.append(Problem(file=file, path=key_path, reason=reason))
    return found


def _check_assets(assets: list[dict[str, Any]], undefined: Any) -> list[Problem]:
    file, found, seen = FILES["assets"], [], set()
    for i, asset in enumerate(assets):
        path = f"assets.assets[{i}]"
        symbol, perp = asset.get("symbol"), asset.get("perp_symbol")
        if isinstance(symbol, str):
            if symbol in seen:
                found.append(Problem(file=file, path=f"{path}.symbol", reason=f"duplicate asset {symbol!r}"))
            seen.add(symbol)
            if isinstance(perp, str) and perp.split(":")[0] != symbol:
                reason = f"{perp!r} is not the perpetual of {symbol!r}"
                found.append(Problem(file=file, path=f"{path}.perp_symbol", reason=reason))
        for j, name in enumerate(asset.get("strategies") or []):
            if isinstance(name, str) and (reason := undefined(name)):
                found.append(Problem(file=file, path=f"{path}.strategies[{j}]", reason=reason))
    return found


def _check_timeframes(strategies: dict[Any, Any], assets: list[dict[str, Any]]) -> list[Problem]:
    """An enabled strategy needs live candles of its timeframe from at least one asset."""
    streamed = {tf for a in assets for tf in (a.get("timeframes") or ["1h"]) if isinstance(tf, str)}
    found = []
    for name, section in strategies.items():
        if name not in STRATEGY_PARAMS or not isinstance(section, dict):
            continue
        timeframe = section.get("timeframe", STRATEGY_PARAMS[name]().timeframe)
        if section.get("enabled") is True and isinstance(timeframe, str) and timeframe not in streamed:
            reason = f"enabled but no asset in assets.yaml streams {timeframe!r} candles"
            found.append(Problem(file=FILES["strategies"], path=_key("strategies", name), reason=reason))
    return found


def _check_exchanges(exchanges: dict[Any, Any]) -> list[Problem]:
    defaults = ExchangesFile()
    configured = _mapping(exchanges.get("exchanges"))
    found = []
    for role in ("trading_exchange", "history_exchange"):
        name = exchanges.get(role, getattr(defaults, role))
        if isinstance(name, str) and name not in configured:
            reason = _unknown(name, configured, f"exchange {name!r} is not under `exchanges`")
            found.append(Problem(file=FILES["exchanges"], path=f"exchanges.{role}", reason=reason))
    return found
