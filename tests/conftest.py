"""Test-wide settings.

On CI (``CI`` set) hypothesis runs derandomized: every run draws the same examples, so a green
run stays green and a red one is reproducible; locally examples stay random to keep exploring.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from tests.store_kit import Stores, require_postgres

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def store(request: pytest.FixtureRequest) -> Stores:
    """Run the test once with the events in SQLite and once in PostgreSQL (tests.store_kit)."""
    if request.param == "postgres":
        require_postgres()
    return Stores(request.param)
