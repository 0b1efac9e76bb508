"""Who may follow up a ticket, and how many tickets one sender may open, through the real flow
(Dovecot, aiosmtpd, Statuspage; SQLite and PostgreSQL).

A ticket's token in the subject (sequential, so guessable) threads only the ticket's own sender or an
authenticated member of its organization; anyone else's mail is a new request (deflected while the
website is up). The thread says who sent each follow-up and whether they were verified. A sender past
the limit of new tickets per window (a non-threading autoresponder) is folded into their most recent
open ticket: no new ticket, no triage post, no acknowledgement."""

from __future__ import annotations

import time

import pytest

from intake.worker import build_worker
from tests.mail.flow_helpers import drain, inbound, mail, make_settings, outbox, tickets

pytestmark = pytest.mark.dovecot

HIJACK = "Please send the invoice to our new bank account"


def _worker(db_url, factory, dovecot, smtp_sink, statuspage, scenario="major-outage-critical", **overrides):  # type: ignore[no-untyped-def]
    statuspage.set_scenario(scenario)
    settings = make_settings(db_url=db_url, imap=dovecot, smtp=smtp_sink, statuspage=statuspage, **overrides)
    return build_worker(settings, factory=factory)


def _thread(factory, ticket_id):  # type: ignore[no-untyped-def]
    return [i.payload["text"] for i in outbox(factory, "slack")
            if i.payload["op"] == "thread_message" and i.ticket_id == ticket_id]


def _posts(factory):  # type: ignore[no-untyped-def]
    return [i for i in outbox(factory, "slack") if i.payload["op"] == "post_ticket"]


@pytest.mark.parametrize("authenticated", [False, True])
def test_a_stranger_naming_a_ticket_in_the_subject_opens_no_follow_up(db_url, factory, dovecot, smtp_sink,
                                                                     statuspage, authenticated):
    worker = _worker(db_url, factory, dovecot, smtp_sink, statuspage)
    try:
        dovecot.append(mail())
        drain(worker)
        [ticket] = tickets(factory)
        dovecot.append(mail(frm="Mallory <mallory@evil.example>", subject=f"Re: [{ticket.token}] payment",
                            body=f"{HIJACK}.\n", authenticated=authenticated))
        # A member of the organization's domain, but not authenticated: no better than a stranger.
        dovecot.append(mail(frm="Bob Berger <bob@acme.example>", subject=f"Re: [{ticket.token}] payment",
                            body=f"{HIJACK}, says Bob.\n", authenticated=False))
        drain(worker)
    finally:
        worker.poller.close()
    rows = inbound(factory)
    assert [r.outcome for r in rows] == ["ticket", "ticket", "ticket"]
    assert all("subject names " + ticket.token in (r.reason or "") for r in rows[1:])
    assert rows[1].ticket_id != ticket.id and rows[2].ticket_id != ticket.id
    assert all(HIJACK not in t for t in _thread(factory, ticket.id))


def test_a_stranger_naming_a_ticket_while_the_website_is_up_is_deflected(db_url, factory, dovecot, smtp_sink,
                                                                         statuspage):
    worker = _worker(db_url, factory, dovecot, smtp_sink, statuspage)
    try:
        dovecot.append(mail())
        drain(worker)
        [ticket] = tickets(factory)
        statuspage.set_scenario("operational")  # the website comes back: two healthy readings open the gate
        for _ in range(10):
            time.sleep(0.05)
            if worker.gate.current().effective == "up":
                break
        assert worker.gate.current().effective == "up"
        dovecot.append(mail(frm="Mallory <mallory@evil.example>", subject=f"[{ticket.token}] update",
                            body=f"{HIJACK}.\n"))
        drain(worker)
    finally:
        worker.poller.close()
    rows = inbound(factory)
    assert [r.outcome for r in rows] == ["ticket", "deflected"]
    assert rows[1].ticket_id is None and f"subject names {ticket.token}" in (rows[1].reason or "")
    assert all(HIJACK not in t for t in _thread(factory, ticket.id))


def test_the_sender_and_authenticated_colleagues_follow_up_and_the_thread_says_who(db_url, factory, dovecot,
                                                                                  smtp_sink, statuspage):
    worker = _worker(db_url, factory, dovecot, smtp_sink, statuspage)
    try:
        dovecot.append(mail())
        drain(worker)
        [ack] = smtp_sink.wait_for(1)
        [ticket] = tickets(factory)
        dovecot.append(mail(subject=f"More info {ticket.token}", body="Alice adds logs.\n"))
        dovecot.append(mail(frm="Bob Berger <bob@acme.example>", subject=f"Re: [{ticket.token}]",
                            body="Bob confirms it.\n"))
        # A genuine reply (threading headers) threads whoever sends it, marked as not verified.
        ack_id = ack.header("Message-ID")
        dovecot.append(mail(frm="Dave <dave@partner.example>", subject="Re: your ticket", in_reply_to=ack_id,
                            references=ack_id, body="Dave from the agency adds a detail.\n", authenticated=False))
        drain(worker)
    finally:
        worker.poller.close()
    rows = inbound(factory)
    assert [r.outcome for r in rows] == ["ticket", "follow_up", "follow_up", "follow_up"]
    assert {r.ticket_id for r in rows} == {ticket.id}
    thread = _thread(factory, ticket.id)
    [alice] = [t for t in thread if "Alice adds logs" in t]
    [bob] = [t for t in thread if "Bob confirms" in t]
    [dave] = [t for t in thread if "Dave from the agency" in t]
    assert alice.startswith("From alice@acme.example (verified")
    assert bob.startswith("From bob@acme.example (verified")
    assert dave.startswith("From dave@partner.example (not verified")


def test_an_autoresponder_past_the_new_ticket_limit_is_folded_into_its_open_ticket(db_url, factory, dovecot,
                                                                                  smtp_sink, statuspage):
    worker = _worker(db_url, factory, dovecot, smtp_sink, statuspage, new_ticket_limit=3)
    bot = "Helpdesk <desk@customer-helpdesk.example>"
    try:
        for i in range(2):  # one batch, then a second: the limit counts both the store and the batch
            dovecot.append(mail(frm=bot, subject=f"We received your message #{i}", body=f"Ticket {i} opened.\n"))
        drain(worker)
        for i in range(2, 6):
            dovecot.append(mail(frm=bot, subject=f"We received your message #{i}", body=f"Ticket {i} opened.\n"))
        drain(worker)
    finally:
        worker.poller.close()
    rows = inbound(factory)
    assert [r.outcome for r in rows] == ["ticket"] * 3 + ["follow_up"] * 3
    opened = tickets(factory)
    assert len(opened) == 3 and len(_posts(factory)) == 3
    latest = opened[-1]
    assert {r.ticket_id for r in rows[3:]} == {latest.id}
    assert all(f"folded into {latest.token}" in (r.reason or "") and "limit 3" in (r.reason or "")
               for r in rows[3:])
    thread = _thread(factory, latest.id)
    assert all(any(f"Ticket {i} opened" in t for t in thread) for i in range(3, 6))
    assert len(smtp_sink.wait_for(3, timeout=3)) == 3  # no acknowledgement for the folded ones
    time.sleep(0.3)
    assert len(smtp_sink.messages) == 3
