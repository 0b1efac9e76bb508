"""A real Dovecot IMAP server on loopback: the sandbox's support mailbox and the mail tests' peer
(``tests/peers/dovecot.py`` holds their fixtures).

``start_dovecot.sh`` (beside this file) writes a loopback-only configuration into a scratch
directory and starts Dovecot; :class:`DovecotServer` drives it. The directory must come from
``tempfile.mkdtemp`` under /tmp: pytest's ``tmp_path`` is not reachable by Dovecot's unprivileged
helpers. A pool of accounts is written to the passwd file before the first login, so each test
(or the sandbox) gets an empty INBOX with its own UIDVALIDITY.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

SCRIPT = Path(__file__).resolve().parent / "start_dovecot.sh"
PASSWORD = "secret-imap-pw"
POOL = 400


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ImapAccount:
    """One test's mailbox on the session's Dovecot."""

    host: str
    port: int
    user: str
    password: str
    server: DovecotServer

    def client(self, timeout: float = 10.0) -> IMAPClient:
        c = IMAPClient(self.host, port=self.port, ssl=False, timeout=timeout)
        c.login(self.user, self.password)
        return c

    def append(self, messages: Iterable[bytes] | bytes, mailbox: str = "INBOX") -> int:
        """APPEND raw messages (MULTIAPPEND-free: one APPEND each, in one connection)."""
        if isinstance(messages, bytes | bytearray):
            messages = [bytes(messages)]
        n = 0
        with self.client(timeout=60) as c:
            for raw in messages:
                c.append(mailbox, raw)
                n += 1
        return n

    def select_info(self, mailbox: str = "INBOX") -> dict[bytes, object]:
        with self.client() as c:
            return c.select_folder(mailbox, readonly=True)

    def flags(self, mailbox: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        with self.client() as c:
            c.select_folder(mailbox, readonly=True)
            uids = c.search("ALL")
            if not uids:
                return {}
            return {uid: data[b"FLAGS"] for uid, data in c.fetch(uids, ["FLAGS"]).items()}

    def remove_flag(self, flag: str, mailbox: str = "INBOX") -> None:
        with self.client() as c:
            c.select_folder(mailbox)
            uids = c.search("ALL")
            if uids:
                c.remove_flags(uids, [flag.encode()])

    def set_uidvalidity(self, value: int, mailbox: str = "INBOX") -> None:
        self.server.doveadm("mailbox", "update", "-u", self.user, "--uid-validity", str(value), mailbox)


class DovecotServer:
    def __init__(self, directory: Path, port: int) -> None:
        self.dir = directory
        self.port = port
        self.host = "127.0.0.1"
        self.conf = directory / "dovecot.conf"
        self._ids = itertools.count(1)

    @staticmethod
    def available() -> bool:
        """Dovecot is installed and we may start it (the script runs as root)."""
        return shutil.which("dovecot") is not None and hasattr(os, "geteuid") and os.geteuid() == 0

    def start(self) -> None:
        proc = subprocess.run(
            ["bash", str(SCRIPT), str(self.dir), str(self.port), "boot@example.test", PASSWORD],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        )
        if proc.returncode != 0 or "DOVECOT_READY" not in proc.stdout:
            raise RuntimeError(f"start_dovecot.sh failed (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")

    def stop(self) -> None:
        subprocess.run(["dovecot", "-c", str(self.conf), "stop"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30, check=False)

    def _user(self, n: int) -> str:
        return f"support{n}@example.test"

    def write_users(self, n: int = POOL, *, extra: Iterable[tuple[str, str]] = ()) -> None:
        """Every account the session may hand out (``n`` pool users and ``extra`` (user, password)
        pairs), written once before the first login: Dovecot's passwd-file reload is keyed on the
        file's mtime (1 s resolution), so appending users during the session makes freshly added ones
        fail to log in now and then."""
        lines = [f"boot@example.test:{{PLAIN}}{PASSWORD}::::::"]
        lines += [f"{self._user(i)}:{{PLAIN}}{PASSWORD}::::::" for i in range(1, n + 1)]
        lines += [f"{user}:{{PLAIN}}{password}::::::" for user, password in extra]
        (self.dir / "users").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def new_account(self) -> ImapAccount:
        n = next(self._ids)
        if n > POOL:
            raise RuntimeError(f"more than {POOL} IMAP accounts in one session; raise POOL")
        return ImapAccount(self.host, self.port, self._user(n), PASSWORD, self)

    def doveadm(self, *args: str) -> str:
        proc = subprocess.run(["doveadm", "-c", str(self.conf), *args], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=30)
        if proc.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed: {proc.stderr.strip()}")
        return proc.stdout
