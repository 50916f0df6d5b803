"""``scalp-radar live``: what it says before trading, and what it refuses (one line, exit 2)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from adapters.cli.main import main
from adapters.files.config_writer import apply_per_asset
from adapters.services.engine import Engine
from adapters.store.home import Home
from adapters.store.research_log import ResearchLog
from adapters.venue_sim.server import VenueSim
from adapters.venue_sim.signing import Credentials
from tests.adapters.live.live_kit import DAY, make_config, make_home, sim_markets

ROOT = Path(__file__).resolve().parents[3]
START = 1_748_736_000_000


def graded(home: Path, grades: dict[str, str]) -> None:
    engine = Engine(Home.resolve(str(home)))
    try:
        for asset, grade in grades.items():
            ResearchLog(engine.store).record_applied("grid_atr", asset, {}, grade, "")
    finally:
        engine.close()


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "home"
    graded(home, {"BTC/USDT": "A", "ETH/USDT": "C"})
    return home, make_config(tmp_path, live=True)


def live(home: Path, config: Path, *args: str) -> int:
    return main(["--home", str(home), "--config-dir", str(config), "live", *args])


def test_dry_run_says_what_trades_with_what_capital_and_what_does_not(setup, capsys) -> None:
    home, config = setup
    assert live(home, config, "--dry-run") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "live: capital 10,000.00 USDT, 1 runner(s)"
    # capital / 3 validated assets, capped at 25 % of the capital per asset: 2,500
    assert "  grid_atr:BTC/USDT (1h, leverage 3x): margin up to 2,500.00 USDT" in out
    assert "  not live: grid_atr:ETH/USDT: graded C; live trading needs grade A or B" in out
    assert (
        "  not live: grid_atr:SOL/USDT: no graded parameters applied; "
        "live trading needs grade A or B"
    ) in out


def test_live_on_bitget_is_refused_while_the_switch_is_off(setup, capsys, monkeypatch) -> None:
    monkeypatch.delenv("LIVE_TRADING", raising=False)
    home, config = setup
    assert live(home, config) == 2
    err = capsys.readouterr().err
    assert (
        err
        == "scalp-radar: error: live trading is off: set LIVE_TRADING=true (environment or .env)\n"
    )


def test_live_is_refused_when_the_keys_are_missing(setup, capsys, monkeypatch) -> None:
    monkeypatch.setenv("LIVE_TRADING", "true")
    for var in ("BITGET_API_KEY", "BITGET_API_SECRET", "BITGET_PASSPHRASE"):
        monkeypatch.delenv(var, raising=False)
    home, config = setup
    assert live(home, config) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "BITGET_API_KEY" in err[0]


@pytest.mark.parametrize("venue", ["binance", "sim:", "sim:0", "sim:99999", "sim:x"])
def test_an_unknown_venue_is_refused(setup, capsys, venue) -> None:
    home, config = setup
    assert live(home, config, "--venue", venue) == 2
    assert "--venue" in capsys.readouterr().err


def test_no_runner_to_trade_is_refused(tmp_path: Path, capsys) -> None:
    home = tmp_path / "home"
    graded(home, {"BTC/USDT": "A"})
    config = make_config(tmp_path, live=False)
    assert live(home, config, "--venue", "sim:8124") == 2
    assert "no runner goes live" in capsys.readouterr().err


def test_the_keys_are_never_logged_nor_stored(tmp_path: Path) -> None:
    """Real keys from a .env, the real-venue path (``--venue bitget``) pointed at the local
    Bitget that knows them; after a few seconds of trading, neither the output nor any file of
    the home holds any of them."""
    key, secret, passphrase = "k-3f9a1c77e2", "s-8d0b44e19aa7c2", "p-51e7c0d3"
    home = make_home(tmp_path)
    graded(home, {"BTC/USDT": "A", "ETH/USDT": "A", "SOL/USDT": "A"})
    config = make_config(tmp_path, live=True)
    (home / ".env").write_text(
        f"LIVE_TRADING=true\nBITGET_API_KEY={key}\nBITGET_API_SECRET={secret}\n"
        f"BITGET_PASSPHRASE={passphrase}\n"
    )
    engine = Engine(Home.resolve(str(home)))
    try:
        markets = sim_markets(engine, ("BTC/USDT", "ETH/USDT", "SOL/USDT"), START + 3 * DAY)
    finally:
        engine.close()
    sim = VenueSim(markets, START, 3_600_000, credentials=Credentials(key, secret, passphrase),
                   lockstep=False, speed=20.0, reaction_ms=20)  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BITGET_", "LIVE_"))}
    with sim.serve():
        env["SCALP_RADAR_API_URL_BITGET"] = sim.url
        env["SCALP_RADAR_WS_URL_BITGET"] = sim.ws_url  # the order stream logs in with the keys
        argv = [sys.executable, "-m", "adapters.cli.main", "--home", str(home)]
        argv += ["--config-dir", str(config), "live"]
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        time.sleep(12)
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
        traded = sim.state().client_oids
    text = output.decode()
    assert "live live: trading on bitget" in text, text[-2000:]
    assert traded, "the process must have sent orders for the check to mean something"
    for name in (key, secret, passphrase):
        assert name not in text
        for path in home.rglob("*"):
            if path.is_file() and path.name != ".env":
                assert name.encode() not in path.read_bytes(), f"{name} found in {path}"


def go_live(config: Path, strategy: str) -> None:
    """``strategy`` enabled and live in the config (its per_asset written separately)."""
    path = config / "strategies.yaml"
    section = re.compile(rf"^{strategy}:[^\n]*\n  enabled: false$", re.M)
    text, found = section.subn(f"{strategy}:\n  live: true\n  enabled: true", path.read_text())
    assert found == 1
    path.write_text(text)


def test_two_live_runners_on_one_symbol_are_refused(tmp_path: Path, capsys) -> None:
    """Bitget nets a symbol's orders into one position: a grid and another runner on BTC would
    trade each other's position (bug G of the earlier system)."""
    home = tmp_path / "home"
    config = make_config(tmp_path, assets=("BTC/USDT",), live=True)
    go_live(config, "envelope_dca")
    apply_per_asset(config, "envelope_dca", "BTC/USDT", {"sl_percent": 20.0})
    engine = Engine(Home.resolve(str(home)))
    try:
        log = ResearchLog(engine.store)
        log.record_applied("grid_atr", "BTC/USDT", {}, "A", "")
        log.record_applied("envelope_dca", "BTC/USDT", {}, "B", "")
    finally:
        engine.close()
    assert live(home, config, "--dry-run") == 2
    err = capsys.readouterr().err
    assert "envelope_dca:BTC/USDT, grid_atr:BTC/USDT: one symbol, several live runners" in err


