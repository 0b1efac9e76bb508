"""Outbox operations through the command line, on SQLite and PostgreSQL: a parked acknowledgement is
found, retried and delivered to a real SMTP server (aiosmtpd); discards need a reason; both audited."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from intake import services
from intake.domain.severity import Severity
from intake.mail.smtp import SmtpConfig, SmtpTransport
from intake.outbox import Dispatcher
from intake.store.models import AuditEntry, OutboxItem
from tests.clock.helpers import POLICY

ROOT = Path(__file__).resolve().parents[2]
EXE = shutil.which("supportbot", path=str(Path(sys.executable).parent)) or "supportbot"
T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")} | {"DATABASE_URL": db_url}
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)


def _parked_reply(factory: sessionmaker[Session], subject: str) -> int:
    with factory() as session, session.begin():
        t = services.open_ticket(session, policy=POLICY, now=T0, channel="email", subject=subject, body="b",
                                 requested_severity=Severity.S2, sender_email="ops@shop.example")
        item = services.send_reply(session, t.id, text="We are on it.", now=T0, actor="U1")
    with factory() as session, session.begin():
        reply = session.scalars(select(OutboxItem).where(OutboxItem.kind == "email", OutboxItem.ticket_id == t.id)
                                .order_by(OutboxItem.id.desc())).first()
        assert reply is not None and item is not None
        for other in session.scalars(select(OutboxItem).where(OutboxItem.ticket_id == t.id, OutboxItem.id != reply.id)):
            other.state = "done"  # the triage post went out; only the reply is stuck
        reply.state = "parked"
        reply.attempts = 1
        reply.last_error = "dispatcher stopped while sending; delivery unknown, not retried"
        return reply.id


def test_a_parked_reply_is_found_retried_and_delivered(db_url: str, factory: sessionmaker[Session], smtp_sink) -> None:
    item_id = _parked_reply(factory, "Checkout down")
    listed = cli(db_url, "outbox", "list", "--state", "parked")
    assert listed.returncode == 0, listed.stderr
    assert f"{item_id}" in listed.stdout and "delivery unknown" in listed.stdout and "ops@shop.example" in listed.stdout
    as_json = [json.loads(line) for line in cli(db_url, "outbox", "list", "--json").stdout.splitlines()]
    assert as_json[0]["id"] == item_id and as_json[0]["state"] == "parked"  # parked first
    shown = json.loads(cli(db_url, "outbox", "show", str(item_id)).stdout)
    assert shown["payload"]["to"] == ["ops@shop.example"] and shown["ticket"].startswith("SB-")

    retried = cli(db_url, "outbox", "retry", str(item_id))
    assert retried.returncode == 0, retried.stderr
    transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=smtp_sink.port, starttls=False))
    Dispatcher(factory, {"email": transport}, worker_id="t").dispatch_once(now=dt.datetime.now(dt.UTC))
    mails = smtp_sink.wait_for(1)
    assert [m.rcpt_tos for m in mails] == [["ops@shop.example"]]
    with factory() as session:
        assert session.get(OutboxItem, item_id).state == "done"  # type: ignore[union-attr]
        trail = session.scalars(select(AuditEntry).where(AuditEntry.target == f"outbox:{item_id}")).all()
    assert [(a.action, a.data["from"]) for a in trail] == [("outbox_retry", "parked")]
    assert trail[0].username.startswith("cli:")

    again = cli(db_url, "outbox", "retry", str(item_id), "999999")
    assert again.returncode == 1
    assert "is done" in again.stderr and "no outbox item 999999" in again.stderr


def test_discard_needs_a_reason_and_is_audited(db_url: str, factory: sessionmaker[Session]) -> None:
    item_id = _parked_reply(factory, "Typo")
    no_reason = cli(db_url, "outbox", "discard", str(item_id), "--reason", " ")
    assert no_reason.returncode != 0 and "needs a reason" in no_reason.stderr
    done = cli(db_url, "outbox", "discard", str(item_id), "--reason", "customer called; answered by phone")
    assert done.returncode == 0, done.stderr
    with factory() as session:
        item = session.get(OutboxItem, item_id)
        trail = session.scalars(select(AuditEntry).where(AuditEntry.action == "outbox_discard")).all()
    assert item is not None and item.state == "discarded" and "answered by phone" in (item.last_error or "")
    assert [a.data["reason"] for a in trail] == ["customer called; answered by phone"]
    assert "no outbox items" in cli(db_url, "outbox", "list", "--state", "parked").stdout
