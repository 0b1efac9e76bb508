"""Ticket services: the one place where stored tickets change.

Each function loads the row, applies a pure transition from :mod:`intake.domain.ticket`, writes the
row back, appends the events to ``ticket_events`` and enqueues the side effects (Slack updates,
customer emails) in the caller's transaction (house style rule 7). Callers own the transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from intake.domain.policy import Policy
from intake.domain.severity import Severity, strictest
from intake.domain.ticket import ACTIVE_VALUES, Event, TicketState, Waiver
from intake.domain.ticket import Ticket as DomainTicket
from intake.nagging import reschedule
from intake.outbox import defer_insert, enqueue
from intake.reply_mail import reply_payload
from intake.store.models import OutboxItem, Ticket, TicketEvent, TicketMessageId

log = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"\[?\b(SB-\d{4,})\b\]?", re.IGNORECASE)


class TicketNotFound(LookupError):
    pass


def token_for(ticket_id: int) -> str:
    return f"SB-{ticket_id:06d}"


# -- mapping between the row and the domain object -----------------------------------------------------

def to_domain(row: Ticket) -> DomainTicket:
    return DomainTicket(
        submitted_at=row.submitted_at,
        requested_severity=Severity.parse(row.requested_severity or row.effective_severity),
        effective_severity=Severity.parse(row.effective_severity),
        state=TicketState(row.state),
        due_at=row.due_at,
        initial_response_at=row.initial_response_at,
        waiver=Waiver(row.waiver) if row.waiver else None,
        waiver_ref=row.waiver_ref,
        max_severity=Severity.parse(row.max_severity) if row.max_severity else None,
    )


def _write_back(row: Ticket, t: DomainTicket, now: dt.datetime) -> None:
    row.state = t.state.value
    row.effective_severity = t.effective_severity.name
    row.due_at = t.due_at
    row.initial_response_at = t.initial_response_at
    row.waiver = t.waiver.value if t.waiver else None
    row.waiver_ref = t.waiver_ref
    row.updated_at = now
    row.version = (row.version or 0) + 1
    if t.state == TicketState.CLOSED and row.closed_at is None:
        row.closed_at = now


def _record(session: Session, row: Ticket, events: list[Event], *, defer: bool = False) -> None:
    for ev in events:
        if defer:  # written with the batch's next flush (intake.outbox.defer_insert)
            defer_insert(session, cast(Table, TicketEvent.__table__), {"ticket_id": row.id, "at": ev.at, "kind": ev.kind,
                                                          "actor": ev.actor, "data": ev.data or None})
        else:
            session.add(TicketEvent(ticket_id=row.id, at=ev.at, kind=ev.kind, actor=ev.actor, data=ev.data or None))


def _reschedule_nags(session: Session, row: Ticket, *, policy: Policy, now: dt.datetime) -> None:
    """Recompute ``next_nag_at``: none once the clock stops (response, waiver, close)."""
    reschedule(session, row, policy=policy, now=now)


def _slack(session: Session, row: Ticket, op: str, *, now: dt.datetime, key: str | None = None,
           **extra: Any) -> OutboxItem:
    payload: dict[str, Any] = {"op": op, "ticket_id": row.id, **extra}
    if key is None:
        key = f"slack:{op}:{row.id}:{row.version}:{hashlib.sha256(repr(sorted(extra.items())).encode()).hexdigest()[:12]}"
    return enqueue(session, kind="slack", payload=payload, dedupe_key=key, now=now, ticket_id=row.id)


def _update_slack(session: Session, row: Ticket, *, now: dt.datetime) -> None:
    _slack(session, row, "update_ticket", now=now, key=f"slack:update:{row.id}:{row.version}")


_MESSAGE_IDS = cast(Table, TicketMessageId.__table__)


def record_message_ids(session: Session, ticket_id: int, message_ids: list[str | None], *, direction: str,
                       now: dt.datetime, defer: bool = False) -> None:
    """Index Message-IDs of a ticket's thread (``ticket_message_ids``) for :func:`find_ticket_for_mail`.

    One statement; an id already indexed keeps its first ticket. The ticket row must be flushed,
    unless ``defer``: then the rows are queued for right after the session's next flush (after the
    ticket's INSERT; ``intake.outbox.defer_insert``), for ids that cannot be indexed yet (a new
    ticket's); a clash fails that write."""
    rows = [{"message_id": m, "ticket_id": ticket_id, "direction": direction, "created_at": now}
            for m in dict.fromkeys(message_ids) if m and len(m) <= 998]
    if not rows:
        return
    if defer:
        for r in rows:
            defer_insert(session, _MESSAGE_IDS, r)
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.connection().execute(insert(cast(Table, TicketMessageId.__table__)).on_conflict_do_nothing(
        index_elements=["message_id"]), rows)


