"""Backscatter and spam relay through the real flow (Dovecot, aiosmtpd, Statuspage; SQLite and
PostgreSQL): a forged mail's automatic answer never goes to its Reply-To nor repeats its subject or
display name, and a global limit caps what any flood of distinct senders can make us send."""

from __future__ import annotations

import pytest

from intake.worker import build_worker
from tests.mail.flow_helpers import drain, inbound, mail, make_settings

pytestmark = pytest.mark.dovecot

SPAM_SUBJECT = "CHEAP WATCHES http://spam.example/buy"
SPAM_NAME = "Visit spam.example now"


def _worker(db_url, factory, dovecot, smtp_sink, statuspage, **overrides):  # type: ignore[no-untyped-def]
    statuspage.set_scenario("major-outage-critical")
    settings = make_settings(db_url=db_url, imap=dovecot, smtp=smtp_sink, statuspage=statuspage, **overrides)
    return build_worker(settings, factory=factory)


def test_a_forged_mail_gets_no_answer_at_its_reply_to_and_no_echo(db_url, factory, dovecot, smtp_sink, statuspage):
    worker = _worker(db_url, factory, dovecot, smtp_sink, statuspage)
    try:
        dovecot.append(mail(frm=f"{SPAM_NAME} <ceo@acme.example>", subject=SPAM_SUBJECT, authenticated=False,
                            headers={"Reply-To": "victim@elsewhere.example"}, envelope_from="promo@spam.example"))
        dovecot.append(mail(frm=f"{SPAM_NAME} <ceo@acme.example>", subject=SPAM_SUBJECT, authenticated=False,
                            headers={"Reply-To": "victim2@elsewhere.example"}, envelope_from=None))
        drain(worker)
    finally:
        worker.poller.close()
    assert [r.outcome for r in inbound(factory)] == ["ticket", "ticket"]
    sent = smtp_sink.wait_for(1)
    assert [m.rcpt_tos for m in sent] == [["promo@spam.example"]]  # the envelope sender; the second had none
    raw = b"".join(m.raw for m in sent).decode(errors="replace")
    assert "victim" not in raw and "CHEAP WATCHES" not in raw and "spam.example/buy" not in raw
    assert "Visit" not in raw  # the display name is not repeated either


def test_an_authenticated_customer_is_answered_at_their_from_with_their_subject(db_url, factory, dovecot, smtp_sink,
                                                                               statuspage):
    worker = _worker(db_url, factory, dovecot, smtp_sink, statuspage)
    try:
        dovecot.append(mail(subject="Checkout fails with error 500", headers={"Reply-To": "team@acme.example"}))
        drain(worker)
    finally:
        worker.poller.close()
    [ack] = smtp_sink.wait_for(1)
    assert ack.rcpt_tos == ["alice@acme.example"]
    assert "Checkout fails with error 500" in ack.message["Subject"] and "Hello Alice Anders" in ack.raw.decode()


def test_a_global_limit_caps_automatic_replies_to_a_flood_of_distinct_senders(db_url, factory, dovecot, smtp_sink,
                                                                              statuspage):
    worker = _worker(db_url, factory, dovecot, smtp_sink, statuspage, autoreply_global_limit=3)
    try:
        for i in range(6):
            dovecot.append(mail(frm=f"Sender {i} <s{i}@flood{i}.example>", subject=f"help {i}", authenticated=False))
        drain(worker)
    finally:
        worker.poller.close()
    rows = inbound(factory)
    assert [r.outcome for r in rows] == ["ticket"] * 6  # every request is still recorded
    assert len(smtp_sink.wait_for(3, timeout=3)) == 3
    assert sum("acknowledgement suppressed" in (r.reason or "") for r in rows) == 3
