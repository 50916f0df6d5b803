"""Fixtures: a home whose read DB holds hand-made research runs, and test clients over it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from adapters.services.engine import Engine
from config.loader import load_settings
from tests.web.kit import paper_home, populated_home
from tests.web.rehearsal_home import RehearsalHome, rehearsal_home
from web.app import create_app

API_KEY = "test-key-123"


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, list[str]]]:
    engine, run_ids = populated_home(tmp_path_factory.mktemp("home"))
    yield engine, run_ids
    engine.close()


@pytest.fixture(scope="module")
def client(populated) -> Iterator[TestClient]:
    engine, _ = populated
    with TestClient(app=create_app(engine, API_KEY, settings=load_settings())) as c:
        yield c


@pytest.fixture
def run_ids(populated) -> list[str]:
    return populated[1]


@pytest.fixture
def empty_client(tmp_path: Path) -> Iterator[TestClient]:
    from adapters.store.home import Home

    engine = Engine(Home(tmp_path))
    with TestClient(app=create_app(engine, None, settings=load_settings())) as c:
        yield c
    engine.close()


@pytest.fixture(scope="session")
def paper_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(home, config) of ``kit.paper_home``, built once: copy it (``paper_copy``) to write."""
    return paper_home(tmp_path_factory.mktemp("paper_source"))


def paper_copy(source: tuple[Path, Path], root: Path) -> tuple[Path, Path]:
    home, config = source
    target = root / "home"
    shutil.copytree(home, target)
    return target, config


@pytest.fixture(scope="session")
def rehearsal_source(tmp_path_factory: pytest.TempPathFactory) -> RehearsalHome:
    """``rehearsal_home``, built once: copy its home (``paper_copy``) to write."""
    return rehearsal_home(tmp_path_factory.mktemp("rehearsal_source"))
