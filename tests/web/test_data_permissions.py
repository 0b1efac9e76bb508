"""The data directory is 0700 and the SQLite database with its WAL and shared-memory files 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import text

from intake.settings import load_settings
from intake.store.db import make_engine, upgrade


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_directory_and_database_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a usual umask: without care the files would be 0644 in a 0755 directory
    try:
        settings = load_settings(data_dir=tmp_path / "data")
        url = settings.effective_database_url
        upgrade(url)
        engine = make_engine(url)
        with engine.begin() as conn:  # a write: the WAL and its index exist while the engine is open
            conn.execute(text("INSERT INTO audit_log (at, action) VALUES ('2026-12-06 06:00:00', 'probe')"))
        settings.hmac_key()
        data = tmp_path / "data"
        assert _mode(data) == 0o700
        files = {p.name: _mode(p) for p in data.iterdir()}
        assert {"supportbot.db", "supportbot.db-wal", "supportbot.db-shm", "redaction-hmac.key"} <= set(files)
        assert all(mode == 0o600 for mode in files.values()), files
        engine.dispose()
    finally:
        os.umask(old)


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    upgrade(f"sqlite:///{db}")
    os.chmod(db, 0o644)
    make_engine(f"sqlite:///{db}").dispose()
    assert _mode(db) == 0o600
