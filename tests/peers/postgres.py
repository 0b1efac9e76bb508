"""PostgreSQL for the store tests: a fresh database per test session on the real server.

The server is the machine's PostgreSQL (127.0.0.1:5432, trust auth) or ``SUPPORTBOT_TEST_PG``
(a URL of a server where we may create databases). In CI (``CI=true``) an unreachable server
fails the run; elsewhere the PostgreSQL half of the store tests is skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("SUPPORTBOT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _admin_engine():  # type: ignore[no-untyped-def]
    return create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of a freshly created, empty database on the PostgreSQL server; dropped afterwards."""
    name = f"supportbot_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection problem means "no server"
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but unreachable at {ADMIN_URL}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {ADMIN_URL}: {exc}")
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
        ), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()
