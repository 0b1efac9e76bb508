"""Retention: raw mail content and old redaction log entries are purged after configurable periods.

- Closed tickets (``closed_at`` older than ``retention_closed_ticket_days``): the subject and body,
  the subjects of their inbound messages, and the text of their delivered outbox items are erased;
  the ticket row, its events (who did what, when) and the SLA figures stay for the charts.
- Inbound messages that never became a ticket (deflected, filtered, rejected) lose their subject after
  the same period.
- Redaction log entries older than ``retention_redaction_log_days`` are deleted, oldest first. The
  hash chain stays verifiable: the ``entry_hash`` of the last purged entry becomes the **anchor**
  (recorded in an ``audit_log`` row ``redaction_log_anchor``), and ``chain_status`` verifies the rest
  from that anchor instead of the genesis hash. The newest entry is never purged, so the next
  append still links to the chain (``intake.store.redaction_log.append`` links to the last row present).
- Every purge writes one ``retention_purge`` audit row and one log line with the counts (never content).

A period of 0 days keeps data forever. ``now`` is a parameter; the clock (or ``supportbot retention
purge``) calls this.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from intake.settings import Settings
from intake.store.models import AuditEntry, InboundMessage, OutboxItem, RedactionLogEntry, Ticket
from intake.store.redaction_log import GENESIS, verify

log = logging.getLogger(__name__)

ANCHOR_ACTION = "redaction_log_anchor"
PURGE_ACTION = "retention_purge"
ACTOR = "retention"
PURGED_PAYLOAD_KEYS = ("text", "blocks", "subject", "html", "body", "quote")
BATCH = 500


@dataclass(frozen=True)
class PurgeReport:
    tickets: int = 0
    inbound_messages: int = 0
    outbox_items: int = 0
    redaction_entries: int = 0
    anchor: str | None = None

    @property
    def anything(self) -> bool:
        return bool(self.tickets or self.inbound_messages or self.outbox_items or self.redaction_entries)


def purge(session: Session, now: dt.datetime, settings: Settings) -> PurgeReport:
    """Purge what is past its retention period, inside the caller's transaction (the caller commits).

    ``now`` and ``settings`` may be passed by keyword (the documented form) or by position (the clock).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tickets = inbound = outbox = entries = 0
    anchor: str | None = None
    if settings.retention_closed_ticket_days > 0:
        cutoff = now - dt.timedelta(days=settings.retention_closed_ticket_days)
        tickets, inbound, outbox = _purge_mail_content(session, cutoff=cutoff)
    if settings.retention_redaction_log_days > 0:
        cutoff = now - dt.timedelta(days=settings.retention_redaction_log_days)
        entries, anchor = _purge_redaction_log(session, cutoff=cutoff, now=now)
    report = PurgeReport(tickets, inbound, outbox, entries, anchor)
    if report.anything:
        session.add(AuditEntry(at=now, username=ACTOR, action=PURGE_ACTION, target=None, data=asdict(report) | {
            "closed_ticket_days": settings.retention_closed_ticket_days,
            "redaction_log_days": settings.retention_redaction_log_days}))
        session.flush()
    log.info("retention purge: %d ticket(s), %d inbound message(s), %d outbox item(s) erased; "
             "%d redaction log entries deleted%s", tickets, inbound, outbox, entries,
             f"; chain anchor {anchor[:12]}..." if anchor else "", extra={"event": "retention_purge"})
    return report


