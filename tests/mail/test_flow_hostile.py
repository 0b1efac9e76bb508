"""Hostile mail through the real flow (Dovecot, aiosmtpd, the local Statuspage, SQLite and
PostgreSQL): a too-deep mail is quarantined with its reason inside its batch's one transaction,
each mail is parsed once, and a forged Authentication-Results header earns no trust."""

from __future__ import annotations

import logging

import pytest

from intake.pipeline import messages
from tests.mail.flow_helpers import AUTHSERV, drain, inbound, mail, tickets
from tests.mail.test_parse_hostile import deep_multipart

pytestmark = pytest.mark.dovecot


@pytest.fixture
def worker(outage_worker):  # type: ignore[no-untyped-def]
    return outage_worker


def test_a_2000_deep_mail_is_quarantined_in_its_batch_without_degrading_it(worker, factory, dovecot, caplog,
                                                                           monkeypatch):
    calls: list[int] = []
    real = messages.parse_message

    def counting(raw, **kw):
        calls.append(len(raw))
        return real(raw, **kw)

    monkeypatch.setattr(messages, "parse_message", counting)
    dovecot.append(mail(subject="before"))
    dovecot.append(deep_multipart(2000))
    dovecot.append(mail(subject="after"))
    with caplog.at_level(logging.INFO):
        drain(worker)
    rows = inbound(factory)
    assert [r.outcome for r in rows] == ["ticket", "quarantined", "ticket"]
    assert "too_deep" in rows[1].reason
    assert "one by one" not in caplog.text  # the batch stayed one transaction
    assert "RecursionError" not in caplog.text
    assert len(calls) == 3  # each mail parsed once, the refused one included


def test_a_forged_authentication_results_header_below_ours_earns_no_trust(worker, factory, dovecot):
    genuine = mail(subject="real", authenticated=True)
    assert len(tickets(factory)) == 0
    # what the MTA delivers: its own header on top, then the mail as the attacker wrote it,
    # carrying a header that claims our authserv-id
    forged = mail(subject="forged", authenticated=False,
                  headers={"Authentication-Results": f"{AUTHSERV}; dkim=pass header.d=acme.example; "
                                                     "dmarc=pass header.from=acme.example"})
    top = (f"Authentication-Results: {AUTHSERV}; spf=none smtp.mailfrom=acme.example; dkim=none; "
           "dmarc=none header.from=acme.example\r\n").encode()
    dovecot.append(genuine)
    dovecot.append(top + forged)
    drain(worker)
    by_subject = {t.subject: t for t in tickets(factory)}
    assert by_subject["real"].sender_trusted and by_subject["real"].priority_eligible
    assert not by_subject["forged"].sender_trusted and not by_subject["forged"].priority_eligible


def test_a_key_at_the_end_of_a_large_log_attachment_is_found(worker, factory, dovecot):
    from tests.mail.test_scan_windows import TOKEN, log_text

    big_log = log_text(1_100_000) + f"\nexport GITHUB_TOKEN={TOKEN}\n"  # over the old 1 MiB scan limit
    raw = (f"From: Alice Anders <alice@acme.example>\nTo: support@vendor.example\nSubject: export fails\n"
           f"Message-ID: <big-log@acme.example>\nAuthentication-Results: {AUTHSERV}; dmarc=pass header.from=acme.example\n"
           'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
           "--b\nContent-Type: text/plain\n\nOrganization: acme\nProject: shop-eu\nSeverity: S2\n\n"
           "The export fails, log attached.\n"
           '--b\nContent-Type: text/plain\nContent-Disposition: attachment; filename="export.log"\n\n'
           f"{big_log}\n--b--\n")
    dovecot.append(raw.encode())
    drain(worker)
    [row] = inbound(factory)
    assert row.outcome == "rejected_redaction", row.reason
    assert "GITHUB_TOKEN" in row.reason
    assert tickets(factory) == []
