"""Secrets, read only from the environment (``.env`` files fill in what the environment lacks).

They never live in the YAML files, and their values never reach a log: ``repr(secrets)``
masks them, and parse errors name the file and the line, not its content.

Which ``.env`` files: ``dotenv_files(home)``, never the current directory (the key a command
uses must not depend on where it was started): the state directory's ``.env`` (``--home``,
``$SCALP_RADAR_HOME`` or ``./var``), then, for development, the project root's (the source
checkout this package runs from). A variable of the environment wins over both, and the home's
file wins over the project root's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

# Field name -> environment variable.
ENV_VARS: dict[str, str] = {
    "bitget_api_key": "BITGET_API_KEY",
    "bitget_api_secret": "BITGET_API_SECRET",
    "bitget_passphrase": "BITGET_PASSPHRASE",
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN",
    "telegram_chat_id": "TELEGRAM_CHAT_ID",
    "dashboard_api_key": "SCALP_RADAR_API_KEY",
    "live_trading_enabled": "LIVE_TRADING",
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
DOTENV = ".env"
# the source checkout this package runs from (development); None when installed elsewhere
_ROOT = Path(__file__).resolve().parents[1]
PROJECT_ROOT: Path | None = _ROOT if (_ROOT / "pyproject.toml").is_file() else None


class SecretsError(ValueError):
    """A malformed ``.env`` file or environment value (the message never contains a secret)."""


@dataclass(frozen=True, slots=True)
class Secrets:
    """Credentials and the live-trading switch. Empty string = not configured.

    Parameters
    ----------
    bitget_api_key, bitget_api_secret, bitget_passphrase : str, default ""
    telegram_bot_token, telegram_chat_id : str, default ""
    dashboard_api_key : str, default "" (API key the dashboard's command endpoints require)
    live_trading_enabled : bool, default False (``LIVE_TRADING``; real orders only when true)
    """

    bitget_api_key: str = ""
    bitget_api_secret: str = ""
    bitget_passphrase: str = ""
    telegram_bot_token: str = ""
    telegram_chat_id: str = ""
    dashboard_api_key: str = ""
    live_trading_enabled: bool = False

    @property
    def bitget_configured(self) -> bool:
        return bool(self.bitget_api_key and self.bitget_api_secret and self.bitget_passphrase)

    @property
    def telegram_configured(self) -> bool:
        return bool(self.telegram_bot_token and self.telegram_chat_id)

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, bool):
                value = "'***'" if value else "''"  # say whether it is set, never what it is
            shown.append(f"{f.name}={value}")
        return f"Secrets({', '.join(shown)})"

    __str__ = __repr__


def dotenv_files(home: Path | None, project_root: Path | None = PROJECT_ROOT) -> list[Path]:
    """The ``.env`` files secrets may come from, the first winning: ``home``'s (the state
    directory), then ``project_root``'s (the source checkout, for development). Whether they
    exist is not checked here (an absent file is empty)."""
    paths: list[Path] = []
    for folder in (home, project_root):
        if folder is not None:
            path = (Path(folder) / DOTENV).resolve()
            if path not in paths:
                paths.append(path)
    return paths


def load_secrets(
    env: Mapping[str, str] | None = None, dotenv_paths: Sequence[Path] = ()
) -> Secrets:
    """Secrets from ``env`` (default ``os.environ``), falling back to the ``dotenv_paths``
    files that exist (the first one wins; see ``dotenv_files``).

    A variable set in the environment wins over the same one in a ``.env`` file. Live trading
    without complete Bitget credentials is refused here rather than at the first order.
    """
    values: dict[str, str] = {}
    for path in reversed(dotenv_paths):
        values.update(read_dotenv(path))
    values.update(os.environ if env is None else env)
    strings = {name: values.get(var, "") for name, var in ENV_VARS.items()}
    live = _parse_bool(strings.pop("live_trading_enabled"))
    secrets = Secrets(**strings, live_trading_enabled=live)
    if secrets.live_trading_enabled and not secrets.bitget_configured:
        needed = ("bitget_api_key", "bitget_api_secret", "bitget_passphrase")
        names = ", ".join(ENV_VARS[n] for n in needed)
        raise SecretsError(f"LIVE_TRADING is on but {names} are not all set")
    return secrets


def dotenv_report(paths: Sequence[Path]) -> list[tuple[Path, list[str]]]:
    """(file, the secrets' variables it sets) of each ``.env`` file of ``paths`` that exists,
    in the order they win: what ``config check`` says, names only, never a value."""
    known = set(ENV_VARS.values())
    return [
        (path, sorted(k for k in read_dotenv(path) if k in known))
        for path in paths
        if Path(path).is_file()
    ]


def read_dotenv(path: Path) -> dict[str, str]:
    """Variables of a ``.env`` file; an absent file is empty. A file that is not text (UTF-8,
    no NUL byte) or cannot be read is a ``SecretsError`` naming it."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SecretsError(f"{path}: not a text file (invalid UTF-8 at byte {exc.start})") from None
    except OSError as exc:
        raise SecretsError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if "\x00" in text:
        raise SecretsError(f"{path}: not a text file (it holds NUL bytes)")
    try:
        return parse_dotenv(text.removeprefix("\ufeff"))
    except SecretsError as exc:
        raise SecretsError(f"{path}: {exc}") from None


def parse_dotenv(text: str) -> dict[str, str]:
    """Parse ``KEY=VALUE`` lines: ``#`` comments, optional ``export``, single or double quotes
    (double quotes understand ``\\n \\t \\" \\\\``), `` #`` starts a comment after a bare value."""
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise SecretsError(f"line {number}: expected KEY=VALUE")
        key, raw = match.groups()
        values[key] = _unquote(raw, number)
    return values


def _unquote(raw: str, number: int) -> str:
    if raw[:1] in ("'", '"'):
        quote = raw[0]
        end = _closing_quote(raw, quote)
        rest = raw[end + 1 :].strip()
        if end < 0 or (rest and not rest.startswith("#")):
            raise SecretsError(f"line {number}: unterminated or malformed quoted value")
        body = raw[1:end]
        if quote == '"':
            body = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[0]), body)
        return body
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


def _closing_quote(raw: str, quote: str) -> int:
    i = 1
    while i < len(raw):
        if raw[i] == "\\" and quote == '"':
            i += 2
            continue
        if raw[i] == quote:
            return i
        i += 1
    return -1


def _parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    # A typo must not silently mean "off" (or "on"): refuse it.
    raise SecretsError(f"LIVE_TRADING must be true or false, got {value!r}")
