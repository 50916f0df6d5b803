"""A real local HTTP server that answers like the Telegram Bot API's ``sendMessage`` and
``getUpdates``.

It records every accepted message, answers ``message_id``s counting from 1, checks the HTML the
way Telegram does for what we send (only ``<b>`` tags; ``&`` must start an entity; at most 4,096
characters) and answers 400 "can't parse entities" otherwise, and can be told to answer the
next requests with 429 (with ``parameters.retry_after``), 400, 401 or 500 (answers documented
in the Bot API and recorded in ../shared/notes/live-trading.md, section H).

``getUpdates`` serves the messages tests ``push`` (update ids counting from 1), forgetting those
below the ``offset`` asked for, as Telegram does (an update is confirmed by asking for a later
offset).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "123:fake-token"
_TAG = re.compile(r"<(/?)([a-z]*)[^>]*>|<")
_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


class FakeTelegram:
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay  # seconds before each answer (a round trip's time)
        self.messages: list[dict[str, Any]] = []  # accepted sendMessage bodies, in order
        self.requests = 0
        self.script: list[tuple[int, int]] = []  # (status, retry_after) for the next requests
        self.incoming: list[dict[str, Any]] = []  # updates Telegram still holds
        self.offsets: list[int] = []  # the offset of every getUpdates, in order
        self._pushed = 0
        self._lock = threading.Lock()

    def push(self, chat_id: int, text: str, username: str = "alice") -> int:
        """A message written to the bot in ``chat_id``; returns its update id."""
        with self._lock:
            self._pushed += 1
            sender = {"id": 1000 + self._pushed, "is_bot": False, "first_name": "A",
                      "username": username}  # fmt: skip
            message = {"message_id": self._pushed, "date": 0, "text": text, "from": sender,
                       "chat": {"id": chat_id, "type": "private"}}  # fmt: skip
            self.incoming.append({"update_id": self._pushed, "message": message})
            return self._pushed

    def fail_next(self, status: int, times: int = 1, retry_after: int = 0) -> None:
        self.script.extend([(status, retry_after)] * times)

    def texts(self) -> list[str]:
        return [m["text"] for m in self.messages]

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        time.sleep(self.delay)
        with self._lock:
            self.requests += 1
            if path not in (f"/bot{TOKEN}/sendMessage", f"/bot{TOKEN}/getUpdates"):
                return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            if self.script:
                status, retry_after = self.script.pop(0)
                return status, _error(status, retry_after)
            if path.endswith("/getUpdates"):
                return 200, {"ok": True, "result": self._updates(body.get("offset", 0))}
            if problem := _html_problem(body.get("text", "")):
                return 400, {"ok": False, "error_code": 400, "description": problem}
            self.messages.append(body)
            message = {"message_id": len(self.messages), "text": body["text"]}
            return 200, {"ok": True, "result": message}

    def _updates(self, offset: int) -> list[dict[str, Any]]:
        self.offsets.append(offset)
        self.incoming = [u for u in self.incoming if u["update_id"] >= offset]
        return self.incoming[:100]

    @contextmanager
    def serve(self) -> Iterator[str]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length", 0))
                status, reply = fake.answer(self.path, json.loads(self.rfile.read(size)))
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


def _error(status: int, retry_after: int) -> dict[str, Any]:
    descriptions = {
        429: f"Too Many Requests: retry after {retry_after}",
        400: "Bad Request: message text is empty",
        401: "Unauthorized",
        500: "Internal Server Error",
    }
    body: dict[str, Any] = {"ok": False, "error_code": status,
                            "description": descriptions.get(status, "error")}  # fmt: skip
    if status == 429:
        body["parameters"] = {"retry_after": retry_after}
    return body


def _html_problem(text: str) -> str | None:
    if not 1 <= len(text) <= 4096:
        return "Bad Request: message is too long" if text else "Bad Request: message text is empty"
    for match in _TAG.finditer(text):
        if match.group(0) == "<" or match.group(2) != "b":
            return f"Bad Request: can't parse entities: unsupported start tag at {match.start()}"
    if _AMP.search(text):
        return "Bad Request: can't parse entities: unexpected end of name token"
    return None
