"""The email channel end to end against real peers: Dovecot (IMAP), aiosmtpd (SMTP), the local
Statuspage; the worker's poller and outbox dispatcher are driven step by step."""

from __future__ import annotations

import base64
import email
import email.policy
import logging
import time
import uuid

import pytest
from sqlalchemy import select, text

from intake.store.models import AutoReply, Base, InboundMessage, OutboxItem, RedactionLogEntry, Ticket
from intake.worker import build_worker
from tests.mail.flow_helpers import SUPPORT, count, drain, inbound, mail, make_settings, outbox, tickets

pytestmark = pytest.mark.dovecot


@pytest.fixture
def setup(db_url, factory, dovecot, smtp_sink, statuspage):
    built = []

    def build(**overrides):
        settings = make_settings(db_url=db_url, imap=dovecot, smtp=smtp_sink, statuspage=statuspage, **overrides)
        worker = build_worker(settings, factory=factory)
        built.append(worker)
        return worker
    yield build
    for worker in built:
        worker.poller.close()
        for close in worker.closers:
            close()


def _outcomes(factory):
    return [row.outcome for row in inbound(factory)]


def test_website_up_deflects_once_per_sender_and_never_answers_automated_mail(setup, factory, dovecot,
                                                                              smtp_sink, statuspage):
    statuspage.set_scenario("operational")
    worker = setup()
    dovecot.append([
        mail(subject="Checkout down?"),
        mail(subject="Still down?"),  # same sender: the pointer went out already
        mail(frm="Vacation <bob@acme.example>", subject="Out of office", headers={"Auto-Submitted": "auto-replied"}),
    ])
    drain(worker)

    assert _outcomes(factory) == ["deflected", "deflected", "filtered"]
    assert tickets(factory) == []
    sent = smtp_sink.wait_for(1)
    time.sleep(0.2)
    assert len(smtp_sink.messages) == 1
    pointer = sent[0]
    assert pointer.rcpt_tos == ["alice@acme.example"]
    assert pointer.mail_from in ("", "<>")  # null reverse-path: an automatic reply never bounces back (RFC 3834 §3.3)
    assert pointer.header("Auto-Submitted") == "auto-replied"
    assert "support website" in pointer.text.lower()
    rows = inbound(factory)
    assert "already sent" in rows[1].reason
    assert rows[0].gate_state == "up" and "operational" in rows[0].gate_reason
    assert rows[0].subject is None  # nothing of a deflected mail is kept
    with factory() as s:
        assert s.scalar(select(AutoReply.count).where(AutoReply.address == "alice@acme.example")) == 1
    assert set(dovecot.flags()) == {1, 2, 3} and all(b"$SupportbotDone" in f for f in dovecot.flags().values())


def test_website_down_opens_ticket_with_sla_acknowledgement_and_slack_post(setup, factory, dovecot, smtp_sink,
                                                                         statuspage):
    statuspage.set_scenario("major-outage-critical")
    worker = setup()
    customer_id = f"<{uuid.uuid4().hex}@acme.example>"
    dovecot.append(mail(message_id=customer_id))
    drain(worker)

    [row] = inbound(factory)
    assert row.outcome == "ticket" and row.gate_state == "down"
    [ticket] = tickets(factory)
    assert (ticket.organization, ticket.project, ticket.effective_severity) == ("acme", "shop-eu", "S2")
    assert ticket.priority_eligible and ticket.sender_trusted
    assert ticket.due_at is not None and ticket.submitted_at is not None
    assert ticket.root_message_id == customer_id
    slack = [i for i in outbox(factory, "slack") if i.payload["op"] == "post_ticket"]
    assert len(slack) == 1 and slack[0].payload["ticket_id"] == ticket.id
    [ack] = smtp_sink.wait_for(1)
    assert ack.rcpt_tos == ["alice@acme.example"]
    assert ack.header("In-Reply-To") == customer_id and customer_id in ack.header("References")
    assert ack.header("Auto-Submitted") == "auto-replied"
    assert f"[{ticket.token}]" in ack.header("Subject")
    assert ticket.token in ack.text and "S2" in ack.text
    assert "priority handling" not in ack.text  # a registered, authenticated sender needs no hint
    assert b"$SupportbotDone" in dovecot.flags()[1]


