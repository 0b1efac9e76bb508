"""Ticket services on a real database: one transaction writes the row, its events and its side effects."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from intake import services
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.domain.ticket import Waiver
from intake.store.models import OutboxItem, Ticket, TicketEvent
from tests.paths import ROOT

POLICY = Policy.load(ROOT / "config" / "policy.toml")
T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def _open(s: Session, **kw: object) -> Ticket:
    args: dict[str, object] = dict(policy=POLICY, now=T0, channel="email", subject="Checkout down",
                                   body="Orders fail", requested_severity=Severity.S1,
                                   sender_email="ops@acme.example", root_message_id="<root@acme.example>")
    args.update(kw)
    return services.open_ticket(s, **args)  # type: ignore[arg-type]


def test_opening_a_ticket_writes_row_events_and_a_slack_post(factory: sessionmaker[Session]) -> None:
    with factory() as s, s.begin():
        row = _open(s, product="Backend UI")
    with factory() as s:
        t = s.get(Ticket, row.id)
        assert t is not None and t.token == f"SB-{row.id:06d}"
        assert t.effective_severity == "S3" and t.requested_severity == "S1"  # capped by the policy table
        assert t.due_at == dt.datetime(2026, 11, 30, 21, 0, tzinfo=dt.UTC)  # 10:00 CET + 12 h of Monday
        kinds = [e.kind for e in s.scalars(select(TicketEvent).order_by(TicketEvent.id))]
        assert kinds == ["opened", "severity_capped"]
        posts = s.scalars(select(OutboxItem).where(OutboxItem.kind == "slack")).all()
        assert [p.payload["op"] for p in posts] == ["post_ticket"]
        assert t.next_nag_at is not None and T0 < t.next_nag_at < t.due_at


def test_a_rolled_back_transaction_leaves_nothing(factory: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), factory() as s, s.begin():
        _open(s)
        raise RuntimeError("crash before commit")
    with factory() as s:
        assert s.scalars(select(Ticket)).all() == [] and s.scalars(select(OutboxItem)).all() == []


def test_the_first_human_reply_is_threaded_and_stops_the_clock(factory: sessionmaker[Session]) -> None:
    with factory() as s, s.begin():
        tid = _open(s).id
    later = T0 + dt.timedelta(minutes=20)
    with factory() as s, s.begin():
        item = services.send_reply(s, tid, text="We are on it.", now=later, actor="U123",
                                   from_address="support@vendor.example")
        payload = dict(item.payload)
    assert payload["to"] == ["ops@acme.example"]
    assert payload["in_reply_to"] == "<root@acme.example>"
    assert payload["references"] == ["<root@acme.example>"]
    assert payload["subject"] == f"Re: [SB-{tid:06d}] Checkout down"
    with factory() as s:
        t = s.get(Ticket, tid)
        assert t is not None and t.initial_response_at == later and t.next_nag_at is None
        notes = [o.payload.get("kind") for o in s.scalars(select(OutboxItem).where(OutboxItem.kind == "slack"))]
        assert "initial_response" in notes
    # A second reply threads under the first and does not move the initial response.
    with factory() as s, s.begin():
        second = services.send_reply(s, tid, text="Fixed.", now=later + dt.timedelta(hours=1), actor="U9",
                                     from_address="support@vendor.example")
        assert second.payload["in_reply_to"] == payload["message_id"]
        assert second.payload["references"] == ["<root@acme.example>", payload["message_id"]]
    with factory() as s:
        assert s.get(Ticket, tid).initial_response_at == later  # type: ignore[union-attr]


def test_follow_up_mail_finds_its_ticket_by_headers_or_token(factory: sessionmaker[Session]) -> None:
    with factory() as s, s.begin():
        t = _open(s)
        reply = services.send_reply(s, t.id, text="Need logs", now=T0, actor="U1", asks_for_information=True,
                                    from_address="support@vendor.example")
        token, reply_id = t.token, reply.payload["message_id"]
    with factory() as s:
        assert services.find_ticket_for_mail(s, in_reply_to=reply_id, references=[], subject="Re: x").token == token  # type: ignore[union-attr]
        assert services.find_ticket_for_mail(s, in_reply_to=None, references=["<root@acme.example>"],
                                             subject=None).token == token  # type: ignore[union-attr]
        assert services.find_ticket_for_mail(s, in_reply_to=None, references=None,
                                             subject=f"Re: [{token}] logs").token == token  # type: ignore[union-attr]
        assert services.find_ticket_for_mail(s, in_reply_to="<other@x>", references=None, subject="hello") is None


def test_severity_change_waiver_and_close_update_slack_and_the_nag(factory: sessionmaker[Session]) -> None:
    with factory() as s, s.begin():
        tid = _open(s, requested_severity=Severity.S3).id
    with factory() as s, s.begin():
        row = services.set_severity(s, tid, Severity.S1, policy=POLICY, now=T0 + dt.timedelta(minutes=5),
                                    actor="U1", reason="shop down")
        assert row.due_at == T0 + dt.timedelta(hours=1)
    with factory() as s, s.begin():
        row = services.waive(s, tid, waiver=Waiver.STATUS_PAGE, ref="inc-42", now=T0, actor="U1")
        assert row.next_nag_at is None and row.waiver == "status_page_incident"
    with factory() as s, s.begin():
        row = services.close(s, tid, now=T0, actor="U1")
        assert row.state == "closed" and row.closed_at == T0
    with factory() as s:
        ops = [o.payload["op"] for o in s.scalars(select(OutboxItem).order_by(OutboxItem.id))]
        assert ops.count("update_ticket") == 3
