"""pytest plugin: the IMAP peer, a real Dovecot (:class:`sandbox.dovecot.DovecotServer`, the sandbox's
own launcher). One Dovecot per test session; each test gets its own empty account.

When ``dovecot`` is not installed the fixtures skip on a developer machine and **fail** with
``CI=true`` (a green CI must not hide a missing ``.ci/install_dovecot.sh``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.dovecot import DovecotServer, ImapAccount, free_port

__all__ = ["DovecotServer", "ImapAccount", "dovecot", "dovecot_server"]


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[DovecotServer]:
    if shutil.which("dovecot") is None:
        message = "dovecot is not installed (bash .ci/install_dovecot.sh)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    directory = Path(tempfile.mkdtemp(prefix="sb-dovecot-"))
    server = DovecotServer(directory, free_port())
    server.start()
    server.write_users()
    time.sleep(1.1)  # next mtime second: Dovecot sees the new passwd file on the first lookup
    yield server
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def dovecot(dovecot_server: DovecotServer) -> ImapAccount:
    """A fresh, empty IMAP account on the session's real Dovecot."""
    return dovecot_server.new_account()
