"""Secrets come from the environment and ``.env``; the environment wins; nothing leaks."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.secrets import Secrets, SecretsError, load_secrets, parse_dotenv

FULL_ENV = {
    "BITGET_API_KEY": "bg-key-123",
    "BITGET_API_SECRET": "bg-secret-456",
    "BITGET_PASSPHRASE": "bg-pass-789",
    "TELEGRAM_BOT_TOKEN": "12345:tg-token",
    "TELEGRAM_CHAT_ID": "-1001",
    "SCALP_RADAR_API_KEY": "dash-key",
}


def test_reads_every_secret_from_the_environment() -> None:
    secrets = load_secrets(env=FULL_ENV, dotenv_path=None)
    assert secrets == Secrets(
        bitget_api_key="bg-key-123",
        bitget_api_secret="bg-secret-456",
        bitget_passphrase="bg-pass-789",
        telegram_bot_token="12345:tg-token",
        telegram_chat_id="-1001",
        dashboard_api_key="dash-key",
        live_trading_enabled=False,
    )
    assert secrets.bitget_configured and secrets.telegram_configured


def test_nothing_set_means_empty_and_live_off(tmp_path: Path) -> None:
    secrets = load_secrets(env={}, dotenv_path=tmp_path / "absent.env")
    assert secrets == Secrets()
    assert secrets.live_trading_enabled is False
    assert not secrets.bitget_configured


def test_dotenv_fills_in_and_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# local settings\n"
        "export BITGET_API_KEY=from-file\n"
        "TELEGRAM_CHAT_ID='42'\n"
        'SCALP_RADAR_API_KEY="a b#c"  # trailing comment\n',
        encoding="utf-8",
    )
    secrets = load_secrets(env={"BITGET_API_KEY": "from-env"}, dotenv_path=dotenv)
    assert secrets.bitget_api_key == "from-env"
    assert secrets.telegram_chat_id == "42"
    assert secrets.dashboard_api_key == "a b#c"


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "env-token")
    assert load_secrets(dotenv_path=tmp_path / "none").telegram_bot_token == "env-token"


def test_repr_masks_every_secret() -> None:
    secrets = load_secrets(env={**FULL_ENV, "LIVE_TRADING": "true"}, dotenv_path=None)
    text = repr(secrets)
    for value in FULL_ENV.values():
        assert value not in text
    assert str(secrets) == text
    assert "bitget_api_key='***'" in text
    assert "live_trading_enabled=True" in text
    assert "telegram_bot_token=''" in repr(Secrets())  # unset stays visibly unset


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("1", True), ("YES", True), ("false", False), ("0", False), ("", False)],
)
def test_live_trading_flag(raw: str, expected: bool) -> None:
    secrets = load_secrets(env={**FULL_ENV, "LIVE_TRADING": raw}, dotenv_path=None)
    assert secrets.live_trading_enabled is expected


def test_live_trading_typo_is_refused() -> None:
    with pytest.raises(SecretsError, match="LIVE_TRADING"):
        load_secrets(env={**FULL_ENV, "LIVE_TRADING": "ture"}, dotenv_path=None)


def test_live_trading_without_bitget_credentials_is_refused() -> None:
    with pytest.raises(SecretsError, match="BITGET_API_SECRET"):
        load_secrets(env={"LIVE_TRADING": "true", "BITGET_API_KEY": "k"}, dotenv_path=None)


def test_malformed_dotenv_names_the_line_not_the_value(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text('BITGET_API_KEY=ok\nBITGET_API_SECRET="s3cr3t-unterminated\n')
    with pytest.raises(SecretsError) as caught:
        load_secrets(env={}, dotenv_path=dotenv)
    assert "line 2" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)
    dotenv.write_text("just some words\n")
    with pytest.raises(SecretsError, match="line 1"):
        load_secrets(env={}, dotenv_path=dotenv)


def test_double_quotes_understand_escapes() -> None:
    text = 'A="line1\\nline2"\nB="say \\"hi\\""\nC=\'raw \\n\'\nD=\n'
    assert parse_dotenv(text) == {"A": "line1\nline2", "B": 'say "hi"', "C": "raw \\n", "D": ""}


SAFE_CHARS = string.ascii_letters + string.digits + "-_:/.+=@!$%^&*(),;<>?[]{}|~ #'"


@given(
    key=st.from_regex(r"[A-Z_][A-Z0-9_]{0,20}", fullmatch=True),
    value=st.text(alphabet=SAFE_CHARS, max_size=40),
)
def test_double_quoted_values_round_trip(key: str, value: str) -> None:
    assert parse_dotenv(f'{key}="{value}"\n') == {key: value}
