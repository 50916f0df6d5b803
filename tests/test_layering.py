"""The dependency rule of the architecture page, checked on the AST of every module.

Five rules, in ``violations(module, source)``:

- a package imports only the packages of ours ``ALLOWED`` gives it (domain <- optimization,
  projections, config <- adapters <- web; nothing imports web);
- ``domain`` imports no third-party infrastructure (``DOMAIN_FORBIDDEN``: exchanges, databases,
  web and HTTP); eventsourcing's domain model, msgspec, numpy and numba stay allowed;
- only a CLI module (a module or sub-package named ``cli`` or ``cli_*``) imports a CLI module, so
  a service never depends on argument parsing or exit codes;
- inside ``adapters``, a room imports only the rooms ``ROOMS`` gives it (cli -> services ->
  exchanges, store, files -> text; never back), and every module lives in a room;
- no module imports dynamically (``importlib.import_module``, ``__import__``, ``exec``/``eval``
  of code holding an import, or of code the checker cannot read), which would dodge the rules.

The negative cases run on synthetic sources, so no file is planted in the tree.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"domain", "optimization", "adapters", "projections", "web", "config"}
# package -> packages of ours it may import
ALLOWED = {
    "domain": set(),
    "optimization": {"domain"},
    "projections": {"domain"},
    # the kill-switch limits are domain.kill_switch.Limits, the strategy sections the
    # strategies' parameter structs (domain.strategies)
    "config": {"domain"},
    "adapters": OURS - {"web"},
    "web": OURS,
}
# adapters' rooms -> the rooms they may import (each its own too): the CLI drives the services,
# the services drive exchanges, the store and files, and everyone may format times and progress
ROOMS = {
    "cli": {"cli", "services", "exchanges", "store", "files", "text", "venue_sim", "notify"},
    "services": {"services", "exchanges", "store", "files", "text"},
    "exchanges": {"exchanges", "text"},
    "store": {"store", "text"},
    "files": {"files", "text"},
    "text": {"text"},
    "venue_sim": {"venue_sim", "text"},  # the local Bitget: a product the CLI serves
    "notify": {"notify", "store", "text"},  # Telegram: reads the store, its own process
}
# third-party infrastructure the domain must not touch (a name covers its sub-modules)
DOMAIN_FORBIDDEN = {
    "ccxt",
    "ccxt.pro",
    "sqlite_utils",
    "sqlite3",
    "litestar",
    "httpx",
    "uvicorn",
    "jinja2",
    "psycopg",
    "eventsourcing.sqlite",  # the store's persistence modules; eventsourcing.domain is the model
    "eventsourcing.postgres",
}
# what imports a module by a name computed at run time
DYNAMIC = {
    "__import__",
    "builtins.__import__",
    "importlib.__import__",
    "importlib.import_module",
    "importlib.reload",
    "importlib.util.module_from_spec",
    "importlib.util.spec_from_file_location",
    "runpy.run_module",
    "runpy.run_path",
}
EXEC = {"exec", "eval", "builtins.exec", "builtins.eval"}


def _within(name: str, names: set[str]) -> bool:
    return any(name == n or name.startswith(n + ".") for n in names)


def _is_cli(module: str) -> bool:
    return any(part == "cli" or part.startswith("cli_") for part in module.split(".")[1:])


def _room(module: str) -> str | None:
    """The room of an adapters module (``adapters.store.home`` -> ``store``), else None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "adapters" and len(parts) > 1 else None


def _base(module: str, is_package: bool, level: int) -> str:
    """The package a relative import of ``level`` dots starts from."""
    parts = module.split(".")
    keep = len(parts) - level + (1 if is_package else 0)
    if keep < 1:
        raise ValueError(f"{module}: a relative import beyond the top-level package")
    return ".".join(parts[:keep])


def _imported(module: str, node: ast.Import | ast.ImportFrom, is_package: bool) -> list[str]:
    """Every module name an import statement may load (``from a import b``: ``a`` and ``a.b``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        prefix = _base(module, is_package, node.level)
        base = f"{prefix}.{base}" if base else prefix
    return [base] + [f"{base}.{alias.name}" for alias in node.names if alias.name != "*"]


def _aliases(tree: ast.AST, module: str, is_package: bool) -> dict[str, str]:
    """Local name -> the qualified name it is bound to by an import (``il`` -> ``importlib``)."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    bound[top] = top
        elif isinstance(node, ast.ImportFrom):
            base = _imported(module, node, is_package)[0]
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{base}.{alias.name}"
    return bound