def test_unregistered_sender_missing_fields_are_asked_and_registration_explained(setup, factory, dovecot,
                                                                               smtp_sink, statuspage):
    statuspage.set_scenario("major-outage-critical")
    worker = setup()
    dovecot.append(mail(frm="Dan <dan@newcustomer.example>", subject="Our shop is slow",
                        body="Hello, the storefront is slow today.\n", authenticated=False))
    drain(worker)
    [ticket] = tickets(factory)
    assert not ticket.priority_eligible
    assert set(ticket.missing_fields) >= {"organization", "project", "severity"}
    [ack] = smtp_sink.wait_for(1)
    assert "Organization: ..." in ack.text and "Project: ..." in ack.text
    assert "could not verify" in ack.text and "register" in ack.text


def test_flapping_website_needs_consecutive_healthy_probes_before_deflecting_again(
        setup, factory, dovecot, smtp_sink, statuspage):
    worker = setup(statuspage_url=None, health_url=statuspage.health_url, portal_down_after=1, portal_up_after=2)
    outcomes = []
    for i, code in enumerate([503, 200, 503, 200, 200]):
        statuspage.set_health(code)
        time.sleep(0.05)  # the recorded reading is stale: this batch refreshes the gate once
        dovecot.append(mail(frm=f"User {i} <user{i}@acme.example>", subject=f"Problem {i}"))
        drain(worker)
        outcomes.append(inbound(factory)[-1])
    assert [r.outcome for r in outcomes] == ["ticket", "ticket", "ticket", "ticket", "deflected"]
    assert "recovering: 1/2" in outcomes[1].gate_reason and "recovering: 1/2" in outcomes[3].gate_reason
    assert outcomes[4].gate_state == "up"


def test_redaction_rejection_keeps_nothing_and_asks_to_resubmit_naming_only_types(
        setup, factory, dovecot, smtp_sink, statuspage, caplog):
    caplog.set_level(logging.DEBUG)
    statuspage.set_scenario("major-outage-critical")
    worker = setup()
    canary_mail = f"jane.canary{uuid.uuid4().hex[:8]}@gmail.com"
    canary_secret = f"Zq{uuid.uuid4().hex[:14]}Xy"
    raw = mail(subject=f"Refund for {canary_mail}",
               body=("Organization: acme\nProject: shop-eu\n\nOur customer Jane Canary "
                     f"({canary_mail}, +49 170 5550123) cannot pay.\n"
                     f"The admin login is admin / password: {canary_secret}\n"))
    dovecot.append(raw)
    drain(worker)

    [row] = inbound(factory)
    assert row.outcome == "rejected_redaction" and row.subject is None
    assert tickets(factory) == []
    [request] = smtp_sink.wait_for(1)
    assert request.header("Auto-Submitted") == "auto-replied"
    assert "email addresses" in request.text
    assert canary_mail not in request.raw.decode("utf-8", "replace")
    assert canary_secret not in request.raw.decode("utf-8", "replace")
    with factory() as s:
        entry = s.scalar(select(RedactionLogEntry))
        assert entry is not None and "EMAIL_ADDRESS" in entry.entity_types
        dump = []
        for table in Base.metadata.sorted_tables:
            dump.extend(repr(tuple(r)) for r in s.execute(text(f'SELECT * FROM "{table.name}"')))
    blob = "\n".join(dump)
    assert canary_mail not in blob and canary_secret not in blob and "Jane Canary" not in blob
    assert canary_mail not in caplog.text and canary_secret not in caplog.text
    assert dovecot.flags() == {}  # support terms: such a request "can be deleted": expunged


def test_follow_ups_thread_to_the_open_ticket_by_headers_or_token(setup, factory, dovecot, smtp_sink, statuspage):
    statuspage.set_scenario("major-outage-critical")
    worker = setup()
    dovecot.append(mail())
    drain(worker)
    [ack] = smtp_sink.wait_for(1)
    [ticket] = tickets(factory)

    ack_id = ack.header("Message-ID")
    dovecot.append(mail(subject=f"Re: {ack.header('Subject')}", in_reply_to=ack_id, references=ack_id,
                        body="It also fails for PayPal.\n"))
    dovecot.append(mail(subject=f"More info {ticket.token}", body="Logs attached later.\n"))
    drain(worker)

    rows = inbound(factory)
    assert [r.outcome for r in rows] == ["ticket", "follow_up", "follow_up"]
    assert {r.ticket_id for r in rows} == {ticket.id}
    assert len(tickets(factory)) == 1
    thread = [i.payload for i in outbox(factory, "slack") if i.payload["op"] == "thread_message"]
    assert any("PayPal" in p["text"] for p in thread) and any("Logs attached" in p["text"] for p in thread)
    time.sleep(0.2)
    assert len(smtp_sink.messages) == 1  # follow-ups are not acknowledged again


