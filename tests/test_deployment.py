"""The containers' set-up, checked without Docker: compose.yaml's services, volumes, healthchecks
and variables (against .env.example), the Dockerfile's stages; then the commands compose runs,
started as plain processes on one PostgreSQL store, each service with its own home:

- the trading command replays (``paper --replay``) and its healthcheck reads its portfolio;
- the dashboard answers HTTP and its healthcheck passes;
- the three see each other's events within a second: the dashboard and the notifier what the
  trading process stored, the trading process the dashboard's kill-switch reset (left to it
  through the shared lock folder);
- ``notify --dry-run`` on a fresh home tells the trading process's session.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from adapters.services.portfolio_commands import is_running
from config.secrets import ENV_VARS
from tests.adapters.fake_telegram import TOKEN, FakeTelegram
from tests.adapters.paper_kit import FILES, SPECS, make_config
from tests.store_kit import EVENTS_TABLE, Stores, connect, pg_settings, require_postgres
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


def test_the_dashboard_is_published_on_the_port_it_serves_on_this_machine_only() -> None:
    dashboard = SERVICES["dashboard"]
    assert dashboard["command"][-2:] == ["--port", "${DASHBOARD_PORT}"]
    assert dashboard["ports"] == ["127.0.0.1:${DASHBOARD_PORT}:${DASHBOARD_PORT}"]


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
    final = "\n".join(
        line for line in text.split("\nFROM ")[-1].splitlines() if not line.startswith("#")
    )
    assert "COPY --from=build" in final and re.search(r"^USER (?!root)\w+", final, re.MULTILINE)
    assert not any(tool in final for tool in ("npm", "gcc", "build-essential", "-m build"))


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


def _within(seconds: float, seen: Callable[[], bool], since: float) -> float:
    """How long after ``since`` ``seen`` became true (polled; ``seconds`` at most)."""
    while not seen() and time.monotonic() - since < seconds:
        time.sleep(0.02)
    return time.monotonic() - since


def _first_stored(topic: str) -> datetime | None:
    """When the first event whose topic starts with ``topic`` was made (its timestamp, set by
    the process that made it), None before there is one."""
    query = f"SELECT state FROM {os.environ['POSTGRES_SCHEMA']}.{EVENTS_TABLE} "
    query += "WHERE topic LIKE %s ORDER BY notification_id LIMIT 1"
    with connect(pg_settings()) as conn:
        row = conn.execute(query, (f"{topic}%",)).fetchone()
    return datetime.fromisoformat(json.loads(row[0])["timestamp"]["_data_"]) if row else None


def _quick_notifier(config: Path) -> None:
    """Poll the store every 0.2 s (the default is 5 s), no scheduled report."""
    notify = config / "notify.yaml"
    text = notify.read_text().replace("poll_seconds: 5.0", "poll_seconds: 0.2")
    text = text.replace("heartbeat_minutes: 60", "heartbeat_minutes: 0")
    text = text.replace('daily_report_at: "08:00"', 'daily_report_at: "off"')
    notify.write_text(text.replace("weekly_report_on: monday", 'weekly_report_on: "off"'))


@contextmanager
def _running(home: Path, argv: list[str], **env: str) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        [*CLI, "--home", str(home), *argv],
        env=os.environ | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield process
    finally:
        process.terminate()  # SIGTERM: stops as Ctrl-C does
        process.wait(30)


@dataclass
class Deployment:
    homes: dict[str, Path]
    trading: subprocess.CompletedProcess | None = None  # the first replay
    dashboard_saw: float = 0.0  # seconds from the replay's end to the dashboard showing it
    notifier_saw: float = 0.0  # ... to the notifier telling its stop on Telegram
    reset: str = ""  # the dashboard's answer to a kill-switch reset while trading runs
    trading_saw: float = 0.0  # seconds from that request's event to the trading process's answer
    health: subprocess.CompletedProcess | None = None


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The three services on one fresh PostgreSQL store, each with its own home and sharing
    the lock folder: the trading process replays while the dashboard serves and the notifier
    runs; then the dashboard asks a running trading process for a kill-switch reset."""
    require_postgres()
    root = tmp_path_factory.mktemp("deployment")
    found = Deployment({name: root / name for name in APP})
    homes = found.homes
    config = make_config(root, "BTC/USDT")
    _quick_notifier(config)
    assert _command("dashboard")[:2] == ["serve", "--host"]  # here 127.0.0.1, a free port
    with Stores("postgres").fresh(), pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCALP_RADAR_LOCK_DIR", str(root / "locks"))
        patch.setenv("SCALP_RADAR_CONFIG_DIR", str(config))
        files = [str(SAMPLE_DATA / name) for name in (*FILES, SPECS)]
        assert _run(homes["trading"], ["data", "import", *files]).returncode == 0
        telegram = FakeTelegram()
        with (
            telegram.serve() as url,
            serving(homes["dashboard"], config, "deploy-key") as base,
            _running(
                homes["notifier"],
                _command("notifier"),
                SCALP_RADAR_TELEGRAM_API=url,
                TELEGRAM_BOT_TOKEN=TOKEN,
                TELEGRAM_CHAT_ID="42",
            ),  # fmt: skip
        ):
            assert not _shows_the_portfolio(base)
            found.trading = _run(homes["trading"], [*_command("trading"), *REPLAY])
            stored = time.monotonic()
            found.dashboard_saw = _within(10, lambda: _shows_the_portfolio(base), stored)
            stopped = lambda: any("stopped (" in t for t in telegram.texts())  # noqa: E731
            found.notifier_saw = _within(10, stopped, stored)
            _ask_a_running_trader(found, base)
            found.health = _dashboard_health(base)
        yield found


