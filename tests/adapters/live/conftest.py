"""The venue of the failure scenarios: the local Bitget on one symbol (BTC), one grid runner, six
days of the sample from 2025-06-01, and an engine on its home."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adapters.live.live_kit import DAY, rehearsal

START = 1_748_736_000_000  # 2025-06-01


@pytest.fixture
def venue(tmp_path: Path):
    with rehearsal(tmp_path, START, assets=("BTC/USDT",), end=START + 6 * DAY) as r:
        engine = r.engine()
        try:
            yield r, engine
        finally:
            engine.close()
