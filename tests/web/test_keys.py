"""Key files: generated atomically (0600, 64 hex characters), at least 32 bytes, refused otherwise."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from intake.domain.policy import Policy
from intake.keys import KeyFileError, load_or_create
from intake.settings import load_settings
from intake.web.app import create_app


def test_an_empty_web_key_file_refuses_to_start(tmp_path: Path, factory) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "web-secret.key").write_bytes(b"")
    with pytest.raises(KeyFileError, match=r"web-secret\.key.*0 bytes.*at least 32"):
        create_app(load_settings(data_dir=tmp_path), factory=factory, policy=Policy.default(), health_checks={})


def test_a_truncated_key_file_or_short_configured_keys_refuse_to_start(tmp_path: Path, factory) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "web-secret.key").write_text("0123456789abcdef")
    with pytest.raises(KeyFileError, match="16 bytes"):
        create_app(load_settings(data_dir=tmp_path), factory=factory, policy=Policy.default(), health_checks={})
    with pytest.raises(KeyFileError, match="SUPPORTBOT_SECRET_KEY"):
        create_app(load_settings(data_dir=tmp_path, secret_key="x" * 31), factory=factory,
                   policy=Policy.default(), health_checks={})
    with pytest.raises(KeyFileError, match="SUPPORTBOT_REDACTION_HMAC_KEY"):
        load_settings(data_dir=tmp_path, redaction_hmac_key="short").hmac_key()
    (tmp_path / "redaction-hmac.key").write_bytes(b"\n")
    with pytest.raises(KeyFileError, match=r"redaction-hmac\.key"):
        load_settings(data_dir=tmp_path).hmac_key()


def test_supportbot_web_refuses_to_start_with_an_empty_key_file(tmp_path: Path) -> None:
    (tmp_path / "web-secret.key").write_bytes(b"")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    env.update(SUPPORTBOT_DATA_DIR=str(tmp_path), SUPPORTBOT_WEB_PORT="0")
    done = subprocess.run([str(Path(sys.executable).parent / "supportbot"), "web"], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode != 0
    assert "web-secret.key" in done.stderr and "at least 32" in done.stderr, done.stderr[-2000:]


def test_generated_keys_are_0600_long_and_stable(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    web = create_app(settings, factory=None, policy=Policy.default(), health_checks={})  # type: ignore[arg-type]
    assert web is not None
    for name, key in (("web-secret.key", None), ("redaction-hmac.key", settings.hmac_key())):
        path = tmp_path / "data" / name
        assert path.stat().st_mode & 0o777 == 0o600
        assert len(path.read_bytes()) == 64
        if key is not None:
            assert key == path.read_bytes() == settings.hmac_key()
    assert [p.name for p in (tmp_path / "data").iterdir() if p.name.endswith(".tmp")] == []


def _create(path: str) -> bytes:
    return load_or_create(Path(path))


def test_processes_starting_together_all_get_the_same_key(tmp_path: Path) -> None:
    path = tmp_path / "race" / "web-secret.key"
    # spawn, not fork: the test process runs threads (SMTP sink, browser driver...), and a child forked
    # while one of them holds a lock can hang forever.
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        keys = pool.map(_create, [str(path)] * 24)
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert sorted(p.name for p in path.parent.iterdir()) == ["web-secret.key"]