def test_follow_up_with_a_secret_is_rejected_into_the_thread_without_its_content(setup, factory, dovecot,
                                                                                 smtp_sink, statuspage):
    statuspage.set_scenario("major-outage-critical")
    worker = setup()
    dovecot.append(mail())
    drain(worker)
    [ticket] = tickets(factory)
    secret = "AKIA" + base64.b32encode(uuid.uuid4().bytes).decode()[:16]
    dovecot.append(mail(subject=f"Re: [{ticket.token}] creds", body=f"Here is our key: {secret}\n"))
    drain(worker)
    rows = inbound(factory)
    assert rows[-1].outcome == "rejected_redaction" and rows[-1].ticket_id == ticket.id
    notes = [i.payload["text"] for i in outbox(factory, "slack") if i.payload["op"] == "thread_message"]
    assert any("rejected by redaction" in n for n in notes)
    assert all(secret not in n for n in notes)
    mails = smtp_sink.wait_for(2)
    assert ticket.token in mails[1].header("Subject") and secret not in mails[1].raw.decode()


def test_oversize_mail_is_quarantined_without_being_downloaded(setup, factory, dovecot, smtp_sink, statuspage):
    statuspage.set_scenario("major-outage-critical")
    worker = setup(max_mail_bytes=4000)
    dovecot.append(mail(body="x" * 8000 + "\n"))
    drain(worker)
    [row] = inbound(factory)
    assert row.outcome == "quarantined" and "too_large" in row.reason
    assert tickets(factory) == [] and smtp_sink.messages == []


def test_smtp_outage_is_retried_and_a_permanent_refusal_parked(setup, factory, dovecot, smtp_sink, statuspage):
    statuspage.set_scenario("major-outage-critical")
    worker = setup()
    smtp_sink.replies = ["451 4.3.0 try again later", None]
    dovecot.append(mail())
    drain(worker, rounds=2)
    [item] = outbox(factory, "email")
    assert item.state == "pending" and item.attempts == 1 and "451" in item.last_error
    with factory() as s, s.begin():
        s.get(OutboxItem, item.id).next_attempt_at = item.created_at  # backoff elapsed
    drain(worker)
    assert outbox(factory, "email")[0].state == "done" and len(smtp_sink.messages) == 1

    smtp_sink.reply = "550 5.1.1 no such user"
    dovecot.append(mail(frm="Bob Berger <bob@acme.example>"))
    drain(worker)
    parked = [i for i in outbox(factory, "email") if i.state == "parked"]
    assert len(parked) == 1 and "550" in parked[0].last_error


def test_mail_from_ourselves_and_bounces_are_filtered_without_reply(setup, factory, dovecot, smtp_sink, statuspage):
    statuspage.set_scenario("major-outage-critical")
    worker = setup()
    dovecot.append([
        mail(frm=f"Support <{SUPPORT}>", subject="our own mail"),
        mail(frm="MAILER-DAEMON <mailer-daemon@mx.acme.example>", subject="Undelivered Mail Returned to Sender"),
        mail(subject="list", headers={"List-Id": "<dev.lists.acme.example>"}),
    ])
    drain(worker)
    assert _outcomes(factory) == ["filtered", "filtered", "filtered"]
    assert count(factory, Ticket) == 0
    time.sleep(0.2)
    assert smtp_sink.messages == []
    assert all(r.reason for r in inbound(factory))


def test_reprocessing_a_recorded_uid_only_flags_it(setup, factory, dovecot, smtp_sink, statuspage):
    statuspage.set_scenario("major-outage-critical")
    worker = setup()
    dovecot.append(mail())
    drain(worker)
    dovecot.remove_flag("$SupportbotDone")  # as if we crashed after the commit, before the flag
    drain(worker)
    assert count(factory, InboundMessage) == 1 and count(factory, Ticket) == 1
    assert len(smtp_sink.wait_for(1)) == 1
    assert b"$SupportbotDone" in dovecot.flags()[1]
    parsed = email.message_from_bytes(smtp_sink.messages[0].raw, policy=email.policy.default)
    assert parsed["X-Supportbot-Loop"]
