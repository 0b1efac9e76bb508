"""``Lookups`` on the store: what ``decide`` reads, and nothing it writes.

Inside a unit of work (the worker), the batch's recorded UIDs and taken Message-IDs are read with
two queries up front; only a hit costs a per-mail query. Message-IDs recorded earlier in the same
unit of work count as taken. On a read-only session (``replay``) every question is one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake import services
from intake.pipeline.decisions import ACTIVE_STATES, ThreadRef
from intake.pipeline.messages import MailMessage
from intake.portal import GateReading
from intake.store.models import InboundMessage, PortalObservation, Ticket
from intake.store.uow import UnitOfWork

__all__ = ["StoreLookups", "gate_at"]


def gate_at(session: Session, when: dt.datetime, current: GateReading, *,
            max_age: dt.timedelta = dt.timedelta(minutes=10)) -> GateReading:
    """The gate as it was when a mail was received (its IMAP INTERNALDATE): a backlog read after
    the website came back was still written during the outage. Falls back to ``current`` when
    the history has no reading close enough before ``when``."""
    if current.at - when < dt.timedelta(seconds=60):
        return current
    row = session.scalar(select(PortalObservation).where(PortalObservation.at <= when)
                         .order_by(PortalObservation.at.desc(), PortalObservation.id.desc()).limit(1))
    if row is None or when - row.at > max_age:
        return current
    effective = row.effective if row.effective in ("up", "down") else current.effective
    state = row.state if row.state in ("up", "down", "unknown") else "unknown"
    return GateReading(state, effective, f"at receipt: {row.reason}", row.at,  # type: ignore[arg-type]
                       row.source or "history")


def _ref(ticket: Ticket, by: str) -> ThreadRef:
    return ThreadRef(ticket.id, ticket.token, ticket.state, by=by, sender_email=ticket.sender_email,
                     organization=ticket.organization)


class StoreLookups:
    """:class:`intake.pipeline.context.Lookups` on a session (and, in a worker, its unit of work)."""

    def __init__(self, session: Session, *, uow: UnitOfWork | None = None, known_uids: set[int] | None = None,
                 known_message_ids: set[str] | None = None) -> None:
        self.session = session
        self.uow = uow
        self._uids = known_uids
        self._mids = known_message_ids

    @classmethod
    def for_mails(cls, uow: UnitOfWork, mails: Sequence[MailMessage]) -> StoreLookups:
        """Two queries for a batch of one mailbox: which UIDs are recorded, which Message-IDs are taken."""
        s = uow.session
        mailbox, uidvalidity = (mails[0].mailbox, mails[0].uidvalidity) if mails else ("", None)
        assert all((m.mailbox, m.uidvalidity) == (mailbox, uidvalidity) for m in mails), "one mailbox per batch"
        uids = [m.uid for m in mails if m.uid is not None]
        message_ids = [mid for mid in (m.message_id for m in mails) if mid]
        found_uids = set(s.scalars(select(InboundMessage.uid).where(
            InboundMessage.mailbox == mailbox, InboundMessage.uidvalidity == uidvalidity,
            InboundMessage.uid.in_(list(uids))))) if uids else set()
        found_ids = set(s.scalars(select(InboundMessage.message_id).where(
            InboundMessage.message_id.in_(list(message_ids))))) if message_ids else set()
        return cls(s, uow=uow, known_uids={int(u) for u in found_uids if u is not None},
                   known_message_ids={m for m in found_ids if m})

    def recorded(self, mailbox: str, uidvalidity: int | None, uid: int) -> tuple[int, str, int | None] | None:
        if self._uids is not None and uid not in self._uids:
            return None
        row = self.session.execute(select(InboundMessage.id, InboundMessage.outcome, InboundMessage.ticket_id).where(
            InboundMessage.mailbox == mailbox, InboundMessage.uidvalidity == uidvalidity,
            InboundMessage.uid == uid)).first()
        return (row.id, row.outcome or "", row.ticket_id) if row is not None else None

    def message_id_owner(self, message_id: str) -> tuple[int, str] | None:
        if self.uow is not None and message_id in self.uow.message_ids:
            return self.uow.message_ids[message_id]
        if self._mids is not None and message_id not in self._mids:
            return None
        row = self.session.execute(select(InboundMessage.id, InboundMessage.outcome)
                                   .where(InboundMessage.message_id == message_id)).first()
        return (row.id, row.outcome or "") if row is not None else None

    def thread_for(self, *, in_reply_to: str | None, references: Sequence[str], subject: str) -> ThreadRef | None:
        by = "headers"
        found = services.find_ticket_for_mail(self.session, in_reply_to=in_reply_to, references=list(references),
                                              subject=None)
        if found is None:
            by = "subject"
            found = services.find_ticket_for_mail(self.session, in_reply_to=None, references=None, subject=subject)
        return _ref(found, by) if found is not None else None

    def recent_tickets(self, sender: str, since: dt.datetime) -> tuple[int, ThreadRef | None]:
        address = sender.strip().lower()
        with self.session.no_autoflush:  # a batch's tickets are flushed together at its end
            rows = list(self.session.execute(
                select(Ticket.id, Ticket.created_at).where(func.lower(Ticket.sender_email) == address,
                                                           Ticket.channel == "email", Ticket.created_at >= since)))
            ids = {r.id for r in rows}
            pending = [t for t in self.session.new if isinstance(t, Ticket) and t.id not in ids
                       and (t.sender_email or "").lower() == address and t.channel == "email"]
            latest = self.session.scalar(
                select(Ticket).where(func.lower(Ticket.sender_email) == address, Ticket.channel == "email",
                                     Ticket.state.in_(list(ACTIVE_STATES)))
                .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(1))
        open_new = [t for t in pending if t.state in ACTIVE_STATES]
        if open_new:
            latest = max(open_new, key=lambda t: t.id)
        return len(rows) + len(pending), (_ref(latest, "sender") if latest is not None else None)

    def gate_at(self, when: dt.datetime, current: GateReading) -> GateReading:
        return gate_at(self.session, when, current)
