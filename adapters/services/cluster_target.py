"""Where ``--cluster`` sends jobs: ``local`` (a LocalCluster on this machine) or a running Dask
scheduler's ``tcp://HOST:PORT``. Checked before any work, without importing Dask (an optional
extra, loaded only by ``adapters.services.cluster`` when a run uses it)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.util import find_spec

from config.settings import Settings

LOCAL = "local"
INSTALL = "pip install scalp-radar[cluster]"
# ``serve --cluster``: the address the dashboard's process reads (uvicorn builds the app)
CLUSTER_ENV = "SCALP_RADAR_CLUSTER"


class ClusterError(RuntimeError):
    """The cluster cannot be used: the extra is missing, the address is not one, or no
    scheduler answers (CLI exit 2)."""


@dataclass(frozen=True, slots=True)
class ClusterTarget:
    """Where jobs go and the settings whose kernels the workers warm before their first job."""

    address: str  # ``local`` or ``tcp://HOST:PORT``
    settings: Settings


def check_address(address: str) -> str:
    """``local`` or ``tcp://HOST:PORT``, else ClusterError naming it (or naming the install
    when the extra is missing)."""
    text = address.strip()
    if find_spec("distributed") is None:
        raise ClusterError(f"--cluster needs Dask distributed: {INSTALL}")
    if text == LOCAL:
        return text
    host, _, port = text.removeprefix("tcp://").rpartition(":")
    if not text.startswith("tcp://") or not host or not port.isdigit():
        raise ClusterError(f"--cluster {address!r}: give `local` or tcp://HOST:PORT")
    return text
