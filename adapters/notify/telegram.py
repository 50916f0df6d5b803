"""The Bot API's ``sendMessage`` and ``getUpdates``, with Telegram's rules of retry.

429 is honoured (wait ``parameters.retry_after`` seconds, then again, without counting it as a
failure: Telegram asked us to slow down, not to give up); 5xx, timeouts and connection failures
are retried ``attempts`` times with a doubling backoff, then raised as ``TelegramUnavailable``
(the message stays pending); any other refusal (400 bad entities or text, 401 bad token, 403)
is a ``Refused`` outcome the caller records and moves past, so one bad message never blocks the
queue. ``sleep`` is injectable so tests do not wait. ``getUpdates`` follows the same rules; a
refusal there (401, or 409 while another poller or a webhook holds the bot) is raised as
``TelegramUnavailable``, since there is no message to skip.
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
    message_id: int = 0  # read from sendMessage's result (other fields of it are skipped)


class Refused(msgspec.Struct, frozen=True):
    status: int
    description: str


class TelegramUnavailable(RuntimeError):
    """Telegram did not answer ok after every retry; nothing was recorded as delivered."""


class TelegramPayloadError(ValueError):
    """Telegram answered ok with a payload we cannot read (one line: where and why)."""


class Update(msgspec.Struct, frozen=True):
    """One incoming message of ``getUpdates``: who wrote what in which chat. ``text`` is ""
    for a message without text (a sticker, a photo) or an update of another kind."""

    update_id: int
    chat_id: str  # as TELEGRAM_CHAT_ID spells it (Telegram's chat ids are integers)
    text: str
    sender: str  # the sender's @username, else first name, else id


class _User(msgspec.Struct):
    id: int
    first_name: str = ""
    username: str = ""


class _Chat(msgspec.Struct):
    id: int


class _Message(msgspec.Struct):
    chat: _Chat
    from_: _User | None = msgspec.field(default=None, name="from")
    text: str = ""


class _RawUpdate(msgspec.Struct):
    update_id: int
    message: _Message | None = None

    def update(self) -> Update:
        message = self.message
        if message is None:
            return Update(self.update_id, "", "", "")
        return Update(self.update_id, str(message.chat.id), message.text, _sender(message.from_))


def _sender(user: _User | None) -> str:
    if user is None:  # a channel's post has no sender
        return ""
    return f"@{user.username}" if user.username else user.first_name or str(user.id)


class _Answer(msgspec.Struct):
    ok: bool
    result: msgspec.Raw = msgspec.Raw(b"")  # empty: no result (msgspec.Raw takes no None)
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
        self._url = f"{base_url}/bot{token}/"
        self._chat_id = chat_id
        self._attempts, self._backoff, self._sleep = attempts, backoff, sleep
        self._timeout = timeout
        self._http = httpx.Client(timeout=timeout)

    @property
    def chat_id(self) -> str:
        """The configured chat (TELEGRAM_CHAT_ID): the only one the bot talks to."""
        return self._chat_id

    def send(self, text: str, silent: bool) -> Sent | Refused:
        """A message to the configured chat (HTML)."""
        return self.reply(self._chat_id, text, silent)

    def reply(self, chat_id: str, text: str, silent: bool = False) -> Sent | Refused:
        """A message to ``chat_id`` (HTML), with the retry rules above."""
        body = {"chat_id": chat_id, "text": text, "parse_mode": "HTML",
                "disable_notification": silent}  # fmt: skip
        answer = self._call("sendMessage", body, self._timeout)
        if isinstance(answer, Refused):
            return answer
        return msgspec.json.decode(answer, type=Sent)

    def updates(self, offset: int, timeout: int = 0) -> list[Update]:
        """Incoming messages from update ``offset`` on (Telegram forgets those below it);
        ``timeout`` > 0 is a long poll of that many seconds."""
        body = {"offset": offset, "timeout": timeout, "allowed_updates": ["message"]}
        answer = self._call("getUpdates", body, self._timeout + timeout)
        if isinstance(answer, Refused):
            raise TelegramUnavailable(
                f"getUpdates refused (HTTP {answer.status}: {answer.description})"
            )
        try:
            raw = msgspec.json.decode(answer, type=list[_RawUpdate])
        except msgspec.ValidationError as exc:
            raise TelegramPayloadError(f"getUpdates answered an unreadable update: {exc}") from None
        return [update.update() for update in raw]

    def _call(self, method: str, body: dict, timeout: float) -> msgspec.Raw | Refused:
        """The ``result`` of Bot API ``method``, or its refusal; 429 and failures as above."""
        failures = 0
        while True:
            try:
                response = self._http.post(self._url + method, json=body, timeout=timeout)
            except httpx.TransportError as exc:  # timeouts and refused connections
                # the type only: httpx's text may quote the URL, which holds the token
                failures = self._failed(failures, type(exc).__name__)
                continue
            answer = _decode(response)
            if response.status_code == 429:
                self._sleep(_retry_after(answer))
            elif response.status_code >= 500 or answer is None:
                failures = self._failed(failures, f"HTTP {response.status_code}")
            elif answer.ok and answer.result:
                return answer.result
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
