"""The built wheel works on its own: it ships the pinned htmx files, and a fresh virtualenv with
only the wheel installed runs the demo on the shipped sample and serves every page.

Slow (a build, an install, the demo): marked ``wheel``. Where the ``build`` package or npm is
missing the tests skip, except under ``TEST_WHEEL_REQUIRED=1`` (CI), where they fail.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

from tests.web.serving import serving
from web.vendor_assets import ASSETS

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "/scanner",
    "/positions",
    "/equity",
    "/live",
    "/research",
    "/explorer",
    "/portfolio",
    "/status",
]
pytestmark = pytest.mark.wheel


def _unavailable(reason: str) -> None:
    if os.environ.get("TEST_WHEEL_REQUIRED") == "1":
        pytest.fail(f"the wheel tests are required here but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m build`` of this checkout (sdist, then the wheel from it)."""
    if importlib.util.find_spec("build") is None:
        _unavailable("the build package is not installed (pip install build)")
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return next(out.glob("*.whl"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``scalp-radar`` script of a fresh virtualenv holding the wheel and its dependencies."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(env_dir)
    pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q"]
    done = subprocess.run([*pip, str(wheel)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return env_dir / "bin" / "scalp-radar"


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working directory away from the checkout, so nothing is imported from it."""
    return tmp_path_factory.mktemp("elsewhere")


@pytest.fixture(scope="module")
def demo_home(installed: Path, outside: Path) -> tuple[Path, subprocess.CompletedProcess]:
    home = outside / "home"
    done = subprocess.run(
        [str(installed), "--home", str(home), "demo", "--no-serve"],
        cwd=outside,
        env=_without_checkout(),
        capture_output=True,
        text=True,
    )
    return home, done


@pytest.fixture(scope="module")
def served(installed: Path, demo_home, outside: Path):
    home, _ = demo_home
    program = (str(installed),)
    with serving(home, None, "wheel-key", program=program, cwd=outside) as base:
        yield base


def _without_checkout() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _pinned_tarball(package: str, into: Path) -> Path:
    """The npm tarball of ``package`` at the version package-lock.json pins, checked against
    the lock's sha512 ``integrity``: the reference the shipped files are compared with."""
    npm = shutil.which("npm")
    if npm is None:
        _unavailable("npm is missing (apt-get install npm)")
    pinned = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    entry = pinned[f"node_modules/{package}"]
    cmd = [npm, "pack", f"{package}@{entry['version']}", "--pack-destination", str(into)]
    done = subprocess.run([*cmd, "--json", "--prefer-offline"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    tarball = into / json.loads(done.stdout)[0]["filename"]
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    assert f"sha512-{digest}" == entry["integrity"]
    return tarball


@pytest.mark.parametrize("folder", sorted(ASSETS))
def test_the_wheel_ships_the_pinned_npm_file(wheel: Path, folder: str, tmp_path: Path) -> None:
    package, name = ASSETS[folder]
    with tarfile.open(_pinned_tarball(package, tmp_path)) as tar:
        reference = tar.extractfile(f"package/{name}").read()
    with zipfile.ZipFile(wheel) as shipped:
        assert shipped.read(f"web/vendor/{folder}/{Path(name).name}") == reference


def test_the_installed_wheel_runs_the_demo_on_the_shipped_sample(demo_home) -> None:
    _, done = demo_home
    assert done.returncode == 0, done.stderr[-3000:]
    shipped = len(list((ROOT / "sample_data").glob("*.csv*")))  # found beside the packages
    assert f"imported {shipped} file(s)" in done.stdout
    assert "open positions" in done.stdout  # through to the portfolio's status


@pytest.mark.parametrize(
    "path",
    [*PAGES, "/static/vendor/htmx/htmx.min.js", "/static/vendor/htmx-ext-sse/sse.min.js"],
)
def test_the_installed_wheel_serves(served: str, path: str) -> None:
    with urllib.request.urlopen(served + path, timeout=30) as answer:
        assert answer.status == 200
        assert answer.read()


def test_the_installed_wheel_serves_a_research_run(served: str) -> None:
    with urllib.request.urlopen(served + "/research", timeout=30) as answer:
        runs = re.findall(r'href="(/research/runs/[^"]+)"', answer.read().decode())
    assert runs  # the demo's walk-forwards
    with urllib.request.urlopen(served + runs[0], timeout=30) as answer:
        assert answer.status == 200
