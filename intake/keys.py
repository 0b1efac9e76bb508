"""Secret keys generated once under the data directory: written atomically, 0600, at least 32 bytes.

A key file is written to a temporary file in the same directory (0600, flushed and fsynced) and then
linked into place: ``os.link`` is the rename that never replaces, so of two processes starting
together exactly one key wins and both read it. A crash or full disk leaves a stray temporary file,
never a half-written or empty key. An existing key that is shorter than 32 bytes (or unreadable) is
refused at start-up with the file and the reason: cookies signed with ``b""`` must never be accepted.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

MIN_KEY_BYTES = 32


class KeyFileError(ValueError):
    """A key that cannot be used: names the file or setting and the reason."""


def check_key(value: bytes, *, source: str) -> bytes:
    """``value`` when it is long enough, else :class:`KeyFileError` naming ``source``."""
    if len(value) < MIN_KEY_BYTES:
        raise KeyFileError(f"{source}: the key has {len(value)} bytes; at least {MIN_KEY_BYTES} are required "
                           "(delete an empty or truncated key file to have a new one generated)")
    return value


def load_or_create(path: Path) -> bytes:
    """The key in ``path``; generated (64 hex characters, 0600) when the file does not exist."""
    if not path.exists():
        _create(path)
    try:
        mode = path.stat().st_mode & 0o777
        value = path.read_bytes().strip()
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read the key: {exc.strerror or exc}") from exc
    if mode & 0o077:
        with contextlib.suppress(OSError):  # an older install wrote it 0644: tighten, don't refuse
            os.chmod(path, 0o600)
    return check_key(value, source=str(path))


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_hex(32).encode())
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # atomic, and never replaces a key another process just wrote
        except FileExistsError:
            pass  # another process won the race: use theirs
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    with contextlib.suppress(OSError):  # make the new directory entry durable
        dirfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)
