"""The containers' set-up, checked without Docker: compose.yaml's services, volumes, healthchecks
and variables (against .env.example), the Dockerfile's stages; then the commands compose runs,
started as plain processes on one PostgreSQL store, each service with its own home:

- the trading command replays (``paper --replay``) and its healthcheck reads its portfolio;
- the dashboard answers HTTP, its healthcheck passes, and it shows what the trading process
  stored within a second;
- the notifier (``notify --dry-run``) tells the trading process's session.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from config.secrets import ENV_VARS
from tests.adapters.paper_kit import FILES, SPECS, make_config
from tests.store_kit import Stores, require_postgres
from tests.stubs import SAMPLE_DATA
from tests.web.serving import serving

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
APP = ("trading", "dashboard", "notifier")
CLI = (sys.executable, "-m", "adapters.cli.main")
REPLAY = ["--replay", "--from", "2025-01-01", "--to", "2025-02-01"]


def _example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {name: value for name, value in pairs}


def _mounts(service: str) -> dict[str, str]:
    """Named volume -> where the service mounts it."""
    return dict(v.split(":", 1) for v in SERVICES[service]["volumes"])


# -- the files --------------------------------------------------------------------------------
def test_compose_runs_the_store_and_three_services() -> None:
    assert set(SERVICES) == {"postgres", *APP}
    for name in APP:
        service = SERVICES[name]
        assert service["restart"] == "unless-stopped"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["environment"]["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
        assert service["healthcheck"]["test"]
    assert SERVICES["postgres"]["healthcheck"]["test"]


def test_each_service_has_its_own_home_and_shares_the_locks() -> None:
    homes = {name: next(v for v, at in _mounts(name).items() if at == "/data/home") for name in APP}
    assert len(set(homes.values())) == len(APP)
    assert all(_mounts(name)["locks"] == "/data/locks" for name in APP)
    used = {v for name in SERVICES for v in _mounts(name)}
    assert used == set(COMPOSE["volumes"])


def test_the_dashboards_healthcheck_loads_a_page() -> None:
    assert "http://127.0.0.1:8000/status" in " ".join(SERVICES["dashboard"]["healthcheck"]["test"])


def test_every_variable_compose_reads_is_in_env_example() -> None:
    text = (ROOT / "compose.yaml").read_text()
    used = set(re.findall(r"\$\{(\w+)", text))
    assert used and used <= set(_example())


def test_env_example_lists_every_secret_and_holds_none() -> None:
    example = _example()
    assert set(ENV_VARS.values()) <= set(example)
    assert all(not example[name] for name in ENV_VARS.values() if name != "LIVE_TRADING")
    assert example["LIVE_TRADING"] == "false" and not example["POSTGRES_PASSWORD"]


def test_the_image_is_built_in_two_pinned_stages_and_runs_as_a_user() -> None:
    text = (ROOT / "Dockerfile").read_text()
    bases = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert len(bases) == 2 and all(re.search(r":\d+\.\d+\.\d+", b) for b in bases)
    final = text.split("\nFROM ")[-1]
    assert "COPY --from=build" in final and re.search(r"^USER (?!root)\w+", final, re.MULTILINE)
    assert "npm" not in final.split("#")[0] and "build-essential" not in final


def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if not docker or subprocess.run([docker, "compose", "version"], capture_output=True).returncode:
        pytest.skip("docker compose is not installed here (the checks above run instead)")
    env = tmp_path / ".env"
    shutil.copy(ROOT / ".env.example", env)
    argv = [docker, "compose", "-f", str(ROOT / "compose.yaml"), "--env-file", str(env)]
    done = subprocess.run([*argv, "config", "-q"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# -- the entry points, as plain processes on PostgreSQL ---------------------------------------
def _command(service: str) -> list[str]:
    """What compose runs in ``service``, its variables filled in from .env.example."""
    example = _example()
    return [
        re.sub(r"\$\{(\w+)\}", lambda m: example[m[1]], a) for a in SERVICES[service]["command"]
    ]


def _run(home: Path, argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "--home", str(home), *argv], capture_output=True, text=True)


def _shows_the_portfolio(base: str) -> bool:
    with urllib.request.urlopen(base + "/equity", timeout=10) as answer:
        return "No paper portfolio yet" not in answer.read().decode()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory):
    """The three services' homes on one fresh PostgreSQL store, the trading process's replay
    run while the dashboard serves, and how long the dashboard took to show it."""
    require_postgres()
    root = tmp_path_factory.mktemp("deployment")
    homes = {name: root / name for name in APP}
    config = make_config(root, "BTC/USDT")
    with Stores("postgres").fresh(), pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCALP_RADAR_LOCK_DIR", str(root / "locks"))
        patch.setenv("SCALP_RADAR_CONFIG_DIR", str(config))
        files = [str(SAMPLE_DATA / name) for name in (*FILES, SPECS)]
        assert _run(homes["trading"], ["data", "import", *files]).returncode == 0
        dashboard = _command("dashboard")
        assert dashboard[:2] == ["serve", "--host"]  # served on 127.0.0.1 here, a free port
        with serving(homes["dashboard"], config, "deploy-key") as base:
            assert not _shows_the_portfolio(base)
            trading = _run(homes["trading"], [*_command("trading"), *REPLAY])
            stored = time.monotonic()
            while not _shows_the_portfolio(base) and time.monotonic() - stored < 10:
                time.sleep(0.05)
            seen = time.monotonic() - stored
            health = _dashboard_health(base)
        yield homes, trading, seen, health


def _dashboard_health(base: str) -> subprocess.CompletedProcess:
    """The dashboard's compose healthcheck (``CMD python -c ...``), at the port served here."""
    _, _, flag, code = SERVICES["dashboard"]["healthcheck"]["test"]
    code = code.replace("http://127.0.0.1:8000", base)
    return subprocess.run([sys.executable, flag, code], capture_output=True, text=True)


def test_the_trading_command_replays_on_postgres(deployment) -> None:
    _, trading, _, _ = deployment
    assert trading.returncode == 0, trading.stderr[-2000:]


def test_the_dashboard_shows_the_trading_processs_events_within_a_second(deployment) -> None:
    _, _, seen, _ = deployment
    assert seen < 1.0


def test_the_dashboards_healthcheck_passes(deployment) -> None:
    *_, health = deployment
    assert health.returncode == 0, health.stderr


def test_the_trading_healthcheck_reads_its_portfolio(deployment) -> None:
    homes, *_ = deployment
    check = SERVICES["trading"]["healthcheck"]["test"][1]
    assert check.startswith('scalp-radar status --portfolio "$${SCALP_RADAR_TRADING}" --json')
    # the portfolio is named after the command (paper, live); read from another home
    done = _run(homes["notifier"], ["status", "--portfolio", _command("trading")[0], "--json"])
    assert done.returncode == 0, done.stderr


def test_the_notifiers_healthcheck_reports(deployment) -> None:
    homes, *_ = deployment
    test = SERVICES["notifier"]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "scalp-radar"]
    assert _run(homes["notifier"], test[2:]).returncode == 0


def test_the_notifier_tells_the_trading_processs_session(deployment) -> None:
    homes, *_ = deployment
    done = _run(homes["notifier"], ["notify", "--dry-run"])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "paper" in done.stdout and "started" in done.stdout.lower()
