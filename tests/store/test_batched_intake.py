"""The batched intake path: one-statement enqueue, thread Message-IDs indexed, ticket ids taken ahead."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from intake import services
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.outbox import enqueue
from intake.store.models import OutboxItem, Ticket, TicketEvent, TicketMessageId
from intake.store.uow import ReservedIds
from tests.paths import ROOT

POLICY = Policy.load(ROOT / "config" / "policy.toml")
T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def _open(s: Session, root: str | None, **kw: object) -> Ticket:
    return services.open_ticket(s, policy=POLICY, now=T0, channel="email", subject="Checkout down",  # type: ignore[arg-type]
                                body="Orders fail", requested_severity=Severity.S2, sender_email="ops@acme.example",
                                root_message_id=root, **kw)


def test_enqueue_returns_the_new_row_and_the_existing_one_for_a_known_key(factory: sessionmaker[Session]) -> None:
    with factory() as s, s.begin():
        first = enqueue(s, kind="email", payload={"n": 1}, dedupe_key="k1", now=T0)
        assert first.id is not None and first.state == "pending" and first.payload == {"n": 1}
        again = enqueue(s, kind="email", payload={"n": 2}, dedupe_key="k1", now=T0)
        assert again is first
        first_id = first.id
    with factory() as s, s.begin():
        later = enqueue(s, kind="email", payload={"n": 3}, dedupe_key="k1", now=T0)
        assert later.id == first_id and later.payload == {"n": 1}
        other = enqueue(s, kind="slack", payload={}, dedupe_key="k2", now=T0, ticket_id=None)
        assert other.id > first_id
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(OutboxItem)) == 2


def test_a_reply_to_our_mail_or_to_a_follow_up_finds_the_ticket_with_one_query(
        factory: sessionmaker[Session]) -> None:
    with factory() as s, s.begin():
        a = _open(s, "<root-a@acme.example>")
        b = _open(s, "<root-b@acme.example>")
        item = services.send_reply(s, a.id, text="We are on it.", now=T0, actor="U1")
        ours = item.payload["message_id"]
        services.record_message_ids(s, b.id, ["<followup-b@acme.example>"], direction="in", now=T0)
        a_id, b_id = a.id, b.id
    with factory() as s:
        statements: list[str] = []
        listen = event.listens_for(s.get_bind(), "before_cursor_execute")

        @listen
        def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            statements.append(statement)

        found = services.find_ticket_for_mail(s, in_reply_to=ours, references=["<root-a@acme.example>", ours],
                                              subject="Re: something")
        assert found is not None and found.id == a_id
        assert len([x for x in statements if x.lstrip().upper().startswith("SELECT")]) == 1
        event.remove(s.get_bind(), "before_cursor_execute", count)
        found = services.find_ticket_for_mail(s, in_reply_to="<followup-b@acme.example>", references=[],
                                              subject=None)
        assert found is not None and found.id == b_id
        # a ticket's own root wins over another ticket's id further down the references
        found = services.find_ticket_for_mail(s, in_reply_to="<followup-b@acme.example>",
                                              references=["<root-a@acme.example>"], subject=None)
        assert found is not None and found.id == a_id
        assert services.find_ticket_for_mail(s, in_reply_to="<unknown@x>", references=[], subject="no token") is None
        directions = dict(s.execute(select(TicketMessageId.message_id, TicketMessageId.direction)).all())
        assert directions == {"<root-a@acme.example>": "in", "<root-b@acme.example>": "in",
                              ours: "out", "<followup-b@acme.example>": "in"}


def test_an_indexed_message_id_keeps_its_first_ticket(factory: sessionmaker[Session]) -> None:
    with factory() as s, s.begin():
        a = _open(s, "<root-a@acme.example>")
        b = _open(s, None)
        services.record_message_ids(s, b.id, ["<root-a@acme.example>"], direction="in", now=T0)
        a_id = a.id
    with factory() as s:
        assert s.scalar(select(TicketMessageId.ticket_id)) == a_id


def test_tickets_with_ids_taken_ahead_are_written_by_one_flush_and_later_ids_follow(
        factory: sessionmaker[Session]) -> None:
    with factory() as s, s.begin():
        _open(s, "<before@acme.example>")
    with factory() as s, s.begin():
        ids = ReservedIds(s, "tickets", expected=3)
        rows = [_open(s, f"<batch-{i}@acme.example>", ticket_id=ids.take()) for i in range(4)]  # one more than expected
        services.record_message_ids(s, rows[0].id, ["<ack-0@vendor.example>"], direction="out", now=T0, defer=True)
        assert all(r.token == services.token_for(r.id) for r in rows)
        assert len({r.id for r in rows}) == 4
        s.flush()
        batch_ids = [r.id for r in rows]
    with factory() as s, s.begin():
        after = _open(s, "<after@acme.example>")
        assert after.id > max(batch_ids)
    with factory() as s:
        tokens = s.scalars(select(Ticket.token).order_by(Ticket.id)).all()
        assert len(tokens) == 6 and len(set(tokens)) == 6
        for tid in batch_ids:
            assert s.scalar(select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == tid)) >= 1
            post = s.scalar(select(OutboxItem).where(OutboxItem.dedupe_key == f"slack:post:{tid}"))
            assert post is not None and post.payload == {"op": "post_ticket", "ticket_id": tid}
        assert s.scalar(select(TicketMessageId.ticket_id).where(
            TicketMessageId.message_id == "<ack-0@vendor.example>")) == batch_ids[0]


def test_queued_rows_are_written_by_commit_kept_across_a_rolled_back_savepoint_and_dropped_by_rollback(
        factory: sessionmaker[Session]) -> None:
    import pytest

    with factory() as s, s.begin():
        enqueue(s, kind="email", payload={}, dedupe_key="q1", now=T0, defer=True)  # nothing else pending
    with factory() as s, s.begin():
        enqueue(s, kind="email", payload={}, dedupe_key="q2", now=T0, defer=True)
        try:
            with s.begin_nested():
                s.add(OutboxItem(kind="email", payload={}, dedupe_key="q1", state="pending", attempts=0,
                                 next_attempt_at=T0, created_at=T0))
                s.flush()  # IntegrityError inside the savepoint: q2 must not be written (and lost) in it
        except Exception:  # noqa: BLE001
            pass
    with pytest.raises(RuntimeError), factory() as s, s.begin():
        enqueue(s, kind="email", payload={}, dedupe_key="q3", now=T0, defer=True)
        raise RuntimeError("rolled back")
    with factory() as s, s.begin():
        _open(s, None)  # a later transaction of a fresh session writes nothing stale
    with factory() as s:
        assert sorted(s.scalars(select(OutboxItem.dedupe_key).where(OutboxItem.kind == "email"))) == ["q1", "q2"]
