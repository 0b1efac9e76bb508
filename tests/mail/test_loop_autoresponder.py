"""Loop test: a customer's autoresponder answers every mail we send; no mail loop may follow.

Three autoresponders, from polite to rude: one that marks its answers (RFC 3834
``Auto-Submitted``), one that keeps our subject (and so our ticket token) but sets no header, and
one that strips everything (new subject, no threading headers, no markers). Each of our mails
it receives is answered into the real Dovecot mailbox; the worker reads and answers in rounds
until nothing moves. Defences in play: the RFC 3834 filters, follow-up threading (no
acknowledgement of follow-ups), the per-sender limit of new tickets (the rest folded into the open
one) and the per-sender budget of automatic replies.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from intake.worker import build_worker
from tests.mail.flow_helpers import inbound, mail, make_settings, tickets

pytestmark = pytest.mark.dovecot

ACK_LIMIT = 3
ROUNDS = 25


def _answer(style: str, ours) -> bytes:
    subject = ours.header("Subject") or ""
    if style == "rfc3834":
        return mail(subject=f"Auto: {subject}", in_reply_to=ours.header("Message-ID"),
                    headers={"Auto-Submitted": "auto-replied"}, body="I am away.\n")
    if style == "keeps_subject":
        return mail(subject=f"Automatic reply: {subject}", body="I am away until Monday.\n")
    return mail(subject=f"Away {uuid.uuid4().hex[:6]}", body="I am out of the office.\n")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the loop logic is not database-specific
@pytest.mark.parametrize("style", ["rfc3834", "keeps_subject", "strips_everything"])
@pytest.mark.parametrize("scenario", ["major-outage-critical", "operational"])
def test_an_autoresponder_answering_every_mail_we_send_produces_no_loop(style, scenario, db_url, factory, dovecot,
                                                                        smtp_sink, statuspage):
    statuspage.set_scenario(scenario)
    settings = make_settings(db_url=db_url, imap=dovecot, smtp=smtp_sink, statuspage=statuspage,
                             autoreply_ack_limit=ACK_LIMIT)
    worker = build_worker(settings, factory=factory)
    answered = 0
    try:
        dovecot.append(mail(subject="Checkout is down"))
        for _ in range(ROUNDS):
            handled = worker.poller.poll_once()
            worker.dispatcher.dispatch_once(now=dt.datetime.now(dt.UTC))
            pending = smtp_sink.messages[answered:]
            answered = len(smtp_sink.messages)
            if pending:
                dovecot.append([_answer(style, m) for m in pending])
            if not handled and not pending:
                break
        else:
            pytest.fail(f"still mailing after {ROUNDS} rounds: {len(smtp_sink.messages)} mails sent")
    finally:
        worker.poller.close()

    sent = len(smtp_sink.messages)
    outcomes = [r.outcome for r in inbound(factory)]
    if scenario == "operational":
        assert sent == 1  # one pointer to the website per sender and window, whatever comes back
    elif style == "strips_everything":
        # every answer looks like a new request: tickets up to the sender's limit of new tickets per
        # window (3 by default), then folded into the open one: no ticket, no acknowledgement, silence
        assert sent == settings.new_ticket_limit == 3
        assert outcomes == ["ticket"] * 3 + ["follow_up"]
        assert "folded into" in inbound(factory)[-1].reason
    else:
        assert sent == 1 and len(tickets(factory)) == 1
        expected = "filtered" if style == "rfc3834" else "follow_up"
        assert outcomes == ["ticket", expected]
