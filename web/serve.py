"""Entry point of ``scalp-radar serve``: uvicorn builds the app in its own process from here.

The CLI (in ``adapters``) may not import ``web`` (the dependency rule: nothing imports the web
layer), so it passes its choices through the environment and names this factory as a string:
``uvicorn.run("web.serve:app_from_env", factory=True)``.
"""

from __future__ import annotations

import os
from pathlib import Path

from litestar import Litestar

from adapters.services.cluster_target import CLUSTER_ENV, ClusterTarget
from adapters.services.engine import Engine
from adapters.services.jobs import JobRunner
from adapters.store.home import Home
from config.loader import load_settings
from config.secrets import dotenv_files, load_secrets
from web.app import create_app

CONFIG_DIR_ENV = "SCALP_RADAR_CONFIG_DIR"
# the address ``serve`` listens on (set by the CLI): other Host headers are refused
SERVE_HOST_ENV, SERVE_PORT_ENV = "SCALP_RADAR_SERVE_HOST", "SCALP_RADAR_SERVE_PORT"
# events stored by other processes (the trading service, a CLI optimize) show within a second
CATCH_UP_S = 0.5


def app_from_env() -> Litestar:
    """The dashboard over ``$SCALP_RADAR_HOME`` with ``$SCALP_RADAR_CONFIG_DIR``'s settings
    (the Explorer's walk-forwards on ``$SCALP_RADAR_CLUSTER``'s Dask cluster, when set),
    the API key from the environment (or the home's, else the project root's ``.env``) and
    the Host check of ``$SCALP_RADAR_SERVE_HOST``:``$SCALP_RADAR_SERVE_PORT``."""
    env = os.environ.get(CONFIG_DIR_ENV)
    config_dir = Path(env) if env else None
    settings = load_settings(config_dir)
    home = Home.resolve()
    key = load_secrets(dotenv_paths=dotenv_files(home.root)).dashboard_api_key
    engine = Engine(home)
    engine.project()
    host, port = os.environ.get(SERVE_HOST_ENV), os.environ.get(SERVE_PORT_ENV)
    address = os.environ.get(CLUSTER_ENV)
    cluster = ClusterTarget(address, settings) if address else None
    app = create_app(
        engine,
        key or None,
        settings=settings,
        jobs=JobRunner(engine, settings, cluster=cluster),
        catch_up_every=CATCH_UP_S,
        config_dir=config_dir,
        served=(host, int(port)) if host is not None and port else None,
    )
    app.on_shutdown.append(engine.close)
    return app
