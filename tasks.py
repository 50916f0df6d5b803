#!/usr/bin/env python3
"""Everyday commands that set themselves up: ``python3 tasks.py demo|test|lint|bench|build``.

Needs only Python >= 3.11 and pip. The first run creates ``.venv`` and installs the project
(editable, with its dev, PostgreSQL and cluster extras), compiles the numba kernels into their cache
(``scalp-radar warm-cache``) and installs the dashboard's browser assets (htmx, pinned in
package-lock.json) with ``npm ci``, vendored into ``web/vendor/``; later runs reinstall only what
changed (pyproject.toml or package-lock.json).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

from web.vendor_assets import vendor

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed-pyproject"
NODE_MODULES = ROOT / "node_modules"
NPM_STAMP = NODE_MODULES / ".installed-lock"


def ensure_env() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs on whatever python3 is
        sys.exit(f"scalp-radar needs Python >= 3.11, this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    ensure_python_packages()
    ensure_browser_assets()


def ensure_python_packages() -> None:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    print("installing scalp-radar and its dependencies into .venv ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    run([*pip, "--upgrade", "pip"])
    run([*pip, "-e", f"{ROOT}[dev,postgres,cluster]"])
    # numba compiles its kernels on first use (~45 s inside the first optimize): do it now, with
    # a progress bar, into the on-disk cache every later run loads in under a second
    print("compiling the research kernels into numba's cache ...", flush=True)
    run([str(BIN / "scalp-radar"), "warm-cache"])
    STAMP.write_text(digest)


def ensure_browser_assets() -> None:
    """htmx and its SSE extension from the npm registry, exactly as package-lock.json pins them,
    vendored into the package (web/vendor/, what the dashboard and a wheel serve: never a CDN)."""
    digest = hashlib.sha256((ROOT / "package-lock.json").read_bytes()).hexdigest()
    if not (NPM_STAMP.exists() and NPM_STAMP.read_text() == digest):
        npm_ci()
        NPM_STAMP.write_text(digest)
    vendor(NODE_MODULES)


def npm_ci() -> None:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            "npm not found: the dashboard's htmx comes from the npm registry. Install Node.js "
            "with npm (Debian: apt-get install npm), then run this again."
        )
    print("installing the dashboard's browser assets (npm ci) ...", flush=True)
    run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"])


def run(cmd: list[str]) -> None:
    code = subprocess.call(cmd, cwd=ROOT)
    if code:
        sys.exit(code)


def demo(args: list[str]) -> None:
    run([str(BIN / "scalp-radar"), "demo", *args])


def test(args: list[str]) -> None:
    run([str(BIN / "python"), "-m", "pytest", *args])


def lint(_args: list[str]) -> None:
    run([str(BIN / "ruff"), "check", "."])
    run([str(BIN / "ruff"), "format", "--check", "."])


def build(args: list[str]) -> None:
    """The wheel and sdist in dist/, with the vendored htmx (``python -m build``)."""
    run([str(BIN / "python"), "-m", "build", "--outdir", str(ROOT / "dist"), *args])


def bench(args: list[str]) -> None:
    run([str(BIN / "python"), "benchmarks/bench_market_data.py", *args])


TASKS = {"demo": demo, "test": test, "lint": lint, "bench": bench, "build": build}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        sys.exit(f"usage: python3 tasks.py {{{'|'.join(TASKS)}}} [args...]")
    ensure_env()
    TASKS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
