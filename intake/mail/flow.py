"""The email intake flow: what happens to one received mail, and recording it exactly once.

Two layers (house style rule 4, "adapters translate, the core decides"):

* :func:`decide` is the decision, pure but for the redaction engine it is handed: the parsed
  mail, the portal gate, the sender's identity, the open ticket it follows up (looked up by the
  caller) -> an :class:`Outcome` with the reason in words. ``supportbot replay`` prints it.
* :func:`process_message` applies an outcome inside the caller's transaction: the
  ``InboundMessage`` row (unique per mailbox+UIDVALIDITY+UID and per Message-ID), the ticket with
  its SLA due time and Slack post (``intake.services.open_ticket``), the acknowledgement or other
  automatic reply through the outbox, the redaction log entry. :func:`ingest` wraps it in one
  transaction and survives a concurrent worker recording the same message first.

Order of the decision (DESIGN.md "Email"): unparsable -> quarantined; automated, bulk, bounces and
our own mail -> filtered (no reply, RFC 3834 §2); a follow-up to an open ticket -> redaction ->
thread (even when the website is up: the conversation already lives in email); website up ->
deflection (one pointer per sender per window, no ticket); redaction findings -> resubmission
request, nothing kept; else organization/project/severity extracted, severity capped, ticket +
acknowledgement (asking for missing fields; registration hint for non-priority senders).

What is kept: a mail's subject and body are stored (on the ticket, on the inbound row) only after
redaction found nothing. Rejected, deflected and filtered mails leave an outcome row with the
sender address, size and reason, never their text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import formataddr
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from intake.domain.policy import Policy
from intake.domain.severity import DEFINITIONS, Severity
from intake.domain.ticket import ACTIVE_VALUES
from intake.mail.extract import extract
from intake.mail.filters import FilterVerdict, auto_reply_address, classify_inbound, may_auto_reply
from intake.mail.identity import ReasonCode, SenderIdentity, identify_sender
from intake.mail.parse import DEFAULT_MAX_BYTES, MailParseError, ParsedMail, parse_message
from intake.mail.templates import Templates, finding_label, window_words
from intake.portal import GateReading
from intake.registry import Registry
from intake.store.models import AutoReply, InboundMessage, PortalObservation
from redaction.types import Decision, Sender

__all__ = [
    "DEFLECTED", "DUPLICATE", "FILTERED", "FOLLOW_UP", "QUARANTINED", "REJECTED", "TICKET",
    "FlowConfig", "FlowDeps", "IngestResult", "Outcome", "ThreadRef", "TicketDraft",
    "BatchIngest", "claim_auto_reply", "decide", "gate_at", "ingest", "parse_once", "precompute_decisions",
    "process_message", "redaction_sender", "redaction_text", "synthetic_message_id",
]

log = logging.getLogger(__name__)

TICKET = "ticket"
FOLLOW_UP = "follow_up"
DEFLECTED = "deflected"
REJECTED = "rejected_redaction"
FILTERED = "filtered"
QUARANTINED = "quarantined"
DUPLICATE = "duplicate"


_THREAD_TEXT_LIMIT = 3000  # characters of a follow-up shown in the Slack thread


class RedactorLike(Protocol):
    def check(self, text: str, sender: Sender | None = None) -> Decision: ...


@dataclass(frozen=True)
class FlowConfig:
    """What the flow needs of the settings."""

    support_address: str = "support@vendor.example"
    our_addresses: tuple[str, ...] = ("support@vendor.example",)
    message_id_domain: str = "vendor.example"
    authserv_ids: tuple[str, ...] = ("mx.vendor.example",)
    authserv_headers: int = 1
    max_mail_bytes: int = DEFAULT_MAX_BYTES
    autoreply_window: dt.timedelta = dt.timedelta(days=1)
    ack_limit: int = 5
    website_url: str = "https://support.vendor.example"
    status_url: str = ""
    vendor_name: str = "Vendor"
    expert_services_url: str = ""

    @classmethod
    def from_settings(cls, settings: Any) -> FlowConfig:
        address = settings.support_address.strip().lower()
        return cls(
            support_address=address,
            our_addresses=tuple(dict.fromkeys(a for a in (address, (settings.imap_user or "").lower()) if "@" in a)),
            message_id_domain=address.rpartition("@")[2],
            authserv_ids=tuple(settings.authserv_ids),
            authserv_headers=settings.authserv_headers,
            max_mail_bytes=settings.max_mail_bytes,
            autoreply_window=dt.timedelta(seconds=settings.autoreply_window_seconds),
            ack_limit=settings.autoreply_ack_limit,
            website_url=settings.support_website_url,
            status_url=settings.statuspage_url or "",
            vendor_name=settings.vendor_name,
            expert_services_url=settings.expert_services_url,
        )

    def template_common(self) -> dict[str, Any]:
        return {"vendor_name": self.vendor_name, "website_url": self.website_url,
                "status_url": self.status_url or self.website_url,
                "expert_services_url": self.expert_services_url,
                "window_words": window_words(int(self.autoreply_window.total_seconds()))}


@dataclass
class FlowDeps:
    """Everything the flow is handed (house style rule 2); built once per process by the worker."""

    config: FlowConfig
    registry: Registry
    policy: Policy
    redactor: RedactorLike
    templates: Templates
    hmac_key: bytes


@dataclass(frozen=True)
class ThreadRef:
    """The ticket a mail follows up, as found by ``intake.services.find_ticket_for_mail``."""

    id: int
    token: str
    state: str

    @property
    def open(self) -> bool:
        return self.state in ACTIVE_VALUES


@dataclass(frozen=True)
class TicketDraft:
    organization: str | None
    project: str | None
    product: str | None
    component: str | None
    requested_severity: Severity | None
    max_severity: Severity | None
    severity: Severity  # what the ticket starts with: requested (or S4), capped
    answers: Mapping[str, bool | None]
    missing: tuple[str, ...]
    flags: tuple[str, ...]
    sender_trusted: bool
    priority_eligible: bool
    reason_code: str


@dataclass(frozen=True)
class Outcome:
    """What happens to one mail and why (the ``reason`` is stored and printed by ``replay``)."""

    kind: str
    reason: str
    reply: str | None = None  # template of the automatic answer (rate-limited when applied)
    reply_to: str | None = None
    thread: ThreadRef | None = None
    draft: TicketDraft | None = None
    decision: Decision | None = None
    filter_code: str | None = None

    @property
    def keeps_content(self) -> bool:
        return self.kind in (TICKET, FOLLOW_UP)

    @property
    def finding_types(self) -> dict[str, int]:
        return dict(self.decision.reasons) if self.decision is not None else {}


# -- the decision ------------------------------------------------------------------------------------------

def redaction_text(parsed: ParsedMail) -> str:
    """The text redaction scans: subject, body and text-like attachments, in one string (the
    redaction log's fingerprints are computed over the same string)."""
    parts = [f"Subject: {parsed.subject}", parsed.body]
    parts.extend(f"--- attachment {label[len('attachment:'):]} ---\n{text}"
                 for label, text in parsed.scannable_texts if label.startswith("attachment:"))
    return "\n\n".join(parts)


def redaction_sender(parsed: ParsedMail, identity: SenderIdentity | None, registry: Registry) -> Sender:
    """The sender as redaction sees it: their own name, address and organization are not third parties."""
    org = registry.org(identity.org_id) if identity is not None and identity.org_id else None
    return Sender(
        name=(identity.name if identity is not None and identity.name else parsed.from_name) or None,
        email=parsed.from_addr,
        org=org.name if org is not None else None,
        org_domains=tuple(org.domains) if org is not None else (),
        org_users=tuple(x for u in org.users for x in (u.name, u.email)) if org is not None else (),
    )


def _types_words(decision: Decision) -> str:
    return ", ".join(f"{t} x{n}" for t, n in sorted(decision.reasons.items())) or "findings"


def decide(parsed: ParsedMail, *, gate: GateReading, identity: SenderIdentity, registry: Registry,
           policy: Policy, redactor: RedactorLike, now: dt.datetime, config: FlowConfig,
           thread: ThreadRef | None = None, verdict: FilterVerdict | None = None,
           decision: Decision | None = None) -> Outcome:
    """Decide what happens to one parsed mail. No I/O but the redaction engine's check.

    ``decision`` may be precomputed (the poller redacts a fetched batch at once); it is used
    only when the flow reaches the redaction step.
    """
    verdict = verdict or classify_inbound(parsed, our_addresses=config.our_addresses,
                                          our_message_id_domain=config.message_id_domain)
    if verdict.action == "drop":
        return Outcome(FILTERED, f"{verdict.code}: {verdict.reason}", filter_code=verdict.code)
    if verdict.action != "accept":
        return Outcome(QUARANTINED, f"{verdict.code}: {verdict.reason}", filter_code=verdict.code)
    reply_to = auto_reply_address(parsed) if may_auto_reply(parsed, verdict, our_addresses=config.our_addresses) else None

    def redact() -> Decision:
        return decision if decision is not None else redactor.check(
            redaction_text(parsed), redaction_sender(parsed, identity, registry))

    prefix = ""
    if thread is not None and thread.open:
        found = redact()
        if not found.clean:
            return Outcome(REJECTED, f"follow-up to {thread.token}: redaction found {_types_words(found)}; "
                           "content discarded, resubmission requested",
                           reply="resubmission", reply_to=reply_to, thread=thread, decision=found)
        return Outcome(FOLLOW_UP, f"follow-up to open ticket {thread.token} (threaded whatever the "
                       f"website's state; gate {gate.effective})", thread=thread, decision=found)
    if thread is not None:
        prefix = f"refers to {thread.token}, which is {thread.state}: handled as a new request; "

    if gate.effective == "up":
        return Outcome(DEFLECTED, f"{prefix}website up ({gate.reason}): pointer to the website, no ticket",
                       reply="deflection", reply_to=reply_to)

    found = redact()
    if not found.clean:
        return Outcome(REJECTED, f"{prefix}redaction found {_types_words(found)}: content discarded, "
                       "resubmission requested, no response target", reply="resubmission",
                       reply_to=reply_to, decision=found)

    ext = extract(parsed.subject, parsed.body, registry=registry, sender=identity)
    # the stricter of the contract's cap and the policy's product/component table
    cap = registry.effective_max_severity(ext.org, ext.product, ext.component, policy=policy)
    requested = ext.severity
    start = (requested or Severity.S4).capped(cap)
    priority = bool(identity.priority_eligible and ext.org == identity.org_id and ext.project is not None)
    draft = TicketDraft(
        organization=ext.org, project=ext.project, product=ext.product, component=ext.component,
        requested_severity=requested, max_severity=cap if cap != Severity.S1 else None, severity=start,
        answers=dict(ext.answers), missing=tuple(ext.missing), flags=tuple(ext.flags),
        sender_trusted=identity.trusted, priority_eligible=priority, reason_code=str(identity.reason_code),
    )
    bits = [f"website down ({gate.reason})", f"sender {identity.reason_code}",
            f"severity {requested or 'not given'}" + (f" capped to {start}" if requested and start != requested else "")
            + ("" if requested else f" -> starts as {start}")]
    if ext.missing:
        bits.append("asking for " + ", ".join(ext.missing))
    if ext.flags:
        bits.append("flags " + ", ".join(ext.flags))
    return Outcome(TICKET, prefix + "new request: " + "; ".join(bits), reply="acknowledgement",
                   reply_to=reply_to, draft=draft, decision=found)


# -- applying it -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IngestResult:
    inbound_id: int
    outcome: str
    reason: str
    ticket_id: int | None
    already: bool = False  # recorded earlier (a re-run after a crash, or another worker)


def synthetic_message_id(raw: bytes) -> str:
    """For mails without a Message-ID: a content hash, so a re-delivered copy is still a duplicate."""
    return f"<sha256.{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


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
    return GateReading(state, effective, f"at receipt: {row.reason}", row.at, row.source or "history")  # type: ignore[arg-type]


def claim_auto_reply(session: Session, address: str, kind: str, *, now: dt.datetime,
                     window: dt.timedelta, limit: int) -> bool:
    """Take one automatic reply to ``address`` from its budget: ``limit`` per ``window`` since the
    last one (RFC 3834 §2: don't answer the same sender repeatedly). Conditional UPDATEs, so two
    workers never both spend the last one (house style rule 6)."""
    address = address.strip().lower()[:320]
    cutoff = now - window
    with session.no_autoflush:  # the budget rows depend on nothing pending: don't flush for them
        return _claim_auto_reply(session, address, kind, now=now, cutoff=cutoff, limit=limit)


_AUTO_REPLIES = cast(Table, AutoReply.__table__)
_AR = _AUTO_REPLIES.c
# Built once (Core, bound parameters): a mail's budget costs one compiled-and-cached UPDATE.
_BUDGET_WITHIN = (update(_AUTO_REPLIES)
                  .where(_AR.address == bindparam("b_address"), _AR.kind == bindparam("b_kind"),
                         _AR.last_sent_at > bindparam("b_cutoff"), _AR.count < bindparam("b_limit"))
                  .values(count=_AR.count + 1, last_sent_at=bindparam("b_now")))
_BUDGET_EXPIRED = (update(_AUTO_REPLIES)
                   .where(_AR.address == bindparam("b_address"), _AR.kind == bindparam("b_kind"),
                          _AR.last_sent_at <= bindparam("b_cutoff"))
                   .values(count=1, last_sent_at=bindparam("b_now")))


def _claim_auto_reply(session: Session, address: str, kind: str, *, now: dt.datetime, cutoff: dt.datetime,
                      limit: int) -> bool:
    conn = session.connection()
    params = {"b_address": address, "b_kind": kind, "b_cutoff": cutoff, "b_limit": limit, "b_now": now}
    if conn.execute(_BUDGET_WITHIN, params).rowcount == 1:
        return True
    if conn.execute(_BUDGET_EXPIRED, params).rowcount == 1:
        return True
    exists = session.scalar(select(AutoReply.count).where(AutoReply.address == address, AutoReply.kind == kind))
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(AutoReply(address=address, kind=kind, last_sent_at=now, count=1))
            session.flush()
    except IntegrityError:
        return False
    return True


def _email_payload(cfg: FlowConfig, *, to: str, subject: str, text: str, kind: str,
                   in_reply_to: str | None, references: Sequence[str], token: str | None = None) -> dict[str, Any]:
    headers = {
        "Auto-Submitted": "auto-replied",  # RFC 3834 §5: an automatic response
        "X-Auto-Response-Suppress": "All",  # Exchange/Outlook: no out-of-office answers to this
        "X-Supportbot-Kind": kind,
    }
    if token:
        headers["X-Supportbot-Ticket"] = token
    refs = [r for r in references if r][-20:]
    if in_reply_to and in_reply_to not in refs:
        refs.append(in_reply_to)
    return {
        "to": [to], "from": cfg.support_address, "subject": subject, "text": text,
        "message_id": f"<sb.{kind}.{uuid.uuid4().hex}@{cfg.message_id_domain}>",
        "in_reply_to": in_reply_to, "references": refs, "headers": headers, "kind": kind,
        # RFC 3834 §3.3: the response's envelope sender must make loops unlikely; the null
        # reverse-path means a bounce of an automatic reply is never sent anywhere.
        "envelope_from": "",
    }


def _attachment_note(parsed: ParsedMail) -> str:
    if not parsed.attachments:
        return ""
    lines = ["", "Attachments (not forwarded):"]
    for a in parsed.attachments[:50]:
        lines.append(f"- {a.filename} ({a.content_type}, {a.size} bytes)")
    return "\n".join(lines)


def process_message(session: Session, raw: bytes | None, *, mailbox: str, uidvalidity: int | None,
                    uid: int | None, deps: FlowDeps, gate: GateReading, now: dt.datetime,
                    received_at: dt.datetime | None = None, decision: Decision | None = None,
                    parsed: ParsedMail | MailParseError | None = None, size: int | None = None,
                    identity: SenderIdentity | None = None,
                    known: KnownInBatch | None = None, flush: bool = True,
                    ticket_ids: Any = None, inbound_ids: Any = None,
                    later: list[Callable[[], object]] | None = None) -> tuple[InboundMessage, bool]:
    """Record one mail and its outcome with every side effect, in the caller's transaction.

    Returns ``(row, already)``: ``already`` when this (mailbox, UIDVALIDITY, UID) was recorded
    before (a re-run after a crash between commit and flagging the mail on the server).
    ``flush=False`` leaves the new rows pending (a batch flushes once and calls :func:`log_outcome`);
    with ``ticket_ids`` (``intake.services.TicketIds``) a new ticket takes its id from there and is
    written by that flush too. ``later`` collects work the batch runs after that flush (the
    redaction log entries: each one flushes, which would split the batch's flush).
    """
    cfg = deps.config
    if uid is not None and (known is None or uid in known.uids):
        existing = session.scalar(select(InboundMessage).where(
            InboundMessage.mailbox == mailbox, InboundMessage.uidvalidity == uidvalidity, InboundMessage.uid == uid))
        if existing is not None:
            return existing, True
    received = min(received_at or now, now)
    if now - received > dt.timedelta(days=30):
        received = now  # a bogus INTERNALDATE (APPEND may set any) must not back-date an SLA
    row = InboundMessage(id=inbound_ids.take() if inbound_ids is not None else None,
                         channel="email", mailbox=mailbox, uidvalidity=uidvalidity, uid=uid,
                         size=len(raw) if raw is not None else size, received_at=received)
    if raw is None:  # not downloaded: over the size limit (the poller read only RFC822.SIZE)
        _finish(session, row, QUARANTINED, f"too_large: {size} bytes > limit {cfg.max_mail_bytes}; "
                "not downloaded", gate, now, flush=flush)
        return row, False
    try:
        if isinstance(parsed, MailParseError):  # the batch parsed it already: never parse twice
            raise parsed
        parsed = parsed or parse_message(raw, max_bytes=cfg.max_mail_bytes)
    except MailParseError as exc:
        _finish(session, row, QUARANTINED, f"unparsable ({exc.reason}): {exc.detail}"[:2000], gate, now,
                flush=flush)
        return row, False
    row.sender = (parsed.from_addr or "")[:320] or None
    mid = parsed.message_id if parsed.message_id and len(parsed.message_id) <= 998 else synthetic_message_id(raw)
    dup = None
    if known is None or mid in known.message_ids:
        dup = session.execute(select(InboundMessage.id, InboundMessage.outcome)
                              .where(InboundMessage.message_id == mid)).first()
    if known is not None:
        known.message_ids.add(mid)  # a second copy later in the same batch must find this one
    if dup is not None:
        _finish(session, row, DUPLICATE, f"same Message-ID as inbound #{dup.id} ({dup.outcome}); "
                "not processed again", gate, now, flush=flush)
        return row, False
    row.message_id = mid
    gate = gate_at(session, received, gate)

    thread = None
    if parsed.in_reply_to or parsed.references or parsed.subject:
        from intake import services

        found = services.find_ticket_for_mail(session, in_reply_to=parsed.in_reply_to,
                                              references=list(parsed.references), subject=parsed.subject)
        if found is not None:
            thread = ThreadRef(found.id, found.token, found.state)
    if identity is None:
        identity = _identify(parsed, deps)
    outcome = decide(parsed, gate=gate, identity=identity, registry=deps.registry, policy=deps.policy,
                     redactor=deps.redactor, now=now, config=cfg, thread=thread, decision=decision)
    reason = outcome.reason
    if outcome.keeps_content:
        row.subject = parsed.subject[:2000]

    if outcome.kind == TICKET:
        reason = _open_ticket(session, row, parsed, outcome, identity, deps, gate, now, received, reason,
                              ticket_ids=ticket_ids)
    elif outcome.kind == FOLLOW_UP:
        assert outcome.thread is not None
        _follow_up(session, row, parsed, outcome.thread, deps, now, mid)
    elif outcome.kind == REJECTED:
        reason = _reject(session, row, parsed, outcome, identity, deps, now, mid, reason, later=later)
    elif outcome.kind == DEFLECTED:
        reason = _deflect(session, parsed, outcome, deps, now, mid, reason)
    _finish(session, row, outcome.kind, reason, gate, now, flush=flush)
    return row, False


def _from_header(parsed: ParsedMail) -> str | None:
    if not parsed.from_addr:
        return None
    try:
        return formataddr((parsed.from_name, parsed.from_addr))
    except UnicodeError:  # an internationalized address (RFC 6532): formataddr insists on ASCII
        name = parsed.from_name.replace("\\", "").replace('"', "")
        return f'"{name}" <{parsed.from_addr}>' if name else f"<{parsed.from_addr}>"


@dataclass
class KnownInBatch:
    """What the database already holds for a batch, read with two queries instead of two per mail:
    the batch's UIDs already recorded, and which of its Message-IDs are taken. Only a hit needs
    the per-mail look-up."""

    uids: set[int]
    message_ids: set[str]

    @classmethod
    def load(cls, session: Session, *, mailbox: str, uidvalidity: int | None, uids: Sequence[int],
             message_ids: Sequence[str]) -> KnownInBatch:
        found_uids = set(session.scalars(select(InboundMessage.uid).where(
            InboundMessage.mailbox == mailbox, InboundMessage.uidvalidity == uidvalidity,
            InboundMessage.uid.in_(list(uids))))) if uids else set()
        found_ids = set(session.scalars(select(InboundMessage.message_id).where(
            InboundMessage.message_id.in_(list(message_ids))))) if message_ids else set()
        return cls({int(u) for u in found_uids if u is not None}, {m for m in found_ids if m})


def _identify(parsed: ParsedMail, deps: FlowDeps) -> SenderIdentity:
    from_header = _from_header(parsed)
    return identify_sender(from_header, parsed.authentication_results, registry=deps.registry,
                           authserv_ids=deps.config.authserv_ids, own_headers=deps.config.authserv_headers)


def _finish(session: Session, row: InboundMessage, outcome: str, reason: str, gate: GateReading,
            now: dt.datetime, *, flush: bool = True) -> None:
    row.outcome = outcome
    row.reason = reason[:4000]
    row.gate_state = gate.state
    row.gate_reason = gate.reason[:2000]
    row.processed_at = now
    if row not in session:  # new (its id may be reserved already)
        session.add(row)
    if flush:
        session.flush()
        log_outcome(row)


def log_outcome(row: InboundMessage) -> None:
    log.info("inbound #%s uid %s: %s", row.id, row.uid, row.outcome, extra={"uid": row.uid, "mailbox": row.mailbox})


def _budget(session: Session, deps: FlowDeps, to: str, kind: str, now: dt.datetime) -> bool:
    limit = 1 if kind == "deflection" else deps.config.ack_limit
    return claim_auto_reply(session, to, kind, now=now, window=deps.config.autoreply_window, limit=limit)


def _enqueue_mail(session: Session, payload: dict[str, Any], *, key: str, now: dt.datetime,
                  ticket_id: int | None) -> None:
    from intake.outbox import enqueue

    # Queued without a look-up (written in one executemany with the batch's other rows): the key
    # derives from the inbound Message-ID, which the same transaction has just claimed as unique,
    # so no other row can hold it. Customer mail is ordered per ticket among itself, not behind the
    # ticket's Slack post: an acknowledgement must not wait for Slack.
    enqueue(session, kind="email", payload=payload, dedupe_key=key, now=now, ticket_id=ticket_id,
            ordering_key=f"mail:ticket:{ticket_id}" if ticket_id is not None else None, defer=True)


def _open_ticket(session: Session, row: InboundMessage, parsed: ParsedMail, outcome: Outcome,
                 identity: SenderIdentity, deps: FlowDeps, gate: GateReading, now: dt.datetime,
                 received: dt.datetime, reason: str, ticket_ids: Any = None) -> str:
    from intake import services

    draft = outcome.draft
    assert draft is not None
    ticket = services.open_ticket(
        session, policy=deps.policy, now=now, channel="email", subject=parsed.subject[:2000],
        body=(parsed.body + _attachment_note(parsed))[:200_000], requested_severity=draft.requested_severity,
        sender_email=identity.address or parsed.from_addr, sender_name=(identity.name or parsed.from_name or None),
        organization=draft.organization, project=draft.project, product=draft.product, component=draft.component,
        max_severity=draft.max_severity, answers=dict(draft.answers), missing=list(draft.missing) or None,
        sender_trusted=draft.sender_trusted, priority_eligible=draft.priority_eligible,
        gate_state=gate.state, gate_reason=gate.reason[:2000], root_message_id=parsed.message_id,
        actor="email", submitted_at=received, ticket_id=ticket_ids.take() if ticket_ids is not None else None,
    )
    row.ticket_id = ticket.id
    reason = f"{ticket.token}: {reason}"
    if outcome.reply_to is None:
        return reason + "; no acknowledgement (sender may not be auto-answered)"
    if not _budget(session, deps, outcome.reply_to, "ack", now):
        return reason + f"; acknowledgement suppressed (more than {deps.config.ack_limit} automatic replies " \
                        "to this sender within the window)"
    severity = Severity.parse(ticket.effective_severity)
    rendered = deps.templates.render(
        "acknowledgement", **deps.config.template_common(), sender_name=parsed.from_name or None,
        sender_address=outcome.reply_to, token=ticket.token, subject=parsed.subject or "(no subject)",
        severity=severity.name, severity_name=DEFINITIONS[severity].name,
        due_at=ticket.due_at.strftime("%Y-%m-%d %H:%M UTC") if ticket.due_at else None,
        organization=draft.organization, project=draft.project, missing=list(draft.missing),
        show_registration=not draft.priority_eligible and draft.reason_code != ReasonCode.PRIORITY,
        reason_code=draft.reason_code,
    )
    payload = _email_payload(deps.config, to=outcome.reply_to, subject=rendered.subject, text=rendered.text,
                             kind="acknowledgement", in_reply_to=parsed.message_id,
                             references=list(parsed.references), token=ticket.token)
    _enqueue_mail(session, payload, key=f"email:ack:{_key(row.message_id or '')}", now=now, ticket_id=ticket.id)
    ticket.thread_message_ids = [*(ticket.thread_message_ids or []), payload["message_id"]]
    services.record_message_ids(session, ticket.id, [payload["message_id"]], direction="out", now=now,
                                defer=ticket_ids is not None)
    return reason + "; acknowledgement queued"


def _follow_up(session: Session, row: InboundMessage, parsed: ParsedMail, thread: ThreadRef, deps: FlowDeps,
               now: dt.datetime, mid: str) -> None:
    from intake import services

    text = parsed.body.strip()
    if len(text) > _THREAD_TEXT_LIMIT:
        text = text[:_THREAD_TEXT_LIMIT] + " [...]"
    ticket = services.customer_follow_up(session, thread.id, now=now, message_id=mid,
                                         text_for_thread=(text or "(empty follow-up)") + _attachment_note(parsed),
                                         policy=deps.policy)
    row.ticket_id = ticket.id
    if parsed.message_id:
        ticket.thread_message_ids = [*(ticket.thread_message_ids or []), parsed.message_id]
        services.record_message_ids(session, ticket.id, [parsed.message_id], direction="in", now=now)


def _reject(session: Session, row: InboundMessage, parsed: ParsedMail, outcome: Outcome,
            identity: SenderIdentity, deps: FlowDeps, now: dt.datetime, mid: str, reason: str,
            later: list[Callable[[], object]] | None = None) -> str:
    from intake.store import redaction_log

    decision = outcome.decision
    assert decision is not None
    text = redaction_text(parsed)
    findings = [f for f in decision.findings if 0 <= f.start < f.end <= len(text)]
    if findings:
        def log_entry() -> object:
            return redaction_log.append(session, key=deps.hmac_key, now=now, channel="email", message_ref=mid,
                                        sender_org=identity.org_id, text=text, findings=findings)

        if later is not None:
            later.append(log_entry)  # same transaction, after the batch's flush
        else:
            log_entry()
    thread = outcome.thread
    if thread is not None:
        from intake import services

        services.customer_follow_up(session, thread.id, now=now, message_id=mid,
                                    rejected_types=dict(decision.reasons) or {"finding": len(findings)},
                                    policy=deps.policy)
        row.ticket_id = thread.id
    if outcome.reply_to is None:
        return reason + "; no resubmission request (sender may not be auto-answered)"
    if not _budget(session, deps, outcome.reply_to, "resubmission", now):
        return reason + "; resubmission request suppressed (rate limit for this sender)"
    labels = list(dict.fromkeys(finding_label(t) for t in sorted(decision.reasons)))
    rendered = deps.templates.render(
        "resubmission", **deps.config.template_common(), sender_name=parsed.from_name or None,
        token=thread.token if thread else None, finding_labels=labels or ["personal data or secrets"])
    # Only the threading ids of the rejected mail are kept, never its subject or text.
    payload = _email_payload(deps.config, to=outcome.reply_to, subject=rendered.subject, text=rendered.text,
                             kind="resubmission", in_reply_to=parsed.message_id,
                             references=list(parsed.references), token=thread.token if thread else None)
    _enqueue_mail(session, payload, key=f"email:resubmit:{_key(mid)}", now=now,
                  ticket_id=thread.id if thread else None)
    if thread is not None:
        from intake import services

        services.record_message_ids(session, thread.id, [payload["message_id"]], direction="out", now=now)
    return reason + "; resubmission request queued"


def _deflect(session: Session, parsed: ParsedMail, outcome: Outcome, deps: FlowDeps, now: dt.datetime,
             mid: str, reason: str) -> str:
    if outcome.reply_to is None:
        return reason + "; no pointer sent (sender may not be auto-answered)"
    if not _budget(session, deps, outcome.reply_to, "deflection", now):
        return reason + "; pointer already sent to this sender within the window"
    rendered = deps.templates.render("deflection", **deps.config.template_common(),
                                     sender_name=parsed.from_name or None)
    payload = _email_payload(deps.config, to=outcome.reply_to, subject=rendered.subject, text=rendered.text,
                             kind="deflection", in_reply_to=parsed.message_id, references=list(parsed.references))
    _enqueue_mail(session, payload, key=f"email:deflect:{_key(mid)}", now=now, ticket_id=None)
    return reason + "; pointer queued"


def ingest(factory: sessionmaker[Session], raw: bytes | None, *, mailbox: str, uidvalidity: int | None,
           uid: int | None, deps: FlowDeps, gate: GateReading, now: dt.datetime,
           received_at: dt.datetime | None = None, decision: Decision | None = None,
           parsed: ParsedMail | MailParseError | None = None, size: int | None = None) -> IngestResult:
    """:func:`process_message` in its own transaction. A unique-key conflict means another worker
    recorded the same mail (or the same Message-ID) first: the work is re-run once, and then finds
    that record."""
    for attempt in (1, 2):
        try:
            with factory() as session, session.begin():
                row, already = process_message(session, raw, mailbox=mailbox, uidvalidity=uidvalidity, uid=uid,
                                               deps=deps, gate=gate, now=now, received_at=received_at,
                                               decision=decision, parsed=parsed, size=size)
                return IngestResult(row.id, row.outcome or "", row.reason or "", row.ticket_id, already)
        except IntegrityError:
            if attempt == 2:
                raise
            log.warning("inbound uid %s: recorded concurrently by another worker; re-checking", uid)
    raise AssertionError("unreachable")


def precompute_decisions(items: Sequence[tuple[ParsedMail, Sender]], redactor: Any) -> list[Decision]:
    """Redact a batch at once (NER batched) when the engine offers ``check_many``."""
    texts = [(redaction_text(p), s) for p, s in items]
    if hasattr(redactor, "check_many"):
        return list(redactor.check_many(texts))
    return [redactor.check(t, s) for t, s in texts]


def parse_once(raw: bytes, max_bytes: int) -> ParsedMail | MailParseError:
    """Parse a mail for the batch; a refusal is kept (and recorded later) instead of parsing again."""
    try:
        return parse_message(raw, max_bytes=max_bytes)
    except MailParseError as exc:
        return exc



class BatchIngest:
    """The poller's handler: decide and commit a fetched batch, one transaction per mail.

    Redaction of the batch runs up front (``check_many``: NER batched), for the mails that can
    reach the redaction step. A mail whose processing fails with a bug is quarantined with the
    error's type (so it cannot block the mailbox); database errors abort the batch (the poller
    backs off and the mails are read again).
    """

    def __init__(self, factory: sessionmaker[Session], deps: FlowDeps, *,
                 gate: Callable[[], GateReading], clock: Callable[[], dt.datetime] | None = None) -> None:
        self.factory = factory
        self.deps = deps
        self.gate = gate
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.results: list[IngestResult] = []

    def __call__(self, batch: Any) -> list[tuple[int, str]]:
        gate = self.gate()
        cfg = self.deps.config
        parsed: dict[int, ParsedMail | MailParseError | None] = {}
        wanted: list[tuple[int, ParsedMail, Sender]] = []
        identities: dict[int, SenderIdentity] = {}
        for mail in batch.mails:
            # Preparation only: anything failing here is redone (and, if it fails again, quarantined)
            # by the per-mail path below.
            try:
                p = parse_once(mail.raw, cfg.max_mail_bytes) if mail.raw is not None else None
                parsed[mail.uid] = p
                if not isinstance(p, ParsedMail):
                    continue
                ident = identities[mail.uid] = _identify(p, self.deps)
                verdict = classify_inbound(p, our_addresses=cfg.our_addresses,
                                           our_message_id_domain=cfg.message_id_domain)
                threadish = bool(p.in_reply_to or p.references or "SB-" in p.subject.upper())
                if verdict.accepted and (gate.effective == "down" or threadish):
                    wanted.append((mail.uid, p, redaction_sender(p, ident, self.deps.registry)))
            except Exception:  # noqa: BLE001
                log.exception("inbound uid %s: preparation failed", mail.uid)
                parsed.pop(mail.uid, None)
                identities.pop(mail.uid, None)
        decisions: dict[int, Decision] = {}
        if wanted:
            try:
                found = precompute_decisions([(p, s) for _, p, s in wanted], self.deps.redactor)
                decisions = {uid: d for (uid, _, _), d in zip(wanted, found, strict=True)}
            except Exception:  # noqa: BLE001 - each mail is then redacted on its own
                log.exception("batch redaction failed; redacting mail by mail")
        try:
            results = self._in_one_transaction(batch, gate, parsed, decisions, identities)
        except SQLAlchemyError:
            log.warning("batch of %d mails failed as one transaction; retrying one by one", len(batch.mails),
                        exc_info=True)
        except Exception:  # noqa: BLE001 - a bug on one mail: isolate it on the slow path below
            log.exception("batch of %d mails failed; retrying one by one", len(batch.mails))
        else:
            self.results.extend(results)
            return [(m.uid, r.outcome) for m, r in zip(batch.mails, results, strict=True)]
        done: list[tuple[int, str]] = []
        for mail in batch.mails:
            now = self.clock()
            try:
                result = ingest(self.factory, mail.raw, mailbox=batch.mailbox, uidvalidity=batch.uidvalidity,
                                uid=mail.uid, deps=self.deps, gate=gate, now=now, received_at=mail.internaldate,
                                decision=decisions.get(mail.uid), parsed=parsed.get(mail.uid), size=mail.size)
            except SQLAlchemyError:
                raise
            except Exception as exc:  # noqa: BLE001 - a bug on one mail must not block the mailbox
                log.exception("inbound uid %s: processing failed; quarantining", mail.uid)
                result = self._quarantine(batch, mail, gate, now, f"processing failed: {type(exc).__name__}")
            self.results.append(result)
            done.append((mail.uid, result.outcome))
        return done

    def _in_one_transaction(self, batch: Any, gate: GateReading,
                            parsed: dict[int, ParsedMail | MailParseError | None],
                            decisions: dict[int, Decision],
                            identities: dict[int, SenderIdentity]) -> list[IngestResult]:
        """The fast path: the whole batch in one transaction (one commit instead of fifty). Any
        failure rolls all of it back and the caller redoes the batch one mail per transaction."""
        results = []
        with self.factory() as session, session.begin():
            mids = []
            for mail in batch.mails:
                p = parsed.get(mail.uid)
                if isinstance(p, ParsedMail) and mail.raw is not None:
                    mids.append(p.message_id if p.message_id and len(p.message_id) <= 998
                                else synthetic_message_id(mail.raw))
            known = KnownInBatch.load(session, mailbox=batch.mailbox, uidvalidity=batch.uidvalidity,
                                      uids=[m.uid for m in batch.mails], message_ids=mids)
            from intake.services import ReservedIds, TicketIds

            ticket_ids = TicketIds(session, expected=len(batch.mails))
            inbound_ids = ReservedIds(session, expected=len(batch.mails), table="inbound_messages")
            later: list[Callable[[], object]] = []
            rows = []
            for mail in batch.mails:
                rows.append(process_message(
                    session, mail.raw, mailbox=batch.mailbox, uidvalidity=batch.uidvalidity, uid=mail.uid,
                    deps=self.deps, gate=gate, now=self.clock(), received_at=mail.internaldate,
                    decision=decisions.get(mail.uid), parsed=parsed.get(mail.uid), size=mail.size,
                    identity=identities.get(mail.uid),
                    known=known if isinstance(parsed.get(mail.uid), ParsedMail) else None,
                    flush=False, ticket_ids=ticket_ids, inbound_ids=inbound_ids, later=later))
            session.flush()  # the rows left pending, in one unit of work (INSERTs batched per table)
            for work in later:
                work()
            for row, already in rows:
                if not already:
                    log_outcome(row)
                results.append(IngestResult(row.id, row.outcome or "", row.reason or "", row.ticket_id, already))
        return results

    def _quarantine(self, batch: Any, mail: Any, gate: GateReading, now: dt.datetime, reason: str) -> IngestResult:
        with self.factory() as session, session.begin():
            existing = session.scalar(select(InboundMessage).where(
                InboundMessage.mailbox == batch.mailbox, InboundMessage.uidvalidity == batch.uidvalidity,
                InboundMessage.uid == mail.uid))
            if existing is not None:
                return IngestResult(existing.id, existing.outcome or "", existing.reason or "", existing.ticket_id, True)
            row = InboundMessage(channel="email", mailbox=batch.mailbox, uidvalidity=batch.uidvalidity, uid=mail.uid,
                                 size=mail.size, received_at=now)
            _finish(session, row, QUARANTINED, reason, gate, now)
            return IngestResult(row.id, QUARANTINED, reason, None)
