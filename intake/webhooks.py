"""Ticket events out: signed CloudEvents 1.0 to the operator's webhooks, through the outbox.

A portal or ticketing system learns what arrived by email while the support website was down:

* **relay** (:func:`relay`): every ticket event is written with the state change that caused it
  (``ticket_events``, house style rule 7). The relay turns new events (``exported_at IS NULL``) into
  one outbox row per event and URL, in one transaction, and marks them exported. Outbox rows are
  unique per (event, URL), so two relays racing never send an event twice; ordering per ticket and
  URL keeps a receiver's view in order (the outbox's ``ordering_key``).
* **delivery** (:class:`WebhookTransport`): the outbox dispatcher POSTs the event (structured mode,
  ``application/cloudevents+json``), signed at send time; 2xx is done, 408/429/5xx and network errors
  are retried with backoff or the receiver's ``Retry-After``, other 4xx park the item for an operator.
* **signature** (:func:`sign`, :func:`verify`): like Slack's and Stripe's: HMAC-SHA256 over
  ``"{timestamp}.{body}"`` with the shared secret, sent as
  ``Supportbot-Signature: t=<unix seconds>,v1=<hex>``. Receivers reject stale timestamps (replay).

What goes out: the lifecycle events below, and for each the ticket's token, state, severity, SLA due
time, organization and project. An opened ticket carries its subject, body and sender (a portal
imports it); a redaction rejection carries only the entity types and counts, never content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping, Sequence
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from intake import outbox
from intake.outbox import DeliveryError
from intake.store.models import ExportCursor, OutboxItem, RedactionLogEntry, Ticket, TicketEvent

log = logging.getLogger(__name__)

KIND = "webhook"
SIGNATURE_HEADER = "Supportbot-Signature"
TYPE_PREFIX = "com.supportbot.ticket."
# Our event kinds -> the CloudEvents ``type`` suffix. Kinds not listed are internal (not sent).
EVENT_TYPES: Mapping[str, str] = {
    "opened": "opened",
    "severity_changed": "severity_changed",
    "downgraded": "severity_changed",
    "initial_response": "first_response",
    "waived": "waived",
    "closed": "closed",
    "customer_follow_up": "follow_up",
    "rejected_redaction": "redaction_rejected",
}
# Event data keys that may go out (free text typed by people stays home, except a severity reason).
_DATA_KEYS = {"requested", "effective", "due_at", "from", "to", "reason", "capped_from", "waiver", "types",
              "channel"}


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The ``Supportbot-Signature`` header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class SignatureError(ValueError):
    """A webhook request whose signature header is missing, malformed, wrong or stale."""


def verify(secret: bytes, header: str | None, body: bytes, *, now: float | None = None,
           tolerance: float = 300.0) -> None:
    """Raise :class:`SignatureError` unless ``header`` signs ``body`` with ``secret`` within ``tolerance``."""
    if not header:
        raise SignatureError("no signature header")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureError("no timestamp in the signature header") from None
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance (replayed or clock skew)")
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise SignatureError("signature mismatch")


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def cloudevent(event: TicketEvent, ticket: Ticket, *, source: str) -> dict[str, Any]:
    """The CloudEvents 1.0 structured-mode envelope of one ticket event."""
    data: dict[str, Any] = {
        "ticket": {
            "token": ticket.token, "channel": ticket.channel, "state": ticket.state,
            "severity": ticket.effective_severity, "requested_severity": ticket.requested_severity,
            "organization": ticket.organization, "project": ticket.project,
            "submitted_at": _iso(ticket.submitted_at), "due_at": _iso(ticket.due_at),
            "initial_response_at": _iso(ticket.initial_response_at), "waiver": ticket.waiver,
        },
        "event": {k: v for k, v in (event.data or {}).items() if k in _DATA_KEYS},
        "actor": event.actor if event.kind != "customer_follow_up" else None,
    }
    if event.kind == "opened" and ticket.state != "rejected_redaction":
        data["ticket"].update(subject=ticket.subject, body=ticket.body, sender_email=ticket.sender_email,
                              sender_name=ticket.sender_name, sender_verified=bool(ticket.sender_trusted))
    return {
        "specversion": "1.0",
        "id": f"ticket-event-{event.id}",
        "source": source,
        "type": TYPE_PREFIX + EVENT_TYPES[event.kind],
        "subject": ticket.token,
        "time": _iso(event.at),
        "datacontenttype": "application/json",
        "data": data,
    }


def _url_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def redaction_cloudevent(entry: RedactionLogEntry, *, source: str) -> dict[str, Any]:
    """A rejected request: where it came from and which kinds of data it held, never content."""
    counts: dict[str, int] = {}
    for finding in entry.findings or ():
        counts[str(finding.get("type"))] = counts.get(str(finding.get("type")), 0) + 1
    return {
        "specversion": "1.0",
        "id": f"redaction-{entry.id}",
        "source": source,
        "type": "com.supportbot.request.redaction_rejected",
        "time": _iso(entry.created_at),
        "datacontenttype": "application/json",
        "data": {"channel": entry.channel, "organization": entry.sender_org, "types": counts,
                 "redaction_log_entry": entry.id},
    }


def relay(session: Session, *, urls: Sequence[str], source: str, now: dt.datetime, limit: int = 500) -> int:
    """Turn up to ``limit`` unexported ticket events and redaction rejections into outbox deliveries
    (caller commits). Returns how many were taken. Without URLs they are only marked (nothing is
    queued for later).

    Ticket events carry their own ``exported_at`` (writers commit out of id order on PostgreSQL, so a
    position would skip some); the redaction log is appended under its chain lock, in id order, so a
    position (:class:`ExportCursor`) is exact there.
    """
    return _relay_ticket_events(session, urls=urls, source=source, now=now, limit=limit) + \
        _relay_redactions(session, urls=urls, source=source, now=now, limit=limit)


def _relay_redactions(session: Session, *, urls: Sequence[str], source: str, now: dt.datetime, limit: int) -> int:
    cursor = session.get(ExportCursor, "webhook:redaction_log", with_for_update=True)
    if cursor is None:
        # First run: start at the current head, history is not sent.
        head = session.scalar(select(RedactionLogEntry.id).order_by(RedactionLogEntry.id.desc()).limit(1)) or 0
        session.add(ExportCursor(name="webhook:redaction_log", position=head))
        session.flush()
        return 0
    entries = session.scalars(select(RedactionLogEntry).where(RedactionLogEntry.id > cursor.position)
                              .order_by(RedactionLogEntry.id).limit(limit)).all()
    for entry in entries:
        body = redaction_cloudevent(entry, source=source)
        for url in urls:
            key = _url_key(url)
            outbox.enqueue(session, kind=KIND, payload={"url": url, "event": body},
                           dedupe_key=f"webhook:redaction:{entry.id}:{key}", now=now,
                           ordering_key=f"webhook:{key}:redaction")
    if entries:
        cursor.position = entries[-1].id
    return len(entries)


def _relay_ticket_events(session: Session, *, urls: Sequence[str], source: str, now: dt.datetime,
                         limit: int) -> int:
    stmt = (select(TicketEvent, Ticket).join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(TicketEvent.exported_at.is_(None)).order_by(TicketEvent.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=TicketEvent)
    rows = session.execute(stmt).all()
    for event, ticket in rows:
        if event.kind not in EVENT_TYPES:
            continue
        body = cloudevent(event, ticket, source=source)
        for url in urls:
            key = _url_key(url)
            outbox.enqueue(session, kind=KIND, payload={"url": url, "event": body},
                           dedupe_key=f"webhook:{event.id}:{key}", now=now, ticket_id=ticket.id,
                           ordering_key=f"webhook:{key}:{ticket.id}")
    if rows:
        session.execute(update(TicketEvent).where(TicketEvent.id.in_([e.id for e, _t in rows]))
                        .values(exported_at=now).execution_options(synchronize_session=False))
    return len(rows)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


class WebhookTransport:
    """The outbox transport of kind ``webhook``: one signed POST per item."""

    def __init__(self, secret: bytes, *, client: httpx.Client | None = None, timeout: float = 10.0,
                 clock: Any = time.time) -> None:
        if len(secret) < 32:
            raise ValueError("the webhook secret must hold at least 32 bytes")
        self.secret = secret
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False,
                                             headers={"User-Agent": "supportbot-webhooks/1"})
        self.clock = clock

    def deliver(self, item: OutboxItem) -> dict[str, Any] | None:
        url = item.payload["url"]
        body = json.dumps(item.payload["event"], separators=(",", ":"), sort_keys=True).encode()
        headers = {"Content-Type": "application/cloudevents+json; charset=utf-8",
                   SIGNATURE_HEADER: sign(self.secret, int(self.clock()), body)}
        try:
            resp = self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook {type(exc).__name__}: {exc}"[:300], transient=True) from None
        if 200 <= resp.status_code < 300:
            return {"status": resp.status_code}
        reason = f"webhook answered HTTP {resp.status_code}"
        if resp.status_code in (408, 425, 429) or resp.status_code >= 500:
            raise DeliveryError(reason, transient=True, retry_after=_retry_after(resp.headers.get("Retry-After")))
        raise DeliveryError(reason, transient=False)
