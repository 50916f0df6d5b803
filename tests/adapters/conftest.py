"""Fixtures of the Telegram tests (``test_notify``, ``test_notify_reports``): the fake Bot API
on 127.0.0.1, and a home with a paper replay of the sample data."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.cli.main import main
from tests.adapters.fake_telegram import FakeTelegram
from tests.adapters.paper_kit import make_config, make_home


@pytest.fixture
def telegram():
    fake = FakeTelegram()
    with fake.serve() as url:
        fake.url = url  # type: ignore[attr-defined]
        yield fake


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("notify")
    home, config = make_home(root), make_config(root, "BTC/USDT")
    # every message one by one (the digest has its own test)
    notify = config / "notify.yaml"
    notify.write_text(notify.read_text().replace("digest_after: 20", "digest_after: 0"))
    args = ["--home", str(home), "--config-dir", str(config)]
    assert main([*args, "paper", "--replay", "--from", "2025-01-01", "--to", "2025-04-01"]) == 0
    return home, config
