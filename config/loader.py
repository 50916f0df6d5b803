"""Read the six YAML files, report every problem, and only then build ``Settings``.

msgspec stops at the first error, which makes a broken config a whack-a-mole. So each file is
first walked against its struct type field by field (unknown keys, missing keys, wrong types,
out-of-range values: every leaf goes through ``msgspec.convert`` on its own), then the files are
checked against each other, and ``msgspec.convert`` builds the structs only when nothing is
wrong. A half-valid config never becomes a ``Settings``.

Problem paths are rooted at ``Settings``: ``strategies.grid_atr.sl_percent`` is the key
``grid_atr.sl_percent`` of strategies.yaml and the attribute
``settings.strategies.grid_atr.sl_percent``.
"""

from __future__ import annotations

import difflib
import functools
import re
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec
import yaml

from config.assets import AssetsFile
from config.exchanges import ExchangesFile
from config.notify import NotifyFile
from config.param_grids import ParamGridsFile
from config.risk import RiskFile
from config.settings import FILES, Settings
from config.strategies import NOT_OVERRIDABLE, NOT_TUNABLE, STRATEGY_PARAMS, StrategiesFile
from domain.contracts import liquidation_distance

DEFAULT_CONFIG_DIR = Path(__file__).parent

FILE_TYPES: dict[str, type[msgspec.Struct]] = {
    "strategies": StrategiesFile,
    "param_grids": ParamGridsFile,
    "assets": AssetsFile,
    "risk": RiskFile,
    "exchanges": ExchangesFile,
    "notify": NotifyFile,
}

# files a config directory may leave out (their struct's defaults apply): added after users had
# config directories of their own
OPTIONAL_FILES = frozenset({"notify"})


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
        # _StrictLoader is a SafeLoader: plain data only, never arbitrary Python objects.
        return yaml.load(text, Loader=_StrictLoader), []
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
        if key in OPTIONAL_FILES and config_dir.is_dir() and not (config_dir / name).exists():
            raw[key] = {}  # the file's defaults: config dirs from before it existed still load
            continue
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
    parts: dict[str, Any] = {}
    for key, name in FILES.items():
        try:
            parts[key] = msgspec.convert(raw[key], FILE_TYPES[key])
        except msgspec.ValidationError as exc:  # the walk should have caught it; never half-load
            problems.append(Problem(file=name, path=key, reason=str(exc)))
    return (None, problems) if problems else (Settings(**parts), [])


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


@functools.cache
def _field_types(cls: type[msgspec.Struct]) -> dict[str, Any]:
    # resolving a struct's type hints takes ~0.7 ms and the grid checks ask ~500 times: a
    # third of a second of every command, hence once per class (callers only read the dict)
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
# They read the raw YAML (shapes already reported by the walk are skipped, not re-reported), so
# one broken file does not hide the reference problems of the others. A file that could not be
# read at all skips the checks that need it, rather than flooding the report with consequences.


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _cross_checks(raw: dict[str, Any]) -> list[Problem]:
    strategies = _mapping(raw.get("strategies"))
    defined = {n for n, v in strategies.items() if n in STRATEGY_PARAMS and v is not None}
    assets = [a for a in _mapping(raw.get("assets")).get("assets") or [] if isinstance(a, dict)]
    symbols = {a["symbol"] for a in assets if isinstance(a.get("symbol"), str)}
    max_leverage = _mapping(raw.get("risk")).get("max_leverage", RiskFile().max_leverage)
    if "risk" not in raw or _walk(max_leverage, _field_types(RiskFile)["max_leverage"], ""):
        max_leverage = None  # an invalid cap is reported on its own; don't cascade from it

    def undefined(name: Any) -> str | None:
        if "strategies" in raw and name not in defined:
            return f"strategy {name!r} is not defined in strategies.yaml"
        return None if name in STRATEGY_PARAMS else f"unknown strategy {name!r}"

    checks: list[tuple[str, Found]] = [
        ("param_grids", _check_grids(_mapping(raw.get("param_grids")), undefined)),
        ("strategies", _check_leverage(strategies, max_leverage)),
        ("strategies", _check_stops(strategies)),
        ("exchanges", _check_exchanges(_mapping(raw.get("exchanges")))),
    ]
    if "assets" in raw:
        checks += [
            ("strategies", _check_per_asset(strategies, symbols)),
            ("strategies", _check_timeframes(strategies, assets)),
            ("assets", _check_assets(assets, undefined)),
        ]
    return [
        Problem(file=FILES[key], path=path, reason=reason)
        for key, found in checks
        if key in raw
        for path, reason in found
    ]


