"""Outgoing email payloads for the outbox, threaded per RFC 5322 (Message-ID, In-Reply-To, References).

Payloads are plain JSON so the outbox row holds exactly what will be sent; the SMTP transport turns
them into a message. Message-IDs are made here, once, so a retried delivery carries the same id.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from intake.settings import get_settings
from intake.store.models import Ticket

LOOP_HEADER = "X-Supportbot-Loop"


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip(" >").lower() or "localhost"


def make_message_id(from_address: str, *, tag: str = "") -> str:
    tag = re.sub(r"[^A-Za-z0-9.-]", "", tag)
    return f"<{tag + '.' if tag else ''}{uuid.uuid4().hex}@{domain_of(from_address)}>"


def reply_subject(ticket: Ticket) -> str:
    subject = (ticket.subject or "Your support request").strip()
    subject = re.sub(r"^(\s*(re|aw|fwd?|wg)\s*:\s*)+", "", subject, flags=re.IGNORECASE)
    if ticket.token not in subject:
        subject = f"[{ticket.token}] {subject}"
    return f"Re: {subject}"


def reply_payload(ticket: Ticket, *, text: str, kind: str, now: dt.datetime,
                  from_address: str | None = None, auto: bool = False) -> dict[str, Any]:
    """An email to the ticket's customer, threaded under everything sent in this ticket so far."""
    if from_address is None:
        from_address = get_settings().support_address
    thread = [m for m in (ticket.thread_message_ids or []) if m]
    in_reply_to = thread[-1] if thread else ticket.root_message_id
    references = thread[-20:]  # RFC 5322 3.6.4: keep it bounded; the root is first when known
    if ticket.root_message_id and ticket.root_message_id not in references:
        references = [ticket.root_message_id, *references]
    headers = {LOOP_HEADER: "1", "X-Supportbot-Ticket": ticket.token}
    if auto:
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834
    else:
        headers["Auto-Submitted"] = "no"
    return {
        "to": [ticket.sender_email],
        "from": from_address,
        "subject": reply_subject(ticket),
        "text": text,
        "message_id": make_message_id(from_address, tag=ticket.token),
        "in_reply_to": in_reply_to,
        "references": references,
        "headers": headers,
        "kind": kind,
        "date": now.isoformat(),
    }
