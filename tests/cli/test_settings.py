from __future__ import annotations

from pathlib import Path

import pytest

from intake.settings import Settings


def test_defaults_use_sqlite_under_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SUPPORTBOT_DATA_DIR", str(tmp_path))
    assert Settings().effective_database_url == f"sqlite:///{tmp_path.resolve()}/supportbot.db"


def test_postgres_urls_get_the_psycopg_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/sb")
    assert Settings().effective_database_url == "postgresql+psycopg://u:p@db:5432/sb"


def test_secrets_can_come_from_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("xoxb-from-a-file\n")
    monkeypatch.setenv("SLACK_BOT_TOKEN_FILE", str(secret))
    s = Settings()
    assert s.slack_bot_token is not None and s.slack_bot_token.get_secret_value() == "xoxb-from-a-file"
    assert "xoxb" not in repr(s)


def test_an_unreadable_secret_file_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SUPPORTBOT_IMAP_PASSWORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="SUPPORTBOT_IMAP_PASSWORD_FILE: cannot read secret file"):
        Settings()


def test_dotenv_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SUPPORTBOT_IMAP_HOST=imap.example.net\n")
    assert Settings().imap_host == "imap.example.net"


def test_the_hmac_key_is_generated_once_and_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SUPPORTBOT_DATA_DIR", str(tmp_path))
    key = Settings().hmac_key()
    assert len(key) == 64 and Settings().hmac_key() == key
    assert (tmp_path / "redaction-hmac.key").stat().st_mode & 0o077 == 0


def test_the_vendor_name_comes_from_the_redaction_config(tmp_path):
    from intake.settings import load_settings

    config = tmp_path / "redaction.toml"
    config.write_text('[vendor]\nname = "Acme Widgets"\n', encoding="utf-8")
    assert load_settings(redaction_config=config).vendor_name == "Acme Widgets"
    assert load_settings().vendor_name == "Laioutr"  # config/redaction.toml [vendor] name (the worked example)
