"""Shared fixtures. Peer servers (PostgreSQL, Dovecot, SMTP, Slack, Statuspage) live in tests/peers/."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from intake.store.db import make_engine, session_factory, upgrade
from intake.store.models import Base

pytest_plugins = [
    "tests.peers.postgres",
    "tests.peers.statuspage",
    "tests.peers.dovecot",
    "tests.peers.smtp",
    "tests.peers.slack",
]

ROOT = Path(__file__).resolve().parent.parent

# Nothing from a developer's shell may leak into tests (Slack tokens, database URLs...).
for _key in list(os.environ):
    if _key.startswith(("SUPPORTBOT_", "SLACK_")) or _key == "DATABASE_URL":
        del os.environ[_key]
# Never the checkout's ./data: every test run gets its own data dir (SQLite file, generated keys).
os.environ["SUPPORTBOT_DATA_DIR"] = tempfile.mkdtemp(prefix="supportbot-data-")


@pytest.fixture(scope="session")
def _sqlite_url() -> Iterator[str]:
    directory = tempfile.mkdtemp(prefix="supportbot-test-")
    yield f"sqlite:///{directory}/test.db"


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The database URL, once for SQLite and once for PostgreSQL, migrated to head."""
    if request.param == "sqlite":
        url = request.getfixturevalue("_sqlite_url")
    else:
        url = request.getfixturevalue("postgres_server_url")
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def _engines() -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture
def engine(db_url: str, _engines: dict[str, Engine]) -> Iterator[Engine]:
    """A migrated database emptied before each test."""
    eng = _engines.get(db_url)
    if eng is None:
        eng = _engines[db_url] = make_engine(db_url)
    _truncate(eng)
    yield eng


def _truncate(eng: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as s:
        yield s
