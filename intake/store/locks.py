"""Named locks that die with the process holding them.

Why: a lease row that expires (the IMAP reader's, 120 s) or a claim with a time-to-live (the
outbox's, 300 s) makes a restarted worker wait out its dead predecessor. A lock owned by the
holder's *process* is released by the operating system or the database the moment that process
dies (``kill -9`` included), so the next worker takes over at once:

* **PostgreSQL**: a session-level advisory lock (``pg_try_advisory_lock``) on one dedicated
  connection per process; the server drops it when the connection closes, and the kernel closes
  the socket of a dead process.
* **SQLite** (a file database): ``fcntl.flock`` on a small file beside the database
  (``<db>.locks/``); the kernel drops it when the last descriptor of the dead process closes.
  ``flock`` locks belong to the open file, so two holders in one process also exclude each other.

An in-memory SQLite database has no other process to share with: no locks there
(:func:`process_locks` returns None and callers keep their time-based fallback).

Each lock has an owner name (a worker id): several workers in one process (tests, a demo) exclude
each other too. Probing (``is_free``) takes and at once drops the lock: it can say "free" only
when the holder is gone.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

__all__ = ["ProcessLocks", "process_locks"]

log = logging.getLogger(__name__)

_REGISTRY: dict[str, ProcessLocks] = {}
_REGISTRY_LOCK = threading.Lock()


def process_locks(bind: Any) -> ProcessLocks | None:
    """The process-wide locks for a database (an ``Engine``, or a sessionmaker bound to one)."""
    engine = bind if isinstance(bind, Engine) else getattr(bind, "kw", {}).get("bind")
    if not isinstance(engine, Engine):
        return None
    url = engine.url
    if url.get_backend_name() == "sqlite":
        db = url.database or ""
        if not db or db == ":memory:" or db.startswith("file:"):
            return None
    elif url.get_backend_name() != "postgresql":
        return None
    key = url.render_as_string(hide_password=True)
    with _REGISTRY_LOCK:
        locks = _REGISTRY.get(key)
        if locks is None:
            locks = _REGISTRY[key] = ProcessLocks(engine)
        return locks


def _pg_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class ProcessLocks:
    """Named exclusive locks held by this process until :meth:`unlock` or its death."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.backend = engine.url.get_backend_name()
        self._mutex = threading.Lock()
        self._held: dict[str, tuple[str, int]] = {}  # name -> (owner, file descriptor or 0)
        self._conn: Any = None
        if self.backend == "sqlite":
            self._dir = Path(engine.url.database or "").resolve().parent / (
                Path(engine.url.database or "db").name + ".locks")

    # -- public ---------------------------------------------------------------------------------------

    def try_lock(self, name: str, owner: str) -> bool:
        """Take ``name`` for ``owner`` (or confirm ``owner`` still holds it); False while another
        live holder, in this process or another, has it."""
        with self._mutex:
            if name in self._held:
                if self._held[name][0] != owner:
                    return False
                if self._still_held():
                    return True
                self._held.pop(name, None)  # the connection holding it was lost: so was the lock
            return self._take(name, owner)

    def unlock(self, name: str, owner: str) -> None:
        with self._mutex:
            if name in self._held and self._held[name][0] == owner:
                self._drop(name)

    def is_free(self, name: str) -> bool:
        """True when no live holder (in any process) has ``name``: its holder died or let go."""
        with self._mutex:
            if name in self._held:
                return False
            if not self._take(name, ""):
                return False
            self._drop(name)
            return True

    # -- backends -------------------------------------------------------------------------------------

    def _take(self, name: str, owner: str) -> bool:
        if self.backend == "sqlite":
            self._dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            path = self._dir / (hashlib.sha256(name.encode()).hexdigest()[:24] + ".lock")
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            import fcntl

            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return False
            self._held[name] = (owner, fd)
            return True
        conn = self._connection()
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _pg_key(name)}).scalar())
        if got:
            self._held[name] = (owner, 0)
        return got

    def _drop(self, name: str) -> None:
        held = self._held.pop(name, None)
        if held is None:
            return
        if self.backend == "sqlite":
            os.close(held[1])  # closing the descriptor releases the flock
            return
        try:
            self._connection().execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _pg_key(name)})
        except Exception:  # noqa: BLE001 - a lost connection has released it already
            log.warning("could not release advisory lock %s; its connection is gone", name)
            self._reset()

    def _connection(self) -> Any:
        if self._conn is None:
            # Its own connection, outside the pool, for the life of the process: the locks live here.
            self._conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._conn

    def _still_held(self) -> bool:
        if self.backend == "sqlite":
            return True
        try:
            self._connection().execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - the server or the network dropped it: locks gone too
            log.warning("lock connection lost; its advisory locks are gone")
            self._reset()
            return False

    def _reset(self) -> None:
        with contextlib.suppress(Exception):
            if self._conn is not None:
                self._conn.close()
        self._conn = None
        self._held = {k: v for k, v in self._held.items() if self.backend == "sqlite"}

    def close(self) -> None:
        """Release everything (a clean stop)."""
        with self._mutex:
            for name in list(self._held):
                self._drop(name)
            if self._conn is not None:
                with contextlib.suppress(Exception):
                    self._conn.close()
                self._conn = None