def _qualified(node: ast.expr, bound: dict[str, str]) -> str | None:
    """``importlib.import_module`` for ``il.import_module`` after ``import importlib as il``."""
    attrs: list[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([bound.get(node.id, node.id), *reversed(attrs)])


def _holds_import(code: ast.expr) -> bool | None:
    """Whether literal code passed to exec/eval imports something (None: not readable)."""
    if not (isinstance(code, ast.Constant) and isinstance(code.value, str)):
        return None
    try:
        tree = ast.parse(code.value)
    except SyntaxError:
        return None
    names = {"__import__", "import_module"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            return True
        if isinstance(node, ast.Name | ast.Attribute) and (
            getattr(node, "id", None) in names or getattr(node, "attr", None) in names
        ):
            return True
    return False


def violations(module: str, source: str, *, is_package: bool = False) -> list[str]:
    """What breaks the rules in ``source``, the text of ``module`` (``adapters.cli.main``; a
    package's ``__init__`` is the package's name with ``is_package``); empty when it obeys."""
    package = module.split(".")[0]
    tree = ast.parse(source)
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        for name in _imported(module, node, is_package):
            top = name.split(".")[0]
            if top in OURS and top != package and top not in ALLOWED.get(package, OURS):
                found.append(f"{module} imports {name}: {package} may not import {top}")
            if package == "domain" and _within(name, DOMAIN_FORBIDDEN):
                found.append(f"{module} imports {name}: infrastructure in the domain")
            if top in OURS and _is_cli(name) and not _is_cli(module):
                found.append(f"{module} imports {name}: only a CLI module imports a CLI module")
            if name in DYNAMIC:
                found.append(f"{module} imports {name}: a dynamic import")
            room, target = _room(module), _room(name)
            if room in ROOMS and target in ROOMS and target not in ROOMS[room]:
                found.append(f"{module} imports {name}: adapters.{room} may not import {target}")
    bound = _aliases(tree, module, is_package)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name | ast.Attribute) and _qualified(node, bound) in DYNAMIC:
            found.append(f"{module} line {node.lineno}: a dynamic import")
        if isinstance(node, ast.Call) and _qualified(node.func, bound) in EXEC:
            holds = _holds_import(node.args[0]) if node.args else False
            if holds is not False:
                what = "code holding an import" if holds else "code the checker cannot read"
                found.append(f"{module} line {node.lineno}: exec/eval of {what}")
    return sorted(set(found))


def _module(path: Path) -> tuple[str, bool]:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_every_module_of_the_package_follows_the_dependency_rule(package: str) -> None:
    paths = sorted((ROOT / package).rglob("*.py"))
    assert paths
    found = []
    for path in paths:
        module, is_package = _module(path)
        found += violations(module, path.read_text(), is_package=is_package)
    assert not found, "\n".join(found)


def test_every_adapters_module_lives_in_a_room() -> None:
    loose = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "adapters").rglob("*.py"))
        if path.parent == ROOT / "adapters" and path.name != "__init__.py"
    ]
    assert not loose, f"put these in a room of adapters ({', '.join(ROOMS)}): {loose}"
    rooms = {path.name for path in (ROOT / "adapters").iterdir() if (path / "__init__.py").exists()}
    assert rooms == set(ROOMS)


# -- the rules refuse what they should, on synthetic sources -----------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "import ccxt",
        "import ccxt.pro as ccxtpro",
        "from ccxt.base.errors import NetworkError",
        "from ccxt import pro",
        "import sqlite3",
        "from sqlite_utils import Database",
        "import litestar",
        "import httpx",
        "from uvicorn import run",
        "from jinja2 import Environment",
        "import psycopg",
        "from eventsourcing.sqlite import SQLiteFactory",
        "from eventsourcing import postgres",
        "def load():\n    import ccxt\n    return ccxt",  # a function-local import is one too
    ],
)
def test_infrastructure_in_the_domain_is_refused(source: str) -> None:
    assert "infrastructure in the domain" in " ".join(violations("domain.market", source))


def test_the_domain_may_use_its_libraries() -> None:
    source = (
        "from eventsourcing.domain import Aggregate, event\n"
        "from eventsourcing.utils import register_topic\n"
        "import msgspec\nimport numpy as np\nfrom numba import njit\n"
        "from domain.ticks import round_prices\n"
    )
    assert violations("domain.simulator", source) == []


def test_infrastructure_outside_the_domain_is_allowed() -> None:
    assert violations("adapters.exchanges.client", "import ccxt\nimport sqlite3") == []


