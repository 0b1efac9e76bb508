"""The unit of work: reply budgets spent in memory and written once, a batch's redaction log
entries chained with one flush, ids reserved ahead (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from intake.store import redaction_log
from intake.store.models import AutoReply
from intake.store.uow import UnitOfWork
from redaction.types import Finding

T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def test_a_budget_allows_the_limit_per_window_across_units_of_work(factory: sessionmaker[Session]) -> None:
    with UnitOfWork.begin(factory) as uow:
        got = [uow.budgets.claim("Ann@Acme.example", "ack", now=T0, window=DAY, limit=3) for _ in range(4)]
        assert got == [True, True, True, False]
    with UnitOfWork.begin(factory) as uow:  # the next batch sees what the first one spent
        assert not uow.budgets.claim("ann@acme.example", "ack", now=T0 + dt.timedelta(hours=1), window=DAY, limit=3)
        assert uow.budgets.claim("ann@acme.example", "deflection", now=T0, window=DAY, limit=1)
    with UnitOfWork.begin(factory) as uow:  # a window after the last one, the count starts again
        assert uow.budgets.claim("ann@acme.example", "ack", now=T0 + 2 * DAY, window=DAY, limit=3)
    with factory() as s:
        rows = {(r.kind, r.count) for r in s.scalars(select(AutoReply))}
    assert rows == {("ack", 1), ("deflection", 1)}


def test_primed_budgets_cost_two_statements_and_a_rollback_spends_nothing(factory: sessionmaker[Session]) -> None:
    with UnitOfWork.begin(factory) as uow:
        uow.budgets.claim("old@acme.example", "ack", now=T0, window=DAY, limit=5)
    statements: list[str] = []
    with UnitOfWork.begin(factory) as uow:
        bind = uow.session.get_bind()

        def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            if not statement.lstrip().upper().startswith("BEGIN"):
                statements.append(statement)
        event.listen(bind, "before_cursor_execute", count)
        try:
            uow.budgets.prime([("old@acme.example", "ack"), ("new@acme.example", "ack"),
                               ("new@acme.example", "resubmission")], now=T0, window=DAY)
            assert len(statements) == 2
            for _ in range(3):
                assert uow.budgets.claim("new@acme.example", "ack", now=T0, window=DAY, limit=5)
            assert uow.budgets.claim("old@acme.example", "ack", now=T0, window=DAY, limit=5)
            assert len(statements) == 2  # spent in memory
        finally:
            event.remove(bind, "before_cursor_execute", count)
    try:
        with UnitOfWork.begin(factory) as uow:
            uow.budgets.claim("new@acme.example", "ack", now=T0, window=DAY, limit=5)
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    with factory() as s:
        counts = {(r.address, r.kind): r.count for r in s.scalars(select(AutoReply))}
    assert counts == {("old@acme.example", "ack"): 2, ("new@acme.example", "ack"): 3,
                      ("new@acme.example", "resubmission"): 0}


def test_a_batch_of_redaction_log_entries_is_one_valid_chain(factory: sessionmaker[Session]) -> None:
    key = b"k" * 32
    text = "my password is hunter2 and my card 4111111111111111"
    finding = Finding("PASSWORD", 15, 22, 0.9, "test", "secret")
    with factory() as s, s.begin():
        redaction_log.append(s, key=key, now=T0, channel="email", message_ref="<a@x>", sender_org="acme",
                             text=text, findings=[finding])
    with UnitOfWork.begin(factory) as uow:
        def write(items: list[redaction_log.Rejection]) -> object:
            return redaction_log.append_many(uow.session, key=key, now=T0, rejections=items)
        for n in range(3):
            uow.collect("log", redaction_log.Rejection("email", f"<b{n}@x>", "acme", text, [finding]), write)
    with factory() as s:
        entries = list(redaction_log.iter_entries(s))
        assert [e.message_ref for e in entries] == ["<a@x>", "<b0@x>", "<b1@x>", "<b2@x>"]
        assert [e.prev_hash for e in entries[1:]] == [e.entry_hash for e in entries[:-1]]
        assert redaction_log.verify(s).ok
        assert all("hunter2" not in str(e.findings) for e in entries)


def test_a_read_session_does_not_wait_for_a_writer_and_cannot_write(factory: sessionmaker[Session]) -> None:
    import pytest
    from sqlalchemy.exc import DBAPIError

    from intake.store.db import read_session_factory
    from intake.store.models import Lease

    reads = read_session_factory(factory)
    with factory() as s, s.begin():
        s.add(Lease(name="l1", holder="w1", expires_at=T0))
    with factory() as writer, writer.begin():  # holds SQLite's write lock (BEGIN IMMEDIATE) until the end
        writer.add(Lease(name="l2", holder="w2", expires_at=T0))
        writer.flush()
        with reads() as reader:  # a writing session here would wait for the lock (busy timeout: 30 s)
            assert reader.scalars(select(Lease.name)).all() == ["l1"]  # the last commit, not the pending row
    with reads() as reader:
        assert sorted(reader.scalars(select(Lease.name))) == ["l1", "l2"]
        if reader.get_bind().dialect.name == "postgresql":  # READ ONLY: a write is refused
            with pytest.raises(DBAPIError):
                reader.add(Lease(name="l3", holder="w3", expires_at=T0))
                reader.flush()
