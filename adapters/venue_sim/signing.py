"""Bitget's request signature, checked as the venue checks it.

ccxt's ``bitget.sign()`` sends ACCESS-KEY, ACCESS-PASSPHRASE, ACCESS-TIMESTAMP and ACCESS-SIGN =
base64(HMAC-SHA256(secret, timestamp + METHOD + path [+ "?" + raw sorted query] [+ body])).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

import msgspec


class Credentials(msgspec.Struct, frozen=True):
    api_key: str
    secret: str
    passphrase: str


# What `live --venue sim:PORT` signs with: public constants, they guard nothing but a rehearsal.
SIM_CREDENTIALS = Credentials("sim-api-key", "sim-secret", "sim-passphrase")


def signature(secret: str, prehash: str) -> str:
    digest = hmac.new(secret.encode(), prehash.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def check(
    creds: Credentials, headers: Mapping[str, str], method: str, path: str, query: str, body: str
) -> tuple[str, str] | None:
    """None when the request is signed by ``creds``, else Bitget's (code, message).
    ``query`` is the raw (percent-decoded) query string, ``body`` the raw body."""
    key = headers.get("ACCESS-KEY", "")
    if not key:
        return "40001", "ACCESS_KEY cannot be empty"
    if key != creds.api_key:
        return "40006", "Invalid ACCESS_KEY"
    if headers.get("ACCESS-PASSPHRASE", "") != creds.passphrase:
        return "40012", "apikey/password is incorrect"
    prehash = headers.get("ACCESS-TIMESTAMP", "") + method + path
    prehash += ("?" + query if query else "") + body
    if not hmac.compare_digest(headers.get("ACCESS-SIGN", ""), signature(creds.secret, prehash)):
        return "40009", "sign signature error"
    return None


def check_login(creds: Credentials, arg: Mapping[str, str]) -> tuple[int, str] | None:
    """None when a private websocket login ``{apiKey, passphrase, timestamp, sign}`` is signed
    by ``creds`` (sign = base64(HMAC-SHA256(secret, timestamp + "GET" + "/user/verify"))), else
    Bitget's websocket (code, message). The timestamp's age is not checked: the venue's clock
    is market time, far in the past."""
    if arg.get("apiKey") != creds.api_key:
        return 30011, "Invalid ACCESS_KEY"
    if arg.get("passphrase") != creds.passphrase:
        return 30012, "Invalid ACCESS_PASSPHRASE"
    expected = signature(creds.secret, str(arg.get("timestamp", "")) + "GET/user/verify")
    if not hmac.compare_digest(str(arg.get("sign", "")), expected):
        return 30015, "Invalid sign"
    return None
