"""Helpers of the email-flow tests: settings pointing at the real peers, mail builders, draining.

Not a test module: the flow, worker, crash, loop and replay tests import it.
"""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import tempfile
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from intake.settings import Settings, load_settings
from intake.store.models import InboundMessage, OutboxItem, Ticket

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = "support@vendor.example"
AUTHSERV = "mx.vendor.example"


_ROOT_DIR: list[str] = []


def _data_root() -> str:
    """One scratch directory per test process for settings' data dirs, removed at exit."""
    if not _ROOT_DIR:
        _ROOT_DIR.append(tempfile.mkdtemp(prefix="sb-mailtests-"))
        atexit.register(shutil.rmtree, _ROOT_DIR[0], True)
    return _ROOT_DIR[0]


def make_settings(*, db_url: str, imap: Any = None, smtp: Any = None, statuspage: Any = None,
                  **overrides: Any) -> Settings:
    """Settings for the real peers: Dovecot account, aiosmtpd sink, local Statuspage."""
    values: dict[str, Any] = {
        "database_url": db_url,
        "data_dir": Path(tempfile.mkdtemp(prefix="data-", dir=_data_root())),
        "policy_path": ROOT / "config" / "policy.toml",
        "customers_path": ROOT / "config" / "customers.example.toml",
        "templates_dir": ROOT / "config" / "templates",
        "redaction_config": ROOT / "config" / "redaction.toml",
        "support_address": SUPPORT,
        "authserv_ids": [AUTHSERV],
        "redaction_hmac_key": "k" * 64,
        "imap_timeout": 10.0,
        "imap_idle_seconds": 2.0,
        "imap_poll_seconds": 0.5,
        "smtp_timeout": 5.0,
        "http_timeout": 2.0,
        "portal_down_after": 1,
        "portal_up_after": 2,
        "portal_refresh_seconds": 0.01,  # tests: the worker refreshes the gate on every batch
    }
    if imap is not None:
        values.update(imap_host=imap.host, imap_port=imap.port, imap_ssl=False, imap_user=imap.user,
                      imap_password=imap.password)
    if smtp is not None:
        values.update(smtp_host=smtp.host, smtp_port=smtp.port, smtp_starttls=False)
    if statuspage is not None:
        values.update(statuspage_url=statuspage.base_url, statuspage_component="Support Portal")
    values.update(overrides)
    return load_settings(**values)


def mail(*, frm: str = "Alice Anders <alice@acme.example>", subject: str = "Checkout fails with error 500",
         body: str = "Organization: acme\nProject: shop-eu\nSeverity: S2\n\nThe checkout fails since 10:00.\n",
         message_id: str | None = None, in_reply_to: str | None = None, references: str | None = None,
         headers: dict[str, str] | None = None, authenticated: bool = True, to: str = SUPPORT,
         envelope_from: str | None = "") -> bytes:
    """A customer mail as an MTA would deliver it: the delivering MTA's Return-Path (the envelope
    sender: the From address unless ``envelope_from`` says otherwise; None for none) and our server's
    Authentication-Results."""
    msg = EmailMessage()
    if envelope_from is not None:
        sender = envelope_from or getaddresses([frm])[0][1]
        msg["Return-Path"] = f"<{sender}>"
    msg["From"] = frm
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@customer.example>"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    domain = frm.rpartition("@")[2].rstrip(">").strip()
    if authenticated:
        msg["Authentication-Results"] = f"{AUTHSERV}; dkim=pass header.d={domain}; dmarc=pass header.from={domain}"
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content(body)
    return msg.as_bytes()


def drain(worker: Any, *, rounds: int = 20) -> None:
    """Poll and dispatch until both have nothing left to do."""
    for _ in range(rounds):
        handled = worker.poller.poll_once() if worker.poller is not None else 0
        report = worker.dispatcher.dispatch_once(now=dt.datetime.now(dt.UTC), limit=500)
        if handled == 0 and report.sent == 0 and report.retried == 0 and report.parked == 0:
            return


def count(factory: sessionmaker[Session], model: Any, *where: Any) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def inbound(factory: sessionmaker[Session]) -> list[InboundMessage]:
    with factory() as s:
        return list(s.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def tickets(factory: sessionmaker[Session]) -> list[Ticket]:
    with factory() as s:
        return list(s.scalars(select(Ticket).order_by(Ticket.id)))


def outbox(factory: sessionmaker[Session], kind: str | None = None) -> list[OutboxItem]:
    with factory() as s:
        stmt = select(OutboxItem).order_by(OutboxItem.id)
        if kind:
            stmt = stmt.where(OutboxItem.kind == kind)
        return list(s.scalars(stmt))
