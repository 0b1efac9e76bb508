"""Engines, sessions and migrations.

SQLite is the embedded default (WAL journal, foreign keys on, a busy timeout so two processes on one
machine wait for each other instead of failing); PostgreSQL is chosen by ``DATABASE_URL``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def private_sqlite_file(path: Path) -> None:
    """The database's directory 0700 (when we create it) and the file 0600 before SQLite opens it.

    SQLite gives its ``-wal`` and ``-shm`` files the database file's permissions, so they follow. An
    existing file readable by others (an older install) is tightened: tickets and the redaction log
    are personal data."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path.parent, 0o700)  # mkdir's mode is filtered by the umask; parents are not ours to change
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if name.stat().st_mode & 0o077:
                os.chmod(name, 0o600)


def make_engine(url: str, *, echo: bool = False, pool_size: int = 5) -> Engine:
    """An engine for ``url``; creates the SQLite file's directory when needed."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:" and not path.startswith("file:"):
            private_sqlite_file(Path(path))
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # Python's sqlite3 opens transactions lazily; take control so BEGIN IMMEDIATE works.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            # Writers take the lock at BEGIN: no "database is locked" on lock upgrade mid-transaction.
            # Readers (read_session_factory) begin DEFERRED: in WAL mode they never wait for a writer.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


READ_ONLY = "supportbot_read_only"


def read_session_factory(factory_or_engine: sessionmaker[Session] | Engine) -> sessionmaker[Session]:
    """Sessions for reading only, on the same engine (and pool) as ``factory_or_engine``.

    SQLite: their transactions begin DEFERRED instead of IMMEDIATE, so a read (a Slack modal
    loading its ticket before the ack) never queues behind a writer holding the write lock; WAL
    gives it the last committed state. PostgreSQL: a READ ONLY transaction (a write fails).
    """
    engine = factory_or_engine if isinstance(factory_or_engine, Engine) else factory_or_engine.kw["bind"]
    options: dict[str, object] = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True
    return sessionmaker(bind=engine.execution_options(**options), expire_on_commit=False)


@contextlib.contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    session = factory()
    try:
        with session.begin():
            yield session
    finally:
        session.close()


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url_or_engine: str | Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (Alembic)."""
    from alembic import command

    if isinstance(url_or_engine, Engine):
        cfg = alembic_config(url_or_engine.url.render_as_string(hide_password=False))
        with url_or_engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    else:
        command.upgrade(alembic_config(url_or_engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