def _purge_mail_content(session: Session, *, cutoff: dt.datetime) -> tuple[int, int, int]:
    ids = list(session.scalars(select(Ticket.id).where(
        Ticket.state == "closed", Ticket.closed_at.is_not(None), Ticket.closed_at <= cutoff,
        (Ticket.body.is_not(None)) | (Ticket.subject.is_not(None)))))
    tickets = outbox = 0
    inbound = 0
    for i in range(0, len(ids), BATCH):
        chunk = ids[i:i + BATCH]
        tickets += _rows(session, update(Ticket).where(Ticket.id.in_(chunk))
                                   .values(body=None, subject=None))
        inbound += _rows(session, update(InboundMessage).where(InboundMessage.ticket_id.in_(chunk),
                                                                InboundMessage.subject.is_not(None))
                                   .values(subject=None))
        # Delivered side effects only: a pending item still has to go out as written.
        for item in session.scalars(select(OutboxItem).where(OutboxItem.ticket_id.in_(chunk),
                                                             OutboxItem.state == "done")):
            payload = dict(item.payload or {})
            if any(k in payload for k in PURGED_PAYLOAD_KEYS):
                for k in PURGED_PAYLOAD_KEYS:
                    payload.pop(k, None)
                payload["purged"] = True
                item.payload = payload
                outbox += 1
    # Messages that never made a ticket keep their subject no longer than a closed ticket would.
    inbound += _rows(session, update(InboundMessage).where(InboundMessage.ticket_id.is_(None),
                                                            InboundMessage.received_at <= cutoff,
                                                            InboundMessage.subject.is_not(None))
                               .values(subject=None))
    session.flush()
    return tickets, inbound, outbox


def _rows(session: Session, statement: Any) -> int:
    """Rows changed by an UPDATE (``CursorResult.rowcount``)."""
    return int(getattr(session.execute(statement), "rowcount", 0) or 0)


def _purge_redaction_log(session: Session, *, cutoff: dt.datetime, now: dt.datetime) -> tuple[int, str | None]:
    newest_id = session.scalar(select(RedactionLogEntry.id).order_by(RedactionLogEntry.id.desc()).limit(1))
    if newest_id is None:
        return 0, None
    # Entries are appended in time order, so the purge is a prefix of the chain by id: find the last
    # id old enough (and not the newest), then delete everything up to it.
    last_old = session.scalar(select(RedactionLogEntry.id).where(RedactionLogEntry.created_at < cutoff,
                                                                 RedactionLogEntry.id < newest_id)
                              .order_by(RedactionLogEntry.id.desc()).limit(1))
    if last_old is None:
        return 0, None
    anchor = session.scalar(select(RedactionLogEntry.entry_hash).where(RedactionLogEntry.id == last_old))
    doomed = list(session.scalars(select(RedactionLogEntry.id).where(RedactionLogEntry.id <= last_old)))
    for i in range(0, len(doomed), BATCH):
        chunk = doomed[i:i + BATCH]
        session.query(RedactionLogEntry).filter(RedactionLogEntry.id.in_(chunk)).delete(synchronize_session=False)
    session.add(AuditEntry(at=now, username=ACTOR, action=ANCHOR_ACTION, target="redaction_log",
                           data={"anchor": anchor, "purged_through_id": last_old, "purged": len(doomed),
                                 "cutoff": cutoff.isoformat()}))
    session.flush()
    return len(doomed), anchor


def current_anchor(session: Session) -> dict[str, Any] | None:
    """The latest anchor recorded by a purge, or None when the log was never purged."""
    row = session.scalars(select(AuditEntry).where(AuditEntry.action == ANCHOR_ACTION)
                          .order_by(AuditEntry.id.desc()).limit(1)).first()
    return dict(row.data or {}) if row is not None else None


def chain_status(session: Session) -> dict[str, Any]:
    """Verify the redaction log's chain from its genesis, or from the retention anchor after a purge."""
    anchor = current_anchor(session)
    start = str(anchor["anchor"]) if anchor and anchor.get("anchor") else GENESIS
    result = verify(session, start=start) if start != GENESIS else verify(session)
    return {
        "ok": result.ok, "checked": result.checked, "first_bad_id": result.first_bad_id, "reason": result.reason,
        "head": result.head, "start": start, "anchored": start != GENESIS,
        "purged_through_id": anchor.get("purged_through_id") if anchor else None,
    }