def _ask_a_running_trader(found: Deployment, base: str) -> None:
    """A kill-switch reset from the dashboard while the trading process replays (slowly):
    the shared lock folder tells the dashboard to leave it to that process."""
    slow = [*_command("trading"), "--replay", "--to", "2025-06-01", "--speed", "36000"]
    with _running(found.homes["trading"], slow):
        running = lambda: is_running(Path(os.environ["SCALP_RADAR_LOCK_DIR"]))  # noqa: E731
        assert _within(30, running, time.monotonic()) < 30
        form = urllib.parse.urlencode({"portfolio": "paper", "runner": ""}).encode()
        request = urllib.request.Request(
            base + "/positions/kill-switch/reset", data=form, headers={"X-API-Key": "deploy-key"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            found.reset = answer.read().decode()
        answer = "scalp_radar:Simulator.KillSwitchReset"  # Reset or ResetRefused
        assert _within(10, lambda: _first_stored(answer) is not None, time.monotonic()) < 10
        asked = _first_stored("scalp_radar:KillSwitchResetRequested")
        found.trading_saw = (_first_stored(answer) - asked).total_seconds()


def _dashboard_health(base: str) -> subprocess.CompletedProcess:
    """The dashboard's compose healthcheck (``CMD python -c ...``), at the port served here."""
    _, _, flag, code = SERVICES["dashboard"]["healthcheck"]["test"]
    env = os.environ | {"DASHBOARD_PORT": base.rsplit(":", 1)[1]}
    return subprocess.run([sys.executable, flag, code], env=env, capture_output=True, text=True)


def test_the_trading_command_replays_on_postgres(deployment: Deployment) -> None:
    assert deployment.trading.returncode == 0, deployment.trading.stderr[-2000:]


def test_the_dashboard_shows_the_trading_processs_events_within_a_second(
    deployment: Deployment,
) -> None:
    assert deployment.dashboard_saw < 1.0


def test_the_notifier_tells_the_trading_processs_events_within_a_second(
    deployment: Deployment,
) -> None:
    assert deployment.notifier_saw < 1.0


def test_the_dashboard_leaves_a_reset_to_the_running_trading_process(
    deployment: Deployment,
) -> None:
    assert "the running paper process applies it" in deployment.reset


def test_the_trading_process_answers_the_dashboard_within_a_second(
    deployment: Deployment,
) -> None:
    assert deployment.trading_saw < 1.0


def test_the_dashboards_healthcheck_passes(deployment: Deployment) -> None:
    assert deployment.health.returncode == 0, deployment.health.stderr


def test_the_trading_healthcheck_reads_its_portfolio(deployment: Deployment) -> None:
    homes = deployment.homes
    check = SERVICES["trading"]["healthcheck"]["test"][1]
    assert check.startswith('scalp-radar status --portfolio "$${SCALP_RADAR_TRADING}" --json')
    # the portfolio is named after the command (paper, live); read from another home
    done = _run(homes["notifier"], ["status", "--portfolio", _command("trading")[0], "--json"])
    assert done.returncode == 0, done.stderr


def test_the_notifiers_healthcheck_reports(deployment: Deployment) -> None:
    homes = deployment.homes
    test = SERVICES["notifier"]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "scalp-radar"]
    assert _run(homes["notifier"], test[2:]).returncode == 0


def test_a_fresh_notifier_tells_the_trading_processs_session(deployment: Deployment) -> None:
    fresh = deployment.homes["notifier"].parent / "fresh-notifier"  # nothing delivered yet
    done = _run(fresh, ["notify", "--dry-run"])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "paper" in done.stdout and "started" in done.stdout.lower()
