"""``apply(decision, uow, deps)``: record a decision with every side effect, in a unit of work.

What it writes: the ``inbound_messages`` row of a mail (outcome, reason, gate at receipt; subject
only when the content may be kept), the ticket with its SLA due time, events and Slack post
(``intake.services.open_ticket``), follow-ups into the ticket's thread, the redaction log entry of
a rejection (HMAC fingerprints, after the flush), and the automatic replies through the outbox,
each taken from the sender's budget (RFC 3834 §2). Nothing here decides: a rule goes into
``decide``; this only writes what was decided.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table

from intake import services
from intake.domain.severity import DEFINITIONS, Severity
from intake.mail.identity import ReasonCode
from intake.mail.templates import finding_label
from intake.outbox import defer_insert, enqueue
from intake.pipeline.context import IntakeConfig, IntakeDeps
from intake.pipeline.decisions import (
    AlreadyRecorded,
    Decision,
    Deflected,
    Duplicate,
    FollowUp,
    NewTicket,
    Rejected,
)
from intake.store import redaction_log
from intake.store.models import InboundMessage, Ticket
from intake.store.uow import UnitOfWork

__all__ = ["Applied", "apply"]

log = logging.getLogger(__name__)

_INBOUND = cast(Table, InboundMessage.__table__)


@dataclass(frozen=True)
class Applied:
    """What was recorded: the outcome, the reason as stored, and the rows it made."""

    outcome: str
    reason: str
    inbound_id: int | None = None
    ticket_id: int | None = None
    token: str | None = None
    already: bool = False  # recorded earlier (a re-run after a crash, or another worker)
    decision: Decision | None = field(default=None, repr=False, compare=False)


def apply(decision: Decision, uow: UnitOfWork, deps: IntakeDeps) -> Applied:
    """Record ``decision`` in ``uow`` (written by its flush, committed with its transaction)."""
    if isinstance(decision, AlreadyRecorded):
        return Applied(decision.outcome, decision.reason, decision.inbound_id, decision.ticket_id, already=True,
                       decision=decision)
    reason, ticket = decision.reason, None
    if isinstance(decision, NewTicket):
        reason, ticket = _open_ticket(decision, uow, deps)
    elif isinstance(decision, FollowUp):
        ticket = _follow_up(decision, uow, deps)
    elif isinstance(decision, Rejected):
        reason = _reject(decision, uow, deps)
    elif isinstance(decision, Deflected):
        reason = _deflect(decision, uow, deps)
    ticket_id = ticket.id if ticket is not None else None
    if isinstance(decision, Rejected) and decision.thread is not None:
        ticket_id = decision.thread.id
    inbound_id = _record_inbound(decision, uow, reason, ticket_id)
    applied = Applied(decision.kind, reason, inbound_id, ticket_id, ticket.token if ticket is not None else None,
                      decision=decision)
    uow.after_commit(lambda: _log(decision, applied))
    return applied


def _log(decision: Decision, applied: Applied) -> None:
    m = decision.mail
    if m is not None:
        log.info("inbound #%s uid %s: %s", applied.inbound_id, m.uid, applied.outcome,
                 extra={"uid": m.uid, "mailbox": m.mailbox})
    else:
        log.info("%s request: %s%s", decision.message.channel, applied.outcome,
                 f" ({applied.token})" if applied.token else "")


def _record_inbound(decision: Decision, uow: UnitOfWork, reason: str, ticket_id: int | None) -> int | None:
    """Every mail leaves a row (outcome, reason, gate at receipt); its text only when kept."""
    m = decision.mail
    if m is None:
        return None
    parsed, gate = m.parsed, decision.gate
    row_id = uow.reserve("inbound_messages")
    message_id = m.message_id if parsed is not None and not isinstance(decision, Duplicate) else None
    if message_id:
        uow.message_ids[message_id] = (row_id, decision.kind)
    # A plain INSERT queued for right after the flush (after the ticket it may name): one
    # executemany for the batch, no ORM object per mail.
    defer_insert(uow.session, _INBOUND, {
        "id": row_id, "channel": "email", "mailbox": m.mailbox, "uidvalidity": m.uidvalidity, "uid": m.uid,
        "message_id": message_id, "sender": ((parsed.from_addr or "")[:320] or None) if parsed is not None else None,
        "subject": parsed.subject[:2000] if parsed is not None and decision.keeps_content else None,
        "size": m.size, "received_at": decision.received, "outcome": decision.kind, "reason": reason[:4000],
        "ticket_id": ticket_id, "gate_state": gate.state if gate is not None else None,
        "gate_reason": gate.reason[:2000] if gate is not None else None, "processed_at": decision.at,
        "server_done": False,
    })
    return row_id


# -- automatic replies ----------------------------------------------------------------------------------------

def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _email_payload(cfg: IntakeConfig, *, to: str, subject: str, text: str, kind: str,
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


def _enqueue_mail(uow: UnitOfWork, payload: dict[str, Any], *, key: str, decision: Decision,
                  ticket_id: int | None) -> None:
    # Queued without a look-up (written in one executemany with the batch's other rows): the key
    # derives from the inbound Message-ID, which the same transaction has just claimed as unique,
    # so no other row can hold it. Customer mail is ordered per ticket among itself, not behind the
    # ticket's Slack post: an acknowledgement must not wait for Slack.
    enqueue(uow.session, kind="email", payload=payload, dedupe_key=key, now=decision.at, ticket_id=ticket_id,
            ordering_key=f"mail:ticket:{ticket_id}" if ticket_id is not None else None, defer=True)


GLOBAL_BUDGET = ("*", "all-automatic-replies")  # one row caps what any flood can make us send


def _budget(uow: UnitOfWork, deps: IntakeDeps, to: str, kind: str, decision: Decision) -> bool:
    """One automatic reply to ``to`` within the sender's budget and the global one (checked in that
    order, so a sender over their own limit spends nothing of the global budget)."""
    cfg = deps.config
    if not uow.budgets.claim(to, kind, now=decision.at, window=cfg.autoreply_window, limit=cfg.reply_limit(kind)):
        return False
    return uow.budgets.claim(*GLOBAL_BUDGET, now=decision.at, window=cfg.global_reply_window,
                             limit=cfg.global_reply_limit)


def _templates(deps: IntakeDeps) -> Any:
    if deps.templates is None:
        raise RuntimeError("the intake has no templates: automatic replies cannot be rendered")
    return deps.templates


# -- per outcome ----------------------------------------------------------------------------------------------

def _open_ticket(d: NewTicket, uow: UnitOfWork, deps: IntakeDeps) -> tuple[str, Ticket]:
    draft, gate = d.draft, d.gate
    ticket = services.open_ticket(
        uow.session, policy=deps.policy, now=d.at, channel=draft.channel, subject=draft.subject, body=draft.body,
        requested_severity=draft.requested_severity, sender_email=draft.sender_email, sender_name=draft.sender_name,
        organization=draft.organization, project=draft.project, product=draft.product, component=draft.component,
        max_severity=draft.max_severity, answers=dict(draft.answers), missing=list(draft.missing) or None,
        sender_trusted=draft.sender_trusted, priority_eligible=draft.priority_eligible,
        gate_state=gate.state if gate is not None else None,
        gate_reason=gate.reason[:2000] if gate is not None else None, root_message_id=draft.root_message_id,
        actor=draft.actor, submitted_at=d.received, ticket_id=uow.reserve("tickets"),
    )
    reason = f"{ticket.token}: {d.reason}"
    m = d.mail
    if m is None:  # Slack: the requester is told in Slack
        return reason, ticket
    parsed = m.parsed
    assert parsed is not None
    if d.reply_to is None:
        return reason + "; no acknowledgement (sender may not be auto-answered)", ticket
    if not _budget(uow, deps, d.reply_to, "ack", d):
        return reason + ("; acknowledgement suppressed (this sender's or the global limit of automatic "
                         "replies within the window)"), ticket
    severity = Severity.parse(ticket.effective_severity)
    rendered = _templates(deps).render(
        "acknowledgement", **deps.config.template_common(), sender_name=d.greeting,
        sender_address=d.reply_to, token=ticket.token,
        subject=(parsed.subject or "(no subject)") if d.echo_subject else None,
        severity=severity.name, severity_name=DEFINITIONS[severity].name,
        due_at=ticket.due_at.strftime("%Y-%m-%d %H:%M UTC") if ticket.due_at else None,
        organization=draft.organization, project=draft.project, missing=list(draft.missing),
        show_registration=not draft.priority_eligible and draft.reason_code != ReasonCode.PRIORITY,
        reason_code=draft.reason_code,
    )
    payload = _email_payload(deps.config, to=d.reply_to, subject=rendered.subject, text=rendered.text,
                             kind="acknowledgement", in_reply_to=parsed.message_id,
                             references=list(parsed.references), token=ticket.token)
    _enqueue_mail(uow, payload, key=f"email:ack:{_key(m.message_id or '')}", decision=d, ticket_id=ticket.id)
    ticket.thread_message_ids = [*(ticket.thread_message_ids or []), payload["message_id"]]
    services.record_message_ids(uow.session, ticket.id, [payload["message_id"]], direction="out", now=d.at,
                                defer=True)
    return reason + "; acknowledgement queued", ticket


def _follow_up(d: FollowUp, uow: UnitOfWork, deps: IntakeDeps) -> Ticket:
    m = d.mail
    assert m is not None and m.parsed is not None
    ticket = services.customer_follow_up(uow.session, d.thread.id, now=d.at, message_id=m.message_id,
                                         text_for_thread=d.text, policy=deps.policy)
    mid = m.parsed.message_id
    if mid:
        ticket.thread_message_ids = [*(ticket.thread_message_ids or []), mid]
        services.record_message_ids(uow.session, ticket.id, [mid], direction="in", now=d.at)
    return ticket


def _reject(d: Rejected, uow: UnitOfWork, deps: IntakeDeps) -> str:
    m, reason = d.mail, d.reason
    findings = [f for f in d.redaction.findings if 0 <= f.start < f.end <= len(d.scanned)]
    ref = m.message_id if m is not None else (d.slack.ref if d.slack is not None else None)
    if findings:
        session, key, at = uow.session, deps.hmac_key, d.at

        def log_entries(rejections: list[redaction_log.Rejection]) -> object:  # one lock, one flush
            return redaction_log.append_many(session, key=key, now=at, rejections=rejections)
        uow.collect("redaction_log", redaction_log.Rejection(d.message.channel, ref, d.sender_org, d.scanned,
                                                             findings), log_entries)
    thread = d.thread
    if thread is not None:
        services.customer_follow_up(uow.session, thread.id, now=d.at, message_id=ref,
                                    rejected_types=d.finding_types or {"finding": len(findings)}, policy=deps.policy,
                                    sender_line=d.sender_line)
    if m is None:  # Slack: the requester is told in Slack
        return reason
    parsed = m.parsed
    assert parsed is not None
    if d.reply_to is None:
        return reason + "; no resubmission request (sender may not be auto-answered)"
    if not _budget(uow, deps, d.reply_to, "resubmission", d):
        return reason + "; resubmission request suppressed (rate limit for this sender)"
    labels = list(dict.fromkeys(finding_label(t) for t in sorted(d.redaction.reasons)))
    rendered = _templates(deps).render(
        "resubmission", **deps.config.template_common(), sender_name=d.greeting,
        token=thread.token if thread else None, finding_labels=labels or ["personal data or secrets"])
    # Only the threading ids of the rejected mail are kept, never its subject or text.
    payload = _email_payload(deps.config, to=d.reply_to, subject=rendered.subject, text=rendered.text,
                             kind="resubmission", in_reply_to=parsed.message_id,
                             references=list(parsed.references), token=thread.token if thread else None)
    _enqueue_mail(uow, payload, key=f"email:resubmit:{_key(ref or '')}", decision=d,
                  ticket_id=thread.id if thread else None)
    if thread is not None:
        services.record_message_ids(uow.session, thread.id, [payload["message_id"]], direction="out", now=d.at)
    return reason + "; resubmission request queued"


def _deflect(d: Deflected, uow: UnitOfWork, deps: IntakeDeps) -> str:
    m, reason = d.mail, d.reason
    assert m is not None and m.parsed is not None
    if d.reply_to is None:
        return reason + "; no pointer sent (sender may not be auto-answered)"
    if not _budget(uow, deps, d.reply_to, "deflection", d):
        return reason + "; pointer already sent to this sender within the window"
    rendered = _templates(deps).render("deflection", **deps.config.template_common(), sender_name=d.greeting)
    payload = _email_payload(deps.config, to=d.reply_to, subject=rendered.subject, text=rendered.text,
                             kind="deflection", in_reply_to=m.parsed.message_id, references=list(m.parsed.references))
    _enqueue_mail(uow, payload, key=f"email:deflect:{_key(m.message_id or '')}", decision=d, ticket_id=None)
    return reason + "; pointer queued"
