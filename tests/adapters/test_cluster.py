"""``optimize --cluster``: a Dask LocalCluster of two worker processes gives the summaries a
local run gives, recorded by this process; a missing extra or scheduler is one line, exit 2."""

from __future__ import annotations

import fcntl
import socket
import threading
from pathlib import Path

import pytest

from adapters.cli.main import main
from adapters.services import cluster_target
from adapters.services.engine import Engine
from adapters.store.home import Home
from config.loader import load_settings
from domain.research import OptimizationCompleted
from tests.adapters.test_cli_optimize import config, home, run  # noqa: F401 - fixtures

pytest.importorskip("distributed")
from adapters.services import cluster

ARGS = ["--strategy", "grid_atr", "--symbol", "BTC/USDT,ETH/USDT", "--json"]


def _recorded(folder: Path) -> list[dict]:
    """The summaries of the OptimizationCompleted events in the store, oldest first."""
    engine = Engine(Home(folder))
    store = engine.research.store
    try:
        page = store.recorder.select_notifications(1, 100, topics=[OptimizationCompleted.TOPIC])
        return [store.mapper.to_domain_event(n).summary for n in page]
    finally:
        engine.close()


def _without_duration(summary: dict) -> tuple[tuple[str, str], dict]:
    return (summary["strategy"], summary["symbol"]), {
        k: v for k, v in summary.items() if k != "duration_s"
    }


@pytest.mark.cluster
def test_a_local_cluster_of_two_workers_records_the_summaries_a_local_run_does(
    home: Path,  # noqa: F811
    config: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch,
) -> None:
    before = len(_recorded(home))
    assert main(run(home, config, *ARGS)) == 0
    # the workers' warm-up lock in this test's folder: the warm-up is the one part that may wait
    monkeypatch.setattr(cluster, "WARM_LOCK", tmp_path / "warm.lock")
    assert main(run(home, config, *ARGS, "--workers", "2", "--cluster", "local")) == 0
    runs = _recorded(home)[before:]
    assert len(runs) == 4  # two jobs here, the same two on the cluster
    local = dict(_without_duration(s) for s in runs[:2])
    on_cluster = dict(_without_duration(s) for s in runs[2:])
    assert set(on_cluster) == {("grid_atr", "BTC/USDT"), ("grid_atr", "ETH/USDT")}
    assert on_cluster == local


def _one_error_line(capsys, *words: str) -> None:
    """One error line holding ``words`` (a first command's catch-up may draw a progress bar)."""
    errors = [x for x in capsys.readouterr().err.splitlines() if "error" in x]
    assert len(errors) == 1 and all(w in errors[0] for w in words), errors


def test_without_the_extra_it_names_the_install_and_exits_2(
    home: Path,  # noqa: F811
    config: Path,  # noqa: F811
    capsys,
    monkeypatch,
) -> None:
    monkeypatch.setattr(cluster_target, "find_spec", lambda _name: None)
    assert main(run(home, config, *ARGS, "--cluster", "local")) == 2
    _one_error_line(capsys, "pip install scalp-radar[cluster]")


def test_an_unreachable_scheduler_names_its_address_and_exits_2(
    home: Path,  # noqa: F811
    config: Path,  # noqa: F811
    capsys,
    monkeypatch,
) -> None:
    with socket.socket() as free:  # a port nobody listens on
        free.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{free.getsockname()[1]}"
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 1.0)
    assert main(run(home, config, *ARGS, "--cluster", address)) == 2
    _one_error_line(capsys, address, "pip install scalp-radar[cluster]")


@pytest.mark.parametrize("address", ["remote", "tcp://", "tcp://host", "127.0.0.1:8786", ""])
def test_a_cluster_that_is_not_an_address_exits_2(tmp_path: Path, capsys, address: str) -> None:
    args = ["--home", str(tmp_path / "h"), "optimize", *ARGS, "--cluster", address]
    assert main(args) == 2
    _one_error_line(capsys, f"--cluster {address!r}", "tcp://HOST:PORT")


def test_local_and_addresses_pass_the_check() -> None:
    assert cluster_target.check_address(" local") == "local"
    assert cluster_target.check_address("tcp://10.0.0.5:8786") == "tcp://10.0.0.5:8786"


def test_a_dry_run_on_the_cluster_says_what_the_cluster_adds(
    home: Path,  # noqa: F811
    config: Path,  # noqa: F811
    capsys,
) -> None:
    before = len(_recorded(home))
    assert main(run(home, config, *ARGS, "--dry-run", "--cluster", "local")) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("2 job(s), ")
    assert lines[-1].startswith("on the cluster: a LocalCluster adds about 7 s")
    assert len(_recorded(home)) == before


def test_a_worker_warms_the_cache_only_when_no_other_worker_of_its_machine_does(
    tmp_path: Path, monkeypatch
) -> None:
    lock = tmp_path / "warm.lock"
    monkeypatch.setattr(cluster, "WARM_LOCK", lock)
    warmed: list[tuple[str, ...]] = []
    monkeypatch.setattr(cluster, "warm", lambda _settings, _done, only: warmed.append(only))
    plugin = cluster.WarmCache(load_settings(), ["grid_atr"])
    with lock.open("a") as other_worker:
        fcntl.flock(other_worker, fcntl.LOCK_EX)
        waiting = threading.Thread(target=plugin._warm)
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive() and warmed == []  # the other worker is still compiling
    waiting.join(5)
    assert warmed == [("grid_atr",)]
