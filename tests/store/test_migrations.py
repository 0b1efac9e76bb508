"""The Alembic migration and the models describe the same schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from intake.store.db import current_revision
from intake.store.models import Base


def test_migrations_reach_head_and_match_the_models(engine: Engine) -> None:
    assert current_revision(engine) is not None
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_inbound_messages_are_unique_per_mailbox_uidvalidity_uid(engine: Engine) -> None:
    uniques = inspect(engine).get_unique_constraints("inbound_messages")
    assert any(set(u["column_names"]) == {"mailbox", "uidvalidity", "uid"} for u in uniques)
