"""The Bot API's ``sendMessage``, with Telegram's rules of retry.

429 is honoured (wait ``parameters.retry_after`` seconds, then again, without counting it as a
failure: Telegram asked us to slow down, not to give up); 5xx, timeouts and connection failures
are retried ``attempts`` times with a doubling backoff, then raised as ``TelegramUnavailable``
(the message stays pending); any other refusal (400 bad entities or text, 401 bad token, 403)
is a ``Refused`` outcome the caller records and moves past, so one bad message never blocks the
queue. ``sleep`` is injectable so tests do not wait.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import httpx
import msgspec

API_ENV = "SCALP_RADAR_TELEGRAM_API"
DEFAULT_API = "https://api.telegram.org"


class Sent(msgspec.Struct, frozen=True):
    message_id: int


class Refused(msgspec.Struct, frozen=True):
    status: int
    description: str


class TelegramUnavailable(RuntimeError):
    """Telegram did not answer ok after every retry; nothing was recorded as delivered."""


class _Answer(msgspec.Struct):
    ok: bool
    result: dict | None = None
    description: str = ""
    parameters: dict | None = None


def api_base(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return (env.get(API_ENV) or DEFAULT_API).rstrip("/")


class TelegramBot:
    def __init__(
        self,
        token: str,
        chat_id: str,
        *,
        base_url: str = DEFAULT_API,
        attempts: int = 5,
        backoff: float = 1.0,
        timeout: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._url = f"{base_url}/bot{token}/sendMessage"
        self._chat_id = chat_id
        self._attempts, self._backoff, self._sleep = attempts, backoff, sleep
        self._http = httpx.Client(timeout=timeout)

    def send(self, text: str, silent: bool) -> Sent | Refused:
        body = {"chat_id": self._chat_id, "text": text, "parse_mode": "HTML",
                "disable_notification": silent}  # fmt: skip
        failures = 0
        while True:
            try:
                response = self._http.post(self._url, json=body)
            except httpx.TransportError as exc:  # timeouts and refused connections
                # the type only: httpx's text may quote the URL, which holds the token
                failures = self._failed(failures, type(exc).__name__)
                continue
            answer = _decode(response)
            if response.status_code == 429:
                self._sleep(_retry_after(answer))
            elif response.status_code >= 500 or answer is None:
                failures = self._failed(failures, f"HTTP {response.status_code}")
            elif answer.ok and answer.result is not None:
                return Sent(message_id=int(answer.result.get("message_id", 0)))
            else:
                return Refused(response.status_code, answer.description)

    def _failed(self, failures: int, why: str) -> int:
        failures += 1
        if failures >= self._attempts:
            raise TelegramUnavailable(f"Telegram unavailable after {failures} attempts: {why}")
        self._sleep(self._backoff * 2 ** (failures - 1))
        return failures

    def close(self) -> None:
        self._http.close()


def _retry_after(answer: _Answer | None) -> float:
    """The wait Telegram asked for (``parameters.retry_after``, seconds); 1 s when unsaid."""
    parameters = (answer.parameters if answer else None) or {}
    return float(parameters.get("retry_after", 1))


def _decode(response: httpx.Response) -> _Answer | None:
    try:
        return msgspec.json.decode(response.content, type=_Answer)
    except msgspec.DecodeError:
        return None