# -- creation ------------------------------------------------------------------------------------------------

def open_ticket(session: Session, *, policy: Policy, now: dt.datetime, channel: str, subject: str | None,
                body: str | None, requested_severity: Severity | None, sender_email: str | None = None,
                sender_name: str | None = None, organization: str | None = None, project: str | None = None,
                product: str | None = None, component: str | None = None,
                max_severity: Severity | None = None, answers: dict[str, Any] | None = None,
                missing: list[str] | None = None, sender_trusted: bool = False,
                priority_eligible: bool = False, gate_state: str | None = None,
                gate_reason: str | None = None, root_message_id: str | None = None,
                actor: str | None = None, submitted_at: dt.datetime | None = None,
                ticket_id: int | None = None) -> Ticket:
    """Create an open ticket with its SLA due time, its events and its Slack post (one transaction).

    Without a requested severity the request is S4 until the vendor reviews it... unless the caller
    asks the customer for it (``missing``). The product/component cap of the policy and the
    contract's ``max_severity`` both apply; the stricter wins (support terms: maximum severity).

    ``ticket_id`` (reserved by ``intake.store.uow.UnitOfWork.reserve``): the ticket and its rows stay
    pending in the session and are written by its next flush (no INSERT-then-UPDATE of the token).
    """
    requested = requested_severity or Severity.S4
    cap = strictest(policy.max_severity(product, component), max_severity)
    submitted = submitted_at or now
    domain = DomainTicket(submitted_at=submitted, requested_severity=requested, effective_severity=requested,
                          max_severity=cap)
    opened, events = domain.open(policy=policy, now=now, actor=actor)
    row = Ticket(
        id=ticket_id, token=token_for(ticket_id) if ticket_id is not None else "pending", channel=channel, state=opened.state.value,
        requested_severity=requested_severity.name if requested_severity else None,
        effective_severity=opened.effective_severity.name, organization=organization, project=project,
        product=product, component=component, max_severity=cap.name if cap else None,
        sender_email=sender_email, sender_name=sender_name, sender_trusted=sender_trusted,
        priority_eligible=priority_eligible, subject=subject, body=body, answers=answers,
        missing_fields=missing or None, submitted_at=submitted, due_at=opened.due_at,
        gate_state=gate_state, gate_reason=gate_reason, root_message_id=root_message_id,
        thread_message_ids=[root_message_id] if root_message_id else [],
        nag_count=0, created_at=now, updated_at=now, version=1,
    )
    session.add(row)
    deferred = ticket_id is not None
    if not deferred:
        session.flush()
        row.token = token_for(row.id)
    events[0].data["token"] = row.token
    events[0].data["channel"] = channel
    _record(session, row, events, defer=deferred)
    _reschedule_nags(session, row, policy=policy, now=now)
    if root_message_id:
        record_message_ids(session, row.id, [root_message_id], direction="in", now=now, defer=deferred)
    if deferred:
        enqueue(session, kind="slack", payload={"op": "post_ticket", "ticket_id": row.id},
                dedupe_key=f"slack:post:{row.id}", now=now, ticket_id=row.id, defer=True)
    else:
        _slack(session, row, "post_ticket", now=now, key=f"slack:post:{row.id}")
    log.info("ticket %s opened (%s, %s, due %s)", row.token, channel, row.effective_severity,
             row.due_at.isoformat() if row.due_at else None)
    return row


# -- lookups ----------------------------------------------------------------------------------------------------

def get_ticket(session: Session, ticket_id: int, *, for_update: bool = False) -> Ticket:
    stmt = select(Ticket).where(Ticket.id == ticket_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None:
        raise TicketNotFound(f"no ticket {ticket_id}")
    return row


def ticket_by_token(session: Session, token: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.token == token.upper()))


def ticket_by_slack_ts(session: Session, channel: str | None, ts: str) -> Ticket | None:
    stmt = select(Ticket).where(Ticket.slack_ts == ts)
    if channel:
        stmt = stmt.where(Ticket.slack_channel == channel)
    return session.scalar(stmt)


