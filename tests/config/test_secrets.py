"""Secrets come from the environment and ``.env``; the environment wins; nothing leaks."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.secrets import (
    PROJECT_ROOT,
    Secrets,
    SecretsError,
    dotenv_files,
    dotenv_report,
    load_secrets,
    parse_dotenv,
)

FULL_ENV = {
    "BITGET_API_KEY": "bg-key-123",
    "BITGET_API_SECRET": "bg-secret-456",
    "BITGET_PASSPHRASE": "bg-pass-789",
    "TELEGRAM_BOT_TOKEN": "12345:tg-token",
    "TELEGRAM_CHAT_ID": "-1001",
    "SCALP_RADAR_API_KEY": "dash-key",
}


def test_reads_every_secret_from_the_environment() -> None:
    secrets = load_secrets(env=FULL_ENV)
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
    secrets = load_secrets(env={}, dotenv_paths=[tmp_path / "absent.env"])
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
    secrets = load_secrets(env={"BITGET_API_KEY": "from-env"}, dotenv_paths=[dotenv])
    assert secrets.bitget_api_key == "from-env"
    assert secrets.telegram_chat_id == "42"
    assert secrets.dashboard_api_key == "a b#c"


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "env-token")
    assert load_secrets(dotenv_paths=[tmp_path / "none"]).telegram_bot_token == "env-token"


def test_repr_masks_every_secret() -> None:
    secrets = load_secrets(env={**FULL_ENV, "LIVE_TRADING": "true"})
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
    secrets = load_secrets(env={**FULL_ENV, "LIVE_TRADING": raw})
    assert secrets.live_trading_enabled is expected


def test_live_trading_typo_is_refused() -> None:
    with pytest.raises(SecretsError, match="LIVE_TRADING"):
        load_secrets(env={**FULL_ENV, "LIVE_TRADING": "ture"})


def test_live_trading_without_bitget_credentials_is_refused() -> None:
    with pytest.raises(SecretsError, match="BITGET_API_SECRET"):
        load_secrets(env={"LIVE_TRADING": "true", "BITGET_API_KEY": "k"})


def test_malformed_dotenv_names_the_line_not_the_value(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text('BITGET_API_KEY=ok\nBITGET_API_SECRET="s3cr3t-unterminated\n')
    with pytest.raises(SecretsError) as caught:
        load_secrets(env={}, dotenv_paths=[dotenv])
    assert "line 2" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)
    dotenv.write_text("just some words\n")
    with pytest.raises(SecretsError, match="line 1"):
        load_secrets(env={}, dotenv_paths=[dotenv])


def test_the_homes_dotenv_wins_over_the_project_roots_and_the_environment_over_both(
    tmp_path: Path,
) -> None:
    home, root = tmp_path / "home", tmp_path / "root"
    home.mkdir(), root.mkdir()
    (home / ".env").write_text("SCALP_RADAR_API_KEY=home-key\n")
    (root / ".env").write_text("SCALP_RADAR_API_KEY=root-key\nTELEGRAM_CHAT_ID=7\n")
    files = dotenv_files(home, root)
    assert files == [home / ".env", root / ".env"]
    secrets = load_secrets(env={}, dotenv_paths=files)
    assert (secrets.dashboard_api_key, secrets.telegram_chat_id) == ("home-key", "7")
    env = {"SCALP_RADAR_API_KEY": "env-key"}
    assert load_secrets(env=env, dotenv_paths=files).dashboard_api_key == "env-key"
    # names of what each file sets, never a value
    assert dotenv_report(files) == [
        (home / ".env", ["SCALP_RADAR_API_KEY"]),
        (root / ".env", ["SCALP_RADAR_API_KEY", "TELEGRAM_CHAT_ID"]),
    ]


def test_the_current_directory_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SCALP_RADAR_API_KEY=cwd-key\n")
    home = tmp_path / "var"
    home.mkdir()
    files = dotenv_files(home)
    assert tmp_path / ".env" not in files and files[0] == home / ".env"
    assert files[1:] == ([PROJECT_ROOT / ".env"] if tmp_path != PROJECT_ROOT else [])
    assert load_secrets(env={}, dotenv_paths=files[:1]).dashboard_api_key == ""


def test_a_home_that_is_the_project_root_is_read_once(tmp_path: Path) -> None:
    assert dotenv_files(tmp_path, tmp_path) == [tmp_path / ".env"]
    assert dotenv_files(None, None) == []


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"SCALP_RADAR_API_KEY=\xff\xfe secret\n", "invalid UTF-8"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00", "NUL bytes"),
    ],
)
def test_a_dotenv_that_is_not_text_is_one_error_naming_the_file(
    tmp_path: Path, content: bytes, why: str
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_bytes(content)
    with pytest.raises(SecretsError) as caught:
        load_secrets(env={}, dotenv_paths=[dotenv])
    message = str(caught.value)
    assert message.startswith(f"{dotenv}: not a text file") and why in message
    assert "secret" not in message and "\n" not in message


def test_a_utf8_bom_is_not_part_of_the_first_name(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_bytes("\ufeffSCALP_RADAR_API_KEY=k\n".encode())
    assert load_secrets(env={}, dotenv_paths=[dotenv]).dashboard_api_key == "k"


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


def test_config_check_says_which_dotenv_files_were_read_never_their_values(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adapters.cli.main import main

    monkeypatch.chdir(tmp_path)  # a .env here is not read
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=cwd-token\n")
    home = tmp_path / "home"
    home.mkdir()
    assert main(["--home", str(home), "config", "check"]) == 0
    out = capsys.readouterr().out
    assert "secrets: from the environment only (no " in out and str(home / ".env") in out
    (home / ".env").write_text("SCALP_RADAR_API_KEY=s3cr3t-value\nOTHER=1\n")
    assert main(["--home", str(home), "config", "check"]) == 0
    out = capsys.readouterr().out
    assert f"  {home / '.env'}: SCALP_RADAR_API_KEY" in out
    assert "s3cr3t" not in out and "cwd-token" not in out and "OTHER" not in out


def test_config_check_reports_a_dotenv_it_cannot_read(tmp_path: Path, capsys) -> None:
    from adapters.cli.main import main

    (tmp_path / ".env").write_bytes(b"KEY=\xc3\x28 s3cr3t\n")
    assert main(["--home", str(tmp_path), "config", "check"]) == 2
    err = capsys.readouterr().err
    assert f"secrets: {tmp_path / '.env'}: not a text file" in err
    assert "s3cr3t" not in err and "config: 1 problem(s)" in err