def test_a_mono_strategy_graded_b_goes_live_beside_a_grid(tmp_path: Path, capsys) -> None:
    home = tmp_path / "home"
    config = make_config(tmp_path, assets=("BTC/USDT",), live=True)
    go_live(config, "supertrend")
    apply_per_asset(config, "supertrend", "ETH/USDT", {})
    engine = Engine(Home.resolve(str(home)))
    try:
        log = ResearchLog(engine.store)
        log.record_applied("grid_atr", "BTC/USDT", {}, "A", "")
        log.record_applied("supertrend", "ETH/USDT", {}, "B", "")
    finally:
        engine.close()
    assert live(home, config, "--dry-run") == 0
    out = capsys.readouterr().out
    assert out.startswith("live: capital 10,000.00 USDT, 2 runner(s)\n")
    assert "  grid_atr:BTC/USDT (1h, leverage 3x)" in out
    assert "  supertrend:ETH/USDT (1h, leverage" in out


def test_a_rehearsal_on_a_port_nothing_listens_on_is_one_line(setup, capsys) -> None:
    home, config = setup
    assert live(home, config, "--venue", "sim:9") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("scalp-radar: error: live rehearsal:"), err


def test_a_free_running_simulator_is_not_stepped_by_a_rehearsal(tmp_path: Path) -> None:
    """``--speed`` runs the local Bitget on its own clock: ``/sim/step`` refuses (409) rather
    than step it twice as fast."""
    home = make_home(tmp_path)
    engine = Engine(Home.resolve(str(home)))
    try:
        markets = sim_markets(engine, ("BTC/USDT",), START + DAY)
    finally:
        engine.close()
    sim = VenueSim(markets, START, 3_600_000, lockstep=False, speed=0.001)
    with sim.serve(), httpx.Client(base_url=sim.url) as client:
        answer = client.post("/sim/step")
    assert answer.status_code == 409 and "--lockstep" in answer.json()["error"]