def find_ticket_for_mail(session: Session, *, in_reply_to: str | None, references: list[str] | None,
                         subject: str | None) -> Ticket | None:
    """The ticket a customer mail follows up: threading headers first, then the token in the subject."""
    ids = list(dict.fromkeys(i for i in [in_reply_to, *(references or [])] if i and len(i) <= 998))
    if ids:
        # Every Message-ID of a thread (root, follow-ups, our mails) is indexed: one query. A
        # ticket's root wins (as before), then the most recently indexed id.
        hits = session.execute(select(Ticket, TicketMessageId.message_id, TicketMessageId.created_at)
                               .join(TicketMessageId, TicketMessageId.ticket_id == Ticket.id)
                               .where(TicketMessageId.message_id.in_(ids))).all()
        if hits:
            best = max(hits, key=lambda h: (h[0].root_message_id == h[1], h[2]))
            return cast(Ticket, best[0])
    if subject:
        match = TOKEN_RE.search(subject)
        if match:
            return ticket_by_token(session, match.group(1))
    return None


# -- transitions ----------------------------------------------------------------------------------------------

def _apply(session: Session, ticket_id: int, fn_name: str, *, now: dt.datetime, policy: Policy | None = None,
           notify: bool = True, **kwargs: Any) -> tuple[Ticket, list[Event]]:
    row = get_ticket(session, ticket_id, for_update=True)
    domain = to_domain(row)
    method = getattr(domain, fn_name)
    if policy is not None:
        kwargs["policy"] = policy
    new, events = method(now=now, **kwargs)
    _write_back(row, new, now)
    _record(session, row, events)
    if policy is not None:
        _reschedule_nags(session, row, policy=policy, now=now)
    elif not new.clock_running:
        row.next_nag_at = None
    if notify:
        _update_slack(session, row, now=now)
    return row, events


def set_severity(session: Session, ticket_id: int, severity: Severity, *, policy: Policy, now: dt.datetime,
                 actor: str | None, reason: str | None = None) -> Ticket:
    row, _ = _apply(session, ticket_id, "set_severity", now=now, policy=policy, severity=severity,
                    actor=actor, reason=reason)
    row.severity_reason = reason
    return row


def downgrade(session: Session, ticket_id: int, *, policy: Policy, now: dt.datetime, actor: str | None,
              reason: str) -> Ticket:
    row, _ = _apply(session, ticket_id, "downgrade", now=now, policy=policy, actor=actor, reason=reason)
    row.severity_reason = reason
    return row


def waive(session: Session, ticket_id: int, *, waiver: Waiver, ref: str | None, now: dt.datetime,
          actor: str | None, policy: Policy | None = None) -> Ticket:
    row, _ = _apply(session, ticket_id, "waive", now=now, waiver=waiver, ref=ref, actor=actor)
    row.next_nag_at = None
    return row


def close(session: Session, ticket_id: int, *, now: dt.datetime, actor: str | None,
          reason: str | None = None) -> Ticket:
    row, _ = _apply(session, ticket_id, "close", now=now, actor=actor, reason=reason)
    row.next_nag_at = None
    return row


def set_fields(session: Session, ticket_id: int, *, now: dt.datetime, actor: str | None,
               policy: Policy | None = None, organization: str | None = None, project: str | None = None,
               product: str | None = None, component: str | None = None,
               max_severity: Severity | None = None) -> Ticket:
    """Set the structured fields; a new cap lowers the effective severity when it ranks above it."""
    row = get_ticket(session, ticket_id, for_update=True)
    changed: dict[str, Any] = {}
    for name, value in (("organization", organization), ("project", project), ("product", product),
                        ("component", component)):
        if value is not None and getattr(row, name) != value:
            changed[name] = {"from": getattr(row, name), "to": value}
            setattr(row, name, value)
    if max_severity is not None or product is not None or component is not None:
        cap = strictest(policy.max_severity(row.product, row.component) if policy else None, max_severity)
        if cap is not None and row.max_severity != cap.name:
            changed["max_severity"] = {"from": row.max_severity, "to": cap.name}
            row.max_severity = cap.name
    if row.missing_fields:
        row.missing_fields = [f for f in row.missing_fields if not getattr(row, f, None)] or None
    row.updated_at = now
    row.version = (row.version or 0) + 1
    if changed:
        session.add(TicketEvent(ticket_id=row.id, at=now, kind="fields_changed", actor=actor, data=changed))
    if policy is not None and row.max_severity and row.state in ACTIVE_VALUES:
        current = Severity.parse(row.effective_severity)
        capped = current.capped(Severity.parse(row.max_severity))
        if capped != current:
            return set_severity(session, ticket_id, capped, policy=policy, now=now, actor=actor,
                                reason=f"capped at {capped.name} for {row.product or ''}/{row.component or ''}")
    _update_slack(session, row, now=now)
    return row


