"""The dashboard's browser assets, vendored into the package so that a wheel serves them.

npm installs htmx and its SSE extension into ``node_modules`` exactly as package-lock.json pins
them (``npm ci`` checks each tarball's sha512); ``vendor`` copies the files the pages load into
``web/vendor/`` (gitignored), which the wheel ships as package data and the app serves from.
``tasks.py`` runs it after ``npm ci``, so ``python -m build`` in a set-up clone packages them.
Standard library only: ``tasks.py`` imports it before any dependency is installed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

VENDOR_DIR = Path(__file__).resolve().parent / "vendor"
# URL folder under /static/vendor/ -> (npm package, the file of it the pages load)
ASSETS = {
    "htmx": ("htmx.org", "dist/htmx.min.js"),
    "htmx-ext-sse": ("htmx-ext-sse", "dist/sse.min.js"),
}


def vendored(folder: str) -> Path:
    """Where the package keeps the asset served under ``/static/vendor/<folder>/``."""
    return VENDOR_DIR / folder / Path(ASSETS[folder][1]).name


def missing() -> list[Path]:
    return [vendored(folder) for folder in ASSETS if not vendored(folder).is_file()]


def vendor(node_modules: Path) -> None:
    """Copy the pinned files from ``node_modules`` into the package (cheap: run every time, so
    a changed lock file never leaves a stale copy)."""
    for folder, (package, name) in ASSETS.items():
        target = vendored(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(node_modules / package / name, target)
