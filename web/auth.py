"""The guard on state-changing commands: an API key from the environment, sent as a header.

Reading pages is open; every command (launching or cancelling a job, resetting a kill switch,
applying a run's parameters) needs ``X-API-Key`` equal to ``SCALP_RADAR_API_KEY`` and is refused
with 403 otherwise. With no key configured every command is refused: an unprotected server must
not accept commands. The pages send the key their header field holds (``static/app.js``).
"""

from __future__ import annotations

import hmac

from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers import BaseRouteHandler

HEADER = "X-API-Key"
NOT_CONFIGURED = (
    "commands are disabled: no API key is configured (set SCALP_RADAR_API_KEY in the "
    "environment or .env and restart `scalp-radar serve`)"
)
MISSING = f"this command needs the API key: type it in the key field (sent as {HEADER})"
WRONG = "wrong API key"


def require_api_key(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    expected: str | None = connection.app.state.api_key
    if not expected:
        raise PermissionDeniedException(detail=NOT_CONFIGURED)
    given = connection.headers.get(HEADER)
    if not given:
        raise PermissionDeniedException(detail=MISSING)
    # constant-time comparison: the response time must not reveal how much of the key matched
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise PermissionDeniedException(detail=WRONG)