def assign(session: Session, ticket_id: int, *, assignee: str | None, now: dt.datetime,
           actor: str | None) -> Ticket:
    row = get_ticket(session, ticket_id, for_update=True)
    session.add(TicketEvent(ticket_id=row.id, at=now, kind="assigned", actor=actor,
                            data={"from": row.assignee, "to": assignee}))
    row.assignee = assignee
    row.updated_at = now
    row.version = (row.version or 0) + 1
    _update_slack(session, row, now=now)
    return row


def post_thread_note(session: Session, ticket_id: int, *, text: str, now: dt.datetime,
                     dedupe_key: str, **extra: Any) -> OutboxItem:
    row = get_ticket(session, ticket_id)
    return _slack(session, row, "thread_message", now=now, key=dedupe_key, text=text, **extra)


def customer_follow_up(session: Session, ticket_id: int, *, now: dt.datetime, message_id: str | None = None,
                       text_for_thread: str | None = None, rejected_types: dict[str, int] | None = None,
                       policy: Policy | None = None, sender_line: str | None = None) -> Ticket:
    """A customer's follow-up reached us: reopen an awaiting ticket and show it in the thread.

    A follow-up rejected by redaction shows only that it was rejected and why, by type (and
    ``sender_line``: who sent it).
    """
    row = get_ticket(session, ticket_id, for_update=True)
    if row.state in ACTIVE_VALUES:
        new, events = to_domain(row).customer_replied(now=now)
        _write_back(row, new, now)
        for ev in events:
            ev.data["message_id"] = message_id
            ev.data["rejected"] = rejected_types or None
        _record(session, row, events)
    if rejected_types:
        kinds = ", ".join(f"{k} ×{v}" for k, v in sorted(rejected_types.items()))
        text = (f":no_entry: A follow-up from the customer was rejected by redaction ({kinds}); its content "
                "was deleted and the customer was asked to resend it anonymized.")
        if sender_line:
            text = f"{sender_line}\n\n{text}"
    else:
        text = text_for_thread or "(empty follow-up)"
    key = f"slack:followup:{row.id}:{message_id or now.isoformat()}"
    _slack(session, row, "thread_message", now=now, key=key, text=text, kind="customer_follow_up")
    _update_slack(session, row, now=now)
    return row


def send_reply(session: Session, ticket_id: int, *, text: str, now: dt.datetime, actor: str,
               asks_for_information: bool = False, kind: str = "reply", from_address: str | None = None,
               policy: Policy | None = None, dedupe: str | None = None) -> OutboxItem:
    """The explicit customer reply: a threaded email; the first human one is the initial response."""
    row = get_ticket(session, ticket_id, for_update=True)
    if not row.sender_email:
        raise ValueError(f"ticket {row.token} has no customer email address to reply to")
    first = row.initial_response_at is None
    new, events = to_domain(row).respond(now=now, actor=actor, asks_for_information=asks_for_information)
    _write_back(row, new, now)
    _record(session, row, events)
    row.next_nag_at = None if new.initial_response_at else row.next_nag_at
    payload = reply_payload(row, text=text, kind=kind, from_address=from_address, now=now)
    key = dedupe or f"email:reply:{row.id}:{hashlib.sha256((actor + text + now.isoformat()).encode()).hexdigest()[:16]}"
    item = enqueue(session, kind="email", payload=payload, dedupe_key=key, now=now, ticket_id=row.id)
    row.thread_message_ids = [*(row.thread_message_ids or []), payload["message_id"]]
    record_message_ids(session, row.id, [item.payload.get("message_id")], direction="out", now=now)
    if first and new.initial_response_at is not None:
        met = row.due_at is None or now <= row.due_at
        note = (f":white_check_mark: Initial response sent by <@{actor}> — the SLA clock is stopped"
                + (" (within target)." if met else " (after the target)."))
        _slack(session, row, "thread_message", now=now, key=f"slack:initial:{row.id}", text=note,
               kind="initial_response")
    _update_slack(session, row, now=now)
    return item
