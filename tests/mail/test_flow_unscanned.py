"""Everything we store or forward goes through redaction: a binary attachment's file name and the
sender's display name are scanned like the body (real flow: Dovecot, aiosmtpd, Statuspage, SQLite
and PostgreSQL). Canary values never reach a table, the outgoing mail or the log."""

from __future__ import annotations

import base64
import json
import logging

import pytest
from sqlalchemy import select, text

from intake.store.models import Base
from tests.mail.flow_helpers import AUTHSERV, drain, inbound, tickets

pytestmark = pytest.mark.dovecot

TOKEN = "AKIA" + "Z7QW2ERT5YUI3KPA"  # an AWS access key id shape (random, belongs to nobody)
THIRD = "lena.marquardt1987@gmail.com"
PASSWORD = "Hx7!kq2Vz#pL"


@pytest.fixture
def worker(outage_worker):  # type: ignore[no-untyped-def]
    return outage_worker


def _raw(*, display: str, filename: str, mid: str) -> bytes:
    pdf = base64.b64encode(b"%PDF-1.4\n" + bytes(range(256)) * 8).decode()
    return (f'From: "{display}" <alice@acme.example>\nTo: support@vendor.example\nSubject: export fails\n'
            f"Message-ID: <{mid}@acme.example>\n"
            f"Authentication-Results: {AUTHSERV}; dmarc=pass header.from=acme.example\n"
            'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
            "--b\nContent-Type: text/plain\n\nOrganization: acme\nProject: shop-eu\nSeverity: S2\n\n"
            "The export fails, the report is attached.\n"
            f'--b\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n'
            f'Content-Disposition: attachment; filename="{filename}"\n\n{pdf}\n--b--\n').encode()


def _everything_stored(factory) -> str:  # type: ignore[no-untyped-def]
    out = []
    with factory() as s:
        for table in Base.metadata.sorted_tables:
            out.extend(json.dumps([str(v) for v in row], ensure_ascii=False)
                       for row in s.execute(select(table)))
    return "\n".join(out)


@pytest.mark.parametrize(("display", "filename"), [
    ("Alice Anders", f"token {TOKEN} {THIRD} password {PASSWORD}.pdf"),  # the attachment's name
    (f"Alice {TOKEN}", "report.pdf"),  # the display name
])
def test_secrets_in_names_are_rejected_like_the_same_text_in_the_body(worker, factory, dovecot, smtp_sink,
                                                                      caplog, display, filename):
    with caplog.at_level(logging.DEBUG):
        dovecot.append(_raw(display=display, filename=filename, mid="names-1"))
        drain(worker)
    [row] = inbound(factory)
    assert row.outcome == "rejected_redaction", row.reason
    assert tickets(factory) == []
    sent = b"".join(m.raw for m in smtp_sink.wait_for(1))
    assert b"resend" in sent.lower() or b"resubmit" in sent.lower()
    for canary in (TOKEN, THIRD, PASSWORD):
        assert canary not in _everything_stored(factory)
        assert canary.encode() not in sent
        assert canary not in caplog.text


def test_ordinary_names_open_a_ticket(worker, factory, dovecot):
    dovecot.append(_raw(display="Alice Anders", filename="invoice-2026-11.pdf", mid="names-2"))
    drain(worker)
    [row] = inbound(factory)
    assert row.outcome == "ticket", row.reason
    [ticket] = tickets(factory)
    assert "invoice-2026-11.pdf" in (ticket.body or "") and ticket.sender_name == "Alice Anders"
    with factory() as s:
        assert s.execute(text("SELECT 1")).scalar() == 1