@pytest.mark.parametrize(
    ("module", "source", "is_package"),
    [
        ("adapters.services.engine", "from web.app import create_app", False),
        ("adapters.services.engine", "import web.serve", False),
        (
            "adapters.services.engine",
            "def serve():\n    from web import app\n    return app",
            False,
        ),
        ("domain.market", "from optimization.scoring import score", False),
        ("optimization.grading", "from adapters.services.engine import Engine", False),
        ("projections.paper", "from optimization import selection", False),
        ("config.settings", "import adapters.store.home", False),
    ],
)
def test_an_import_against_the_dependency_rule_is_refused(
    module: str, source: str, is_package: bool
) -> None:
    found = violations(module, source, is_package=is_package)
    assert any("may not import" in line for line in found), found


def test_web_and_adapters_may_import_what_the_rule_allows() -> None:
    assert violations("web.app", "from adapters.services.engine import Engine") == []
    assert (
        violations("adapters.services.engine", "from ..store.event_store import open_store") == []
    )
    assert violations("adapters.services", "from . import paper_trader", is_package=True) == []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("adapters.services.portfolio_commands", "from adapters import cli"),
        ("adapters.services.portfolio_commands", "from adapters.cli.main import main"),
        ("adapters.services.paper_trader", "from adapters.cli.paper import register"),
        ("adapters.services.paper_trader", "from ..cli import paper"),
        ("adapters.services.paper_trader", "import adapters.cli.paper"),
        ("adapters.store.event_store", "def f():\n    from adapters.cli import main"),
        ("web.app", "from adapters.cli.main import build_parser"),
    ],
)
def test_a_service_importing_a_cli_module_is_refused(module: str, source: str) -> None:
    found = violations(module, source)
    assert any("only a CLI module" in line for line in found), found


def test_cli_modules_may_import_each_other() -> None:
    assert violations("adapters.cli.main", "from adapters.cli import paper") == []
    assert violations("adapters.cli.main", "from . import paper") == []
    assert violations("adapters.cli", "from . import main", is_package=True) == []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("adapters.store.event_store", "from adapters.services.engine import Engine"),
        ("adapters.store.market_data", "from adapters.exchanges.fetch import FetchError"),
        ("adapters.exchanges.fetch", "from adapters.store.market_data import MarketData"),
        ("adapters.exchanges.fetch", "from adapters.services import importer"),
        ("adapters.files.csv_files", "import adapters.store.home"),
        ("adapters.text.timefmt", "from adapters.files import csv_files"),
        ("adapters.services.importer", "from adapters import cli"),
        ("adapters.exchanges.live_feed", "from ..services import paper_trader"),
        ("adapters.store.home", "def f():\n    from ..services import engine"),
    ],
)
def test_a_room_importing_a_room_above_it_is_refused(module: str, source: str) -> None:
    found = violations(module, source)
    assert any("adapters." in line and "may not import" in line for line in found), found


def test_rooms_may_import_the_rooms_below_them() -> None:
    assert violations("adapters.cli.main", "from adapters.services.engine import Engine") == []
    assert violations("adapters.services.engine", "from adapters.store.home import Home") == []
    assert violations("adapters.services.importer", "from adapters.files import csv_files") == []
    assert (
        violations("adapters.exchanges.fetch", "from adapters.text.progress import Progress") == []
    )
    assert violations("adapters.store.home", "from .transcoder import Transcoder") == []


@pytest.mark.parametrize(
    "source",
    [
        "import importlib\nccxt = importlib.import_module('ccxt')",
        "import importlib as il\nweb = il.import_module('web')",
        "from importlib import import_module\nmodule = import_module('ccxt')",
        "from importlib import import_module as load\nmodule = load('ccxt')",
        "ccxt = __import__('ccxt')",
        "import builtins\nweb = builtins.__import__('web')",
        "import importlib.util\nspec = importlib.util.spec_from_file_location('x', 'x.py')",
        "import runpy\nrunpy.run_module('web.serve')",
        "exec('import ccxt')",
        "exec('from web import app')",
        "eval(\"__import__('ccxt')\")",
        "name = 'ccxt'\nexec(f'import {name}')",  # not readable: refused as well
        "import builtins\nbuiltins.exec(code)",
    ],
)
@pytest.mark.parametrize("module", ["domain.market", "adapters.services.engine", "web.app"])
def test_a_dynamic_import_is_refused_in_every_package(module: str, source: str) -> None:
    found = violations(module, source)
    assert any("dynamic import" in line or "exec/eval" in line for line in found), found


def test_exec_of_code_without_an_import_is_no_import() -> None:
    assert violations("adapters.services.engine", "total = eval('1 + 2')") == []
