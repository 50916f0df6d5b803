"""Entry point of ``scalp-radar serve``: uvicorn builds the app in its own process from here.

The CLI (in ``adapters``) may not import ``web`` (the dependency rule: nothing imports the web
layer), so it passes its choices through the environment and names this factory as a string:
``uvicorn.run("web.serve:app_from_env", factory=True)``.
"""

from __future__ import annotations

import os
from pathlib import Path

from litestar import Litestar

from adapters.engine import Engine
from adapters.home import Home
from config.loader import load_settings
from config.secrets import load_secrets
from web.app import create_app

CONFIG_DIR_ENV = "SCALP_RADAR_CONFIG_DIR"
CATCH_UP_S = 2.0  # events stored by other processes (a CLI optimize) show within this delay


def app_from_env() -> Litestar:
    """The dashboard over ``$SCALP_RADAR_HOME`` with ``$SCALP_RADAR_CONFIG_DIR``'s settings and
    the API key from the environment (or ``.env``)."""
    env = os.environ.get(CONFIG_DIR_ENV)
    config_dir = Path(env) if env else None
    settings = load_settings(config_dir)
    engine = Engine(Home.resolve())
    engine.project()
    app = create_app(
        engine,
        load_secrets().dashboard_api_key or None,
        settings=settings,
        catch_up_every=CATCH_UP_S,
        config_dir=config_dir,
    )
    app.on_shutdown.append(engine.close)
    return app
