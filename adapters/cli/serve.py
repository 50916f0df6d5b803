"""``serve``: the dashboard, on an address checked before it starts."""

from __future__ import annotations

import argparse
import os
import sys

from adapters.cli.common import (
    REPO_ROOT,
    UsageError,
    cluster_option,
    cluster_target,
    config_dir_of,
    settings_of,
)
from adapters.services.cluster_target import CLUSTER_ENV
from adapters.store.home import Home
from config.secrets import SecretsError, dotenv_files, load_secrets


def register(commands) -> None:
    serve = commands.add_parser(
        "serve", help="the dashboard in a browser (paper trading, research, explorer)"
    )
    serve_options(serve)
    cluster_option(serve)
    serve.set_defaults(handler=cmd_serve)


def serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: this machine)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")


SERVE_SHUTDOWN_S = 2


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the dashboard until Ctrl-C. Config, secrets, htmx and the address are checked
    first (the port is bound before uvicorn starts), so a bad set-up, a busy port or an
    unknown host is one line on stderr and exit 2 rather than a server that fails later."""
    import uvicorn  # the web stack loads only for this command

    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be 1..65535, got {args.port}")
    target = cluster_target(args, settings_of(args)) if getattr(args, "cluster", None) else None
    home = Home.resolve(args.home)
    try:
        key = load_secrets(dotenv_paths=dotenv_files(home.root)).dashboard_api_key
    except SecretsError as exc:
        raise UsageError(str(exc)) from exc
    # said before the port is bound (web.vendor_assets vendors it; adapters cannot import web)
    if not (REPO_ROOT / "web" / "vendor").is_dir():
        raise UsageError(f"htmx is not in the package: run `python3 tasks.py test` in {REPO_ROOT}")
    sock = _listen_socket(args.host, args.port)
    # uvicorn builds the app from web.serve (adapters may not import web): pass our choices on
    os.environ["SCALP_RADAR_HOME"] = str(home.root)
    if config_dir_of(args):
        os.environ["SCALP_RADAR_CONFIG_DIR"] = str(config_dir_of(args))
    # the Host check (DNS rebinding): the app answers only the address it is served on
    os.environ["SCALP_RADAR_SERVE_HOST"] = args.host
    os.environ["SCALP_RADAR_SERVE_PORT"] = str(args.port)
    if target is not None:  # the Explorer's walk-forwards run there
        os.environ[CLUSTER_ENV] = target.address
    if not _is_loopback(sock):
        print(
            f"scalp-radar: warning: serving on {args.host}: the pages are readable by anyone "
            f"who can reach port {args.port}, and the API key travels in clear text unless a "
            "TLS proxy is in front (README, Dashboard)",
            file=sys.stderr,
        )
    commands = "commands need the API key" if key else "commands disabled (no SCALP_RADAR_API_KEY)"
    print(f"dashboard on http://{args.host}:{args.port}/ ({commands}); Ctrl-C stops it", flush=True)
    config = uvicorn.Config(
        "web.serve:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        log_level="warning",
        server_header=False,  # no "server: uvicorn" banner
        # open pages keep their SSE streams forever: without a limit Ctrl-C would wait for
        # every browser tab to close
        timeout_graceful_shutdown=SERVE_SHUTDOWN_S,
    )
    server = uvicorn.Server(config)
    with sock:
        server.run(sockets=[sock])
    if not server.started:
        print("scalp-radar: the dashboard did not start (see above)", file=sys.stderr)
        return 1
    return 0


def _listen_socket(host: str, port: int):
    """A TCP socket bound to ``host``:``port`` (uvicorn listens on it), or UsageError: an
    unknown host or a busy port is said before anything starts."""
    import socket

    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise UsageError(f"--host {host!r}: cannot resolve it ({reason})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            + (" (another server uses the port: stop it or give --port)" if _busy(exc) else "")
        ) from None
    sock.set_inheritable(True)
    return sock


def _busy(exc: OSError) -> bool:
    import errno

    return exc.errno == errno.EADDRINUSE


def _is_loopback(sock) -> bool:
    import ipaddress

    address = sock.getsockname()[0]
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
