"""Writes applied per-asset parameters back into strategies.yaml without losing its comments.

Only the ``per_asset:`` entry of one strategy section is rewritten (as a one-line flow mapping);
the new file is validated with the whole config before it atomically replaces the old one, so a
bad write never leaves a half-configured program. ``apply_per_asset`` returns the text it
replaced, so a caller whose next step fails (recording ``ParamsApplied``) can ``restore`` it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from config.loader import check_config


class ConfigWriteError(ValueError):
    pass


STRATEGIES_FILE = "strategies.yaml"


def apply_per_asset(config_dir: Path, strategy: str, symbol: str, params: dict[str, Any]) -> str:
    """Write ``params`` as ``symbol``'s entry of ``strategy``'s ``per_asset``; returns the file's
    previous text."""
    path = config_dir / STRATEGIES_FILE
    text = path.read_text()
    current = (yaml.safe_load(text).get(strategy) or {}).get("per_asset") or {}
    merged = {**current, symbol: params}
    updated = _replace_per_asset(text, strategy, json.dumps(merged, sort_keys=True))
    _check_then_replace(config_dir, path, updated)
    return text


def restore(config_dir: Path, previous: str) -> None:
    """Put back the text ``apply_per_asset`` replaced (atomically: it was a valid config)."""
    _replace_atomically(config_dir / STRATEGIES_FILE, previous)


def _replace_per_asset(text: str, strategy: str, flow: str) -> str:
    lines = text.splitlines(keepends=True)
    start = next(
        (i for i, line in enumerate(lines) if re.match(rf"^{re.escape(strategy)}:", line)), None
    )
    if start is None:
        raise ConfigWriteError(f"strategies.yaml has no section {strategy!r}")
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"^\S", lines[i])), len(lines))
    for i in range(start + 1, end):
        match = re.match(r"^(\s+)per_asset:", lines[i])
        if match:
            block_end = i + 1
            while block_end < end and _deeper(lines[block_end], len(match.group(1))):
                block_end += 1
            lines[i:block_end] = [f"{match.group(1)}per_asset: {flow}\n"]
            return "".join(lines)
    lines.insert(end, f"  per_asset: {flow}\n")
    return "".join(lines)


def _deeper(line: str, indent: int) -> bool:
    stripped = line.strip()
    return bool(stripped) and len(line) - len(line.lstrip()) > indent


def _check_then_replace(config_dir: Path, path: Path, updated: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch)
        for yaml_file in config_dir.glob("*.yaml"):
            shutil.copy(yaml_file, trial / yaml_file.name)
        (trial / path.name).write_text(updated)
        problems = check_config(trial)
        if problems:
            raise ConfigWriteError("; ".join(str(p) for p in problems))
    _replace_atomically(path, updated)


def _replace_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