def _check_grids(param_grids: dict[Any, Any], undefined: Callable[[Any], str | None]) -> Found:
    found: Found = []
    overrides = _mapping(_mapping(param_grids.get("wfo")).get("overrides"))
    for name in overrides:
        if reason := undefined(name):
            found.append((_key("param_grids.wfo.overrides", name), reason))
    for name, grid in _mapping(param_grids.get("grids")).items():
        path = _key("param_grids.grids", name)
        if reason := undefined(name):
            found.append((path, reason))
        if name in STRATEGY_PARAMS:
            for key, values in _mapping(grid).items():
                found += _check_grid_values(name, key, values, _key(path, key))
    return found


def _check_grid_values(strategy: str, key: str, values: Any, path: str) -> Found:
    if reason := _param_key_problem(strategy, key):
        return [(path, reason)]
    if key in NOT_TUNABLE:
        return [(path, f"{key!r} is not a tunable parameter")]
    if not isinstance(values, list):
        return []  # the structural walk reported it
    if not values:
        return [(path, "empty grid value list")]
    found = [
        (f"{path}[{i}]", reason)
        for i, value in enumerate(values)
        if (reason := check_param(strategy, key, value))
    ]
    if len({_canonical(v) for v in values}) < len(values):
        found.append((path, "duplicate grid values"))  # they would count combos twice
    return found


