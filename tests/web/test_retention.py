"""Retention: raw mail content of closed tickets and old redaction log entries are purged, the chain
stays verifiable from the recorded anchor, and each purge is logged."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select, update

from intake import services
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.retention import ANCHOR_ACTION, PURGE_ACTION, chain_status, purge
from intake.store.models import AuditEntry, InboundMessage, OutboxItem, RedactionLogEntry, Ticket
from tests.web.conftest import HMAC_KEY, rejected_text

POLICY = Policy.default()


def _closed_ticket(s, *, opened, closed, subject="Checkout broken"):  # type: ignore[no-untyped-def]
    t = services.open_ticket(s, policy=POLICY, now=opened, channel="email", subject=subject,
                             body="Customer wrote: the checkout fails for order 4711.", requested_severity=Severity.S2,
                             sender_email="ops@acme.example", organization="Acme GmbH")
    s.add(InboundMessage(channel="email", mailbox="INBOX", uidvalidity=1, uid=t.id, message_id=f"<m{t.id}@x>",
                         subject=subject, received_at=opened, outcome="ticket", ticket_id=t.id))
    services.send_reply(s, t.id, text="We are looking into the checkout.", now=opened + dt.timedelta(minutes=30),
                        actor="U1")
    s.execute(update(OutboxItem).where(OutboxItem.ticket_id == t.id).values(state="done"))
    if closed is not None:
        services.close(s, t.id, now=closed, actor="U1")
    return t.id


def test_closed_tickets_lose_their_mail_content_after_the_period_and_keep_their_figures(
        factory, web_settings, clock, caplog):
    now = clock.now
    settings = web_settings.model_copy(update={"retention_closed_ticket_days": 30})
    with factory.begin() as s:
        old = _closed_ticket(s, opened=now - dt.timedelta(days=60), closed=now - dt.timedelta(days=31))
        recent = _closed_ticket(s, opened=now - dt.timedelta(days=40), closed=now - dt.timedelta(days=29))
        still_open = _closed_ticket(s, opened=now - dt.timedelta(days=90), closed=None)
        s.add(InboundMessage(channel="email", mailbox="INBOX", uidvalidity=1, uid=999, message_id="<defl@x>",
                             subject="Please help with invoices", received_at=now - dt.timedelta(days=45),
                             outcome="deflected"))
    with caplog.at_level(logging.INFO, logger="intake.retention"), factory.begin() as s:
        report = purge(s, now=now, settings=settings)
    assert (report.tickets, report.inbound_messages) == (1, 2)
    assert report.outbox_items >= 1
    with factory() as s:
        t_old, t_recent, t_open = (s.get(Ticket, i) for i in (old, recent, still_open))
        assert t_old.body is None and t_old.subject is None
        assert t_old.initial_response_at is not None and t_old.due_at is not None  # figures stay
        assert t_recent.body and t_open.body
        assert s.scalar(select(InboundMessage.subject).where(InboundMessage.ticket_id == old)) is None
        assert s.scalar(select(InboundMessage.subject).where(InboundMessage.message_id == "<defl@x>")) is None
        for item in s.scalars(select(OutboxItem).where(OutboxItem.ticket_id == old)):
            assert "text" not in item.payload and "subject" not in item.payload
        assert any("checkout" in str(i.payload) for i in s.scalars(select(OutboxItem)
                                                                   .where(OutboxItem.ticket_id == recent)))
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == PURGE_ACTION)).one()
        assert audit.data["tickets"] == 1 and audit.username == "retention"
    assert any("retention purge: 1 ticket(s)" in r.getMessage() for r in caplog.records)
    assert not any("checkout" in r.getMessage().lower() for r in caplog.records)
    with factory.begin() as s:  # idempotent
        assert not purge(s, now=now, settings=settings).anything


def _append(s, when, canary):  # type: ignore[no-untyped-def]
    from intake.store.redaction_log import append

    text, findings = rejected_text(canary)
    return append(s, key=HMAC_KEY, now=when, channel="email", message_ref=None, sender_org="Acme GmbH",
                  text=text, findings=findings[:2]).id


def test_old_redaction_entries_are_purged_and_the_chain_verifies_from_the_anchor(factory, web_settings, clock, canary):
    now = clock.now
    settings = web_settings.model_copy(update={"retention_redaction_log_days": 30})
    with factory.begin() as s:
        ids = [_append(s, now - dt.timedelta(days=d), canary) for d in (50, 40, 31, 20, 1)]
    with factory.begin() as s:
        report = purge(s, now=now, settings=settings)
    assert report.redaction_entries == 3
    with factory() as s:
        assert s.scalars(select(RedactionLogEntry.id).order_by(RedactionLogEntry.id)).all() == ids[3:]
        anchor = s.scalars(select(AuditEntry).where(AuditEntry.action == ANCHOR_ACTION)).one()
        assert anchor.data["purged_through_id"] == ids[2]
        status = chain_status(s)
    assert status["ok"] and status["anchored"] and status["checked"] == 2
    assert status["start"] == report.anchor
    # New entries keep linking to the chain, and tampering is still found after a purge.
    with factory.begin() as s:
        new_id = _append(s, now, canary)
    with factory() as s:
        assert chain_status(s)["ok"]
    with factory.begin() as s:
        s.execute(update(RedactionLogEntry).where(RedactionLogEntry.id == ids[4]).values(channel="slack"))
    with factory() as s:
        broken = chain_status(s)
    assert not broken["ok"] and broken["first_bad_id"] == ids[4]
    assert new_id > ids[4]


def test_the_newest_entry_is_never_purged_so_the_chain_continues(factory, web_settings, clock, canary):
    now = clock.now
    settings = web_settings.model_copy(update={"retention_redaction_log_days": 30})
    with factory.begin() as s:
        ids = [_append(s, now - dt.timedelta(days=d), canary) for d in (90, 60)]
    with factory.begin() as s:
        assert purge(s, now=now, settings=settings).redaction_entries == 1
    with factory.begin() as s:
        _append(s, now, canary)
    with factory() as s:
        assert s.scalars(select(RedactionLogEntry.id)).first() == ids[1]
        assert chain_status(s)["ok"]


def test_removing_a_kept_entry_after_a_purge_is_detected(factory, web_settings, clock, canary):
    now = clock.now
    settings = web_settings.model_copy(update={"retention_redaction_log_days": 30})
    with factory.begin() as s:
        ids = [_append(s, now - dt.timedelta(days=d), canary) for d in (60, 10, 5)]
        purge(s, now=now, settings=settings)
    with factory.begin() as s:
        s.execute(RedactionLogEntry.__table__.delete().where(RedactionLogEntry.id == ids[1]))
    with factory() as s:
        status = chain_status(s)
    assert not status["ok"] and status["first_bad_id"] == ids[2]


def test_a_period_of_zero_keeps_everything(factory, web_settings, clock, canary):
    settings = web_settings.model_copy(update={"retention_redaction_log_days": 0, "retention_closed_ticket_days": 0})
    with factory.begin() as s:
        _append(s, clock.now - dt.timedelta(days=3000), canary)
        _append(s, clock.now, canary)
        _closed_ticket(s, opened=clock.now - dt.timedelta(days=3000), closed=clock.now - dt.timedelta(days=2999))
    with factory.begin() as s:
        assert not purge(s, now=clock.now, settings=settings).anything
