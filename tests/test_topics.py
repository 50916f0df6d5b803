"""Every stored event can be read back by a fresh process (explicit topics must resolve there)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from adapters.services.engine import Engine
from adapters.store.engine_sessions import engine_session
from adapters.store.home import Home
from adapters.store.operator_log import OperatorLog
from adapters.store.watchdog import Watchdog
from domain.candles import ContractSpec
from domain.market import FundingSeries, Market, OpenInterestSeries
from tests.domain.portfolio_kit import portfolio_report, portfolio_settings
from tests.stubs import T0, CandleStubs
from tests.web.kit import summary

READ_ALL = """
import sys
from pathlib import Path
from adapters.services.engine import Engine  # the composition root the CLI and the web start from
from adapters.store.home import Home
store = Engine(Home(Path(sys.argv[1]))).store
kinds = set()
for n in store.recorder.select_notifications(start=1, limit=100_000):
    kinds.add(type(store.mapper.to_domain_event(n)).__name__)
print(",".join(sorted(kinds)))
"""


def test_a_fresh_process_reads_every_kind_of_stored_event(tmp_path: Path) -> None:
    engine = Engine(Home(tmp_path))
    data = engine.market_data
    data.append_candles(Market("binance", "BTC/USDT", "1h"), CandleStubs.wave(3))
    data.append_funding(FundingSeries("binance", "BTC/USDT:USDT"), [(T0, 0.0001)])
    data.append_open_interest(OpenInterestSeries("binance", "BTC/USDT:USDT", "1h"), [(T0, 5.0)])
    data.record_specs([ContractSpec("binance", "BTC/USDT", 0.01, None, 1e-5)], "test", T0)
    run_id = engine.research.record_run(summary())
    engine.research.record_run(summary())  # a second run: reads the log's last event back
    engine.research.record_applied("grid_atr", "BTC/USDT", {"ma_period": 10}, "B", run_id)
    engine.portfolio_runs.record_run(portfolio_settings(), portfolio_report())
    operator = OperatorLog(engine.store, "paper")
    operator.request_reset("", "cli")
    operator.request_halt(True, "telegram")
    operator.request_flatten("cli")
    with engine_session(engine.store, "paper", "replay"):
        pass
    market = Market("binance", "BTC/USDT", "1h")
    later = T0 + 300 * 3_600_000  # the wave's candles ended long before
    dog = Watchdog(engine.store, engine.market_data, "paper", [market], lambda: later)
    dog.check()  # stale: told
    engine.market_data.append_candles(market, CandleStubs.wave(3, start=later - 2 * 3_600_000))
    dog.check()  # fresh again
    engine.close()
    done = subprocess.run(
        [sys.executable, "-c", READ_ALL, str(tmp_path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    found = done.stdout.strip()
    assert found.split(",") == sorted(
        [
            "CandleClosed",
            "ContractSpecRecorded",
            "DataFresh",
            "DataStale",
            "EngineStarted",
            "EngineStopped",
            "EntriesHaltRequested",
            "FlattenRequested",
            "FundingSettled",
            "KillSwitchResetRequested",
            "OpenInterestRecorded",
            "OptimizationCompleted",
            "ParamsApplied",
            "PortfolioBacktestCompleted",
            "SeriesListed",
        ]
    )