def _canonical(value: Any) -> str:
    """Equal grid values compare equal (``20`` and ``20.0`` are one value)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(float(value))
    return repr(value)


def _overrides(strategies: dict[Any, Any]) -> Iterator[tuple[str, str, Any, dict[Any, Any]]]:
    """(strategy, its path, asset symbol, override) for every per-asset override."""
    for name, section in strategies.items():
        if name in STRATEGY_PARAMS and isinstance(section, dict):
            path = _key(_key("strategies", name), "per_asset")
            for symbol, override in _mapping(section.get("per_asset")).items():
                yield name, _key(path, symbol), symbol, _mapping(override)


def _check_per_asset(strategies: dict[Any, Any], symbols: set[str]) -> Found:
    found: Found = []
    for name, path, symbol, override in _overrides(strategies):
        if isinstance(symbol, str) and symbol not in symbols:
            found.append((path, f"unknown asset {symbol!r} (not in assets.yaml)"))
        for key, value in override.items():
            if key in NOT_OVERRIDABLE:
                found.append((_key(path, key), f"{key!r} cannot be overridden per asset"))
            elif reason := check_param(name, key, value):
                found.append((_key(path, key), reason))
    return found


def _check_leverage(strategies: dict[Any, Any], max_leverage: Any) -> Found:
    """Strategy and per-asset leverage stay under ``risk.max_leverage``."""
    if max_leverage is None:
        return []
    candidates = [
        (_key(_key("strategies", name), "leverage"), section.get("leverage"))
        for name, section in strategies.items()
        if name in STRATEGY_PARAMS and isinstance(section, dict)
    ]
    candidates += [
        (_key(path, "leverage"), override.get("leverage"))
        for _, path, _, override in _overrides(strategies)
    ]
    return [
        (path, f"leverage {value} exceeds risk.max_leverage {max_leverage}")
        for path, value in candidates
        if isinstance(value, int) and not isinstance(value, bool) and value > max_leverage
    ]


def _check_stops(strategies: dict[Any, Any]) -> Found:
    """A percent stop must lie nearer than the liquidation price at the strategy's leverage
    (``domain.contracts.liquidation_distance``, at a maintenance rate of 0: the venue's tier
    only brings the liquidation nearer, so what is refused here is refused on every venue)."""
    found: Found = []
    sections = [
        (name, _key("strategies", name), section, {})
        for name, section in strategies.items()
        if name in STRATEGY_PARAMS and isinstance(section, dict)
    ]
    sections += [
        (name, path, strategies[name], override)
        for name, path, _, override in _overrides(strategies)
    ]
    for name, path, section, override in sections:
        defaults = STRATEGY_PARAMS[name]()
        merged = {**section, **override}
        sl = merged.get("sl_percent", getattr(defaults, "sl_percent", None))
        leverage = merged.get("leverage", defaults.leverage)
        if not (_number(sl) and _number(leverage) and leverage > 0):
            continue  # no percent stop, or a bad value reported on its own
        distance = liquidation_distance(leverage, 0.0) * 100.0
        if sl >= distance:
            where = _key(
                path, "sl_percent" if "sl_percent" in override or not override else "leverage"
            )
            found.append(
                (
                    where,
                    f"a {sl:g} % stop lies at or beyond the liquidation price at leverage "
                    f"{leverage} ({distance:.1f} % from the entry, less on a venue's maintenance "
                    "margin): the venue would liquidate first; lower the stop or the leverage",
                )
            )
    return found


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_assets(assets: list[dict[str, Any]], undefined: Callable[[Any], str | None]) -> Found:
    found: Found = []
    seen: set[str] = set()
    for i, asset in enumerate(assets):
        path = f"assets.assets[{i}]"
        symbol, perp = asset.get("symbol"), asset.get("perp_symbol")
        if isinstance(symbol, str):
            if symbol in seen:
                found.append((f"{path}.symbol", f"duplicate asset {symbol!r}"))
            seen.add(symbol)
            if isinstance(perp, str) and perp.split(":")[0] != symbol:
                found.append(
                    (f"{path}.perp_symbol", f"{perp!r} is not the perpetual of {symbol!r}")
                )
        names = asset.get("strategies")
        for j, name in enumerate(names if isinstance(names, list) else []):
            if isinstance(name, str) and (reason := undefined(name)):
                found.append((f"{path}.strategies[{j}]", reason))
    return found


def _check_timeframes(strategies: dict[Any, Any], assets: list[dict[str, Any]]) -> Found:
    """An enabled strategy needs live candles of its timeframe from at least one asset."""
    streamed = {
        tf
        for asset in assets
        for tf in asset.get("timeframes", ["1h"])
        if isinstance(asset.get("timeframes", []), list) and isinstance(tf, str)
    }
    found: Found = []
    for name, section in strategies.items():
        if name not in STRATEGY_PARAMS or not isinstance(section, dict):
            continue
        timeframe = section.get("timeframe", STRATEGY_PARAMS[name]().timeframe)
        enabled = section.get("enabled") is True
        if enabled and isinstance(timeframe, str) and timeframe not in streamed:
            reason = f"enabled but no asset in assets.yaml streams {timeframe!r} candles"
            found.append((_key("strategies", name), reason))
    return found


def _check_exchanges(exchanges: dict[Any, Any]) -> Found:
    """The trading and history exchanges must be configured under ``exchanges``."""
    configured = _mapping(exchanges.get("exchanges"))
    found: Found = []
    for role in ("trading_exchange", "history_exchange"):
        name = exchanges.get(role, getattr(ExchangesFile(), role))
        if isinstance(name, str) and name not in configured:
            reason = _unknown(name, configured, f"exchange {name!r} is not under `exchanges`")
            found.append((f"exchanges.{role}", reason))
    return found
