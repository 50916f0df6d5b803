"""The dependency rule of the architecture page, checked on the import statements."""

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
    "config": {"domain"},  # the kill-switch limits are domain.kill_switch.Limits
    "adapters": OURS - {"web"},
    "web": OURS,
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_the_dependency_rule_allows(package: str) -> None:
    for path in sorted((ROOT / package).rglob("*.py")):
        forbidden = _imports(path) - ALLOWED[package] - {package}
        assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}"
