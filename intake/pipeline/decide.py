"""``decide(message, context) -> Decision``: what happens to one message and why.

One dispatcher for every channel (zulip's ``email_mirror.process_message`` shape): a short
function that runs the stages and turns the pipeline's own errors into recorded outcomes. The
stages are pure but for two ports the context hands in: the redaction engine and a read-only
view of the store (``Lookups``: UID already recorded? Message-ID taken? which ticket does this
refer to? the gate at receipt).

Email, in order (DESIGN.md "Email"): recorded before -> nothing to do but flag; over-size or
unparsable -> quarantined; Message-ID seen -> duplicate; automated, bulk, bounces, our own mail
-> filtered (RFC 3834 §2: never answered); a follow-up to an open ticket -> redaction -> thread
(even while the website is up: the conversation already lives in email); website up ->
deflection (one pointer per sender per window, no ticket); redaction findings -> resubmission
request, nothing kept; else organization/project/severity extracted, severity capped, ticket.

Slack requests: redaction -> rejected (nothing kept but the log entry) or a ticket, capped by the
same rule.

A batch splits the dispatcher in two (:func:`screen` every message, redact the texts in one
engine call, :func:`conclude` each), so no caller repeats a stage's preconditions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from email.utils import formataddr

from intake.domain.severity import Severity
from intake.mail.extract import extract
from intake.mail.filters import auto_reply_address, classify_inbound, may_auto_reply
from intake.mail.identity import SenderIdentity, identify_sender
from intake.mail.parse import ParsedMail
from intake.pipeline.context import IDENTITY_CACHE, Context, severity_cap
from intake.pipeline.decisions import (
    AlreadyRecorded,
    Decision,
    Deflected,
    Duplicate,
    Filtered,
    FollowUp,
    NewTicket,
    Quarantined,
    Rejected,
    ThreadRef,
    TicketDraft,
)
from intake.pipeline.errors import Dropped, Quarantine
from intake.pipeline.messages import MailMessage, Message, SlackRequest
from intake.portal import GateReading
from intake.registry import Registry
from redaction.types import Decision as RedactionResult
from redaction.types import Sender

__all__ = ["Pending", "conclude", "decide", "identify", "received_time", "redaction_sender", "redaction_text",
           "screen"]

MAX_BACKDATE = dt.timedelta(days=30)


@dataclass(frozen=True)
class Pending:
    """A message that passed every stage before redaction: the text to scan and as whom."""

    message: Message
    text: str = field(repr=False)
    sender: Sender
    received: dt.datetime
    gate: GateReading | None = None
    identity: SenderIdentity | None = None
    thread: ThreadRef | None = None
    reply_to: str | None = None
    greeting: str | None = None
    echo_subject: bool = False
    prefix: str = ""  # said before the reason (a reference to a closed ticket)


def decide(message: Message, context: Context) -> Decision:
    """The decision for one message. No writes; reads only through ``context.lookups``."""
    step = screen(message, context)
    if isinstance(step, Decision):
        return step
    return conclude(step, context.deps.redactor.check(step.text, step.sender), context)


def screen(message: Message, context: Context) -> Decision | Pending:
    """Every stage before redaction: a final decision, or what redaction must scan."""
    try:
        if isinstance(message, MailMessage):
            return _screen_mail(message, context)
        return _screen_slack(message, context)
    except Quarantine as exc:
        return Quarantined(message=message, reason=f"{exc.code}: {exc.reason}", code=exc.code, at=context.now,
                           received=received_time(message, context.now), gate=context.gate)
    except Dropped as exc:
        return Filtered(message=message, reason=f"{exc.code}: {exc.reason}", code=exc.code, at=context.now,
                        received=received_time(message, context.now), gate=context.gate)


def conclude(pending: Pending, found: RedactionResult, context: Context) -> Decision:
    """The decision once redaction has answered for ``pending.text``."""
    if isinstance(pending.message, SlackRequest):
        return _conclude_slack(pending, pending.message, found, context)
    assert isinstance(pending.message, MailMessage)
    return _conclude_mail(pending, pending.message, found, context)


# -- shared ---------------------------------------------------------------------------------------------------

def received_time(message: Message, now: dt.datetime) -> dt.datetime:
    """When the message reached us; a bogus INTERNALDATE (APPEND may set any) never back-dates an SLA."""
    received = min(message.received_at or now, now)
    return now if now - received > MAX_BACKDATE else received


_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_'’.-]*(?:['’.-][^\W\d_]+)*\.?$")


def name_words(display: str | None) -> str | None:
    """The words of a display name that can be a person's name (at most five, letters with inner
    hyphens or apostrophes): a display name is the sender's to choose, so a token or an address
    written there must not become part of their protected identity."""
    raw = (display or "").replace(",", " ").split()
    words = [w for w in raw if len(w) <= 40 and _NAME_WORD.match(w)]
    if words and len(words) == len(raw) <= 5:
        return (display or "").strip()  # an ordinary name, as written
    return " ".join(words[:5]) or None


def redaction_sender(registry: Registry, *, name: str | None, email: str | None, org: str | None) -> Sender:
    """The sender as redaction sees it: their own name, address, organization and its registered
    users and domains are not third parties. ``org`` is an id or a name; unknown ones stay as given."""
    found = registry.find_org(org) if org else None
    return Sender(
        name=name_words(name), email=email or None, org=found.name if found is not None else (org or None),
        org_domains=tuple(found.domains) if found is not None else (),
        org_users=tuple(x for u in found.users for x in (u.name, u.email)) if found is not None else (),
    )


def _window(span: dt.timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def _types_words(found: RedactionResult) -> str:
    return ", ".join(f"{t} x{n}" for t, n in sorted(found.reasons.items())) or "findings"


# -- email ------------------------------------------------------------------------------------------------------

def redaction_text(parsed: ParsedMail) -> str:
    """The text redaction scans, in one string (the redaction log's fingerprints are computed over
    the same string): everything of the mail that we store or forward — the sender's display name
    (the card shows it), subject, body, every attachment's file name (the ticket lists them, binary
    ones included) and the text of text-like attachments."""
    parts = [f"From: {parsed.from_name}"] if parsed.from_name else []
    parts += [f"Subject: {parsed.subject}", parsed.body]
    unread = [a.filename for a in parsed.attachments if a.filename and a.text is None]
    if unread:
        parts.append("Attachments:\n" + "\n".join(unread))
    parts.extend(f"--- attachment {label[len('attachment:'):]} ---\n{text}"
                 for label, text in parsed.scannable_texts if label.startswith("attachment:"))
    return "\n\n".join(parts)


def _from_header(parsed: ParsedMail) -> str | None:
    if not parsed.from_addr:
        return None
    try:
        return formataddr((parsed.from_name, parsed.from_addr))
    except UnicodeError:  # an internationalized address (RFC 6532): formataddr insists on ASCII
        name = parsed.from_name.replace("\\", "").replace('"', "")
        return f'"{name}" <{parsed.from_addr}>' if name else f"<{parsed.from_addr}>"


def identify(parsed: ParsedMail, context: Context) -> SenderIdentity:
    """Who sent it, as far as the receiving server's Authentication-Results vouch for it."""
    from_header = _from_header(parsed)
    key = (from_header, tuple(parsed.authentication_results))
    cache = context.deps.identities
    found = cache.get(key)
    if found is None:
        if len(cache) >= IDENTITY_CACHE:
            cache.clear()
        found = cache[key] = identify_sender(from_header, parsed.authentication_results,
                                             registry=context.deps.registry, authserv_ids=context.config.authserv_ids,
                                             own_headers=context.config.authserv_headers)
    return found


def _mail_gate(context: Context) -> GateReading:
    if context.gate is None:
        raise TypeError("deciding a mail needs the website gate in the context")
    return context.gate


def _screen_mail(m: MailMessage, context: Context) -> Decision | Pending:
    now, cfg, lookups = context.now, context.config, context.lookups
    received = received_time(m, now)
    gate = _mail_gate(context)
    if m.uid is not None:
        seen = lookups.recorded(m.mailbox, m.uidvalidity, m.uid)
        if seen is not None:
            return AlreadyRecorded(message=m, reason="recorded before; only marked done on the server",
                                   at=now, received=received, gate=gate, inbound_id=seen[0], outcome=seen[1],
                                   ticket_id=seen[2])
    if m.raw is None:  # not downloaded: over the size limit (the poller read only RFC822.SIZE)
        raise Quarantine("too_large", f"{m.size} bytes > limit {cfg.max_mail_bytes}; not downloaded")
    if m.parsed is None:
        return Quarantined(message=m, reason=(m.parse_error or "unparsable")[:2000], code="unparsable", at=now,
                           received=received, gate=gate)
    parsed = m.parsed
    mid = m.message_id
    assert mid is not None
    owner = lookups.message_id_owner(mid)
    if owner is not None:
        return Duplicate(message=m, reason=f"same Message-ID as inbound #{owner[0]} ({owner[1]}); "
                         "not processed again", at=now, received=received, gate=gate, of_id=owner[0])
    gate = lookups.gate_at(received, gate)
    context = Context(context.deps, now, gate, lookups)
    thread = lookups.thread_for(in_reply_to=parsed.in_reply_to, references=parsed.references,
                                subject=parsed.subject)
    identity = identify(parsed, context)
    verdict = classify_inbound(parsed, our_addresses=cfg.our_addresses, our_message_id_domain=cfg.message_id_domain)
    if verdict.action == "drop":
        raise Dropped(verdict.code, verdict.reason)
    if verdict.action != "accept":
        raise Quarantine(verdict.code, verdict.reason)
    trusted = identity.trusted
    reply_to = (auto_reply_address(parsed, trusted=trusted)
                if may_auto_reply(parsed, verdict, our_addresses=cfg.our_addresses, trusted=trusted) else None)
    greeting = name_words(identity.name or parsed.from_name) if trusted else None
    pending = Pending(message=m, text=redaction_text(parsed), received=received, gate=gate, identity=identity,
                      thread=thread, reply_to=reply_to, greeting=greeting, echo_subject=trusted,
                      sender=redaction_sender(context.deps.registry, name=identity.name or parsed.from_name,
                                              email=parsed.from_addr, org=identity.org_id))
    if thread is not None and thread.by == "subject" and not _may_follow_up(thread, parsed, identity):
        # Only the token in the subject, which anyone can write (ticket numbers are sequential):
        # never threaded for a stranger, whatever the ticket's state.
        prefix = (f"subject names {thread.token}, but the sender is neither its sender nor an authenticated "
                  "member of its organization: handled as a new request; ")
        pending = replace(pending, thread=None)
        thread = None
    elif thread is not None and thread.open:
        return pending  # a follow-up: redaction decides, whatever the website's state
    else:
        prefix = f"refers to {thread.token}, which is {thread.state}: handled as a new request; " if thread else ""
    if gate.effective == "up":
        return Deflected(message=m, reason=f"{prefix}website up ({gate.reason}): pointer to the website, no ticket",
                         at=now, received=received, gate=gate, reply_to=reply_to, greeting=greeting,
                         echo_subject=trusted)
    return replace(pending, prefix=prefix)


def _may_follow_up(thread: ThreadRef, parsed: ParsedMail, identity: SenderIdentity) -> bool:
    """A subject-token match threads only the ticket's own sender or an authenticated (trusted)
    member of the ticket's organization."""
    own = (thread.sender_email or "").strip().lower()
    if own and own in {(parsed.from_addr or "").strip().lower(), (identity.address or "").strip().lower()}:
        return True
    return bool(identity.trusted and identity.org_id and identity.org_id == thread.organization)


def _sender_line(address: str | None, verified: bool) -> str:
    """Who sent a follow-up, as the ticket's thread shows it."""
    who = address or "an unknown sender"
    return f"From {who} ({'verified: authenticated sender' if verified else 'not verified: sender not authenticated'})"


def _follow_up(p: Pending, m: MailMessage, thread: ThreadRef, found: RedactionResult, context: Context,
               reason: str, *, folded: bool = False) -> FollowUp:
    assert m.parsed is not None and p.identity is not None and p.gate is not None
    parsed, identity = m.parsed, p.identity
    text = parsed.body.strip()
    if folded:  # a new request: its subject says what it is about
        text = f"Subject: {parsed.subject}\n\n{text}"
    limit = context.deps.rules.thread_text_limit
    if len(text) > limit:
        text = text[:limit] + " [...]"
    sender = identity.address or parsed.from_addr or None
    return FollowUp(message=m, at=context.now, received=p.received, gate=p.gate, reason=reason, thread=thread,
                    text=_sender_line(sender, identity.trusted) + "\n\n" + (text or "(empty follow-up)")
                    + _attachment_note(parsed), redaction=found, sender=sender, verified=identity.trusted,
                    folded=folded)


def _attachment_note(parsed: ParsedMail) -> str:
    if not parsed.attachments:
        return ""
    lines = ["", "Attachments (not forwarded):"]
    lines.extend(f"- {a.filename} ({a.content_type}, {a.size} bytes)" for a in parsed.attachments[:50])
    return "\n".join(lines)


def _conclude_mail(p: Pending, m: MailMessage, found: RedactionResult, context: Context) -> Decision:
    assert m.parsed is not None and p.identity is not None and p.gate is not None
    parsed, identity, gate, now = m.parsed, p.identity, p.gate, context.now
    thread = p.thread
    if thread is not None and thread.open:
        if not found.clean:
            return Rejected(message=m, at=now, received=p.received, gate=gate, reason=f"follow-up to {thread.token}: redaction found {_types_words(found)}; "
                            "content discarded, resubmission requested", redaction=found, scanned=p.text,
                            sender_org=identity.org_id, thread=thread, reply_to=p.reply_to,
                            greeting=p.greeting, echo_subject=p.echo_subject,
                            sender_line=_sender_line(identity.address or parsed.from_addr or None, identity.trusted))
        how = "by its subject token" if thread.by == "subject" else "by its threading headers"
        return _follow_up(p, m, thread, found, context, f"follow-up to open ticket {thread.token} {how} "
                          f"(threaded whatever the website's state; gate {gate.effective}; sender "
                          f"{'verified' if identity.trusted else 'not verified'})")
    if not found.clean:
        return Rejected(message=m, at=now, received=p.received, gate=gate, reason=f"{p.prefix}redaction found {_types_words(found)}: content discarded, "
                        "resubmission requested, no response target", redaction=found, scanned=p.text,
                        sender_org=identity.org_id, reply_to=p.reply_to, greeting=p.greeting,
                        echo_subject=p.echo_subject)

    cfg = context.config
    address = identity.address or parsed.from_addr
    if cfg.new_ticket_limit > 0 and address:
        opened, latest = context.lookups.recent_tickets(address, now - cfg.new_ticket_window)
        if opened >= cfg.new_ticket_limit and latest is not None:
            return _follow_up(p, m, latest, found, context, f"{p.prefix}folded into {latest.token} as a follow-up: "
                              f"this sender opened {opened} new tickets within {_window(cfg.new_ticket_window)} "
                              f"(limit {cfg.new_ticket_limit}); no new ticket, no acknowledgement", folded=True)

    deps = context.deps
    ext = extract(parsed.subject, parsed.body, registry=deps.registry, sender=identity)  # type: ignore[arg-type]
    cap = severity_cap(deps.rules, deps.registry, deps.policy, ext.org, ext.product, ext.component)
    requested = ext.severity
    start = (requested or Severity.S4).capped(cap) if cap is not None else (requested or Severity.S4)
    priority = bool(identity.priority_eligible and ext.org == identity.org_id and ext.project is not None)
    draft = TicketDraft(
        channel="email", subject=parsed.subject[:2000], body=(parsed.body + _attachment_note(parsed))[:200_000],
        organization=ext.org, project=ext.project, product=ext.product, component=ext.component,
        requested_severity=requested, max_severity=cap, severity=start,
        answers=dict(ext.answers), missing=tuple(ext.missing), flags=tuple(ext.flags),
        sender_email=identity.address or parsed.from_addr, sender_name=identity.name or parsed.from_name or None,
        sender_trusted=identity.trusted, priority_eligible=priority, reason_code=str(identity.reason_code),
        actor="email", root_message_id=parsed.message_id,
    )
    bits = [f"website down ({gate.reason})", f"sender {identity.reason_code}",
            f"severity {requested or 'not given'}" + (f" capped to {start}" if requested and start != requested else "")
            + ("" if requested else f" -> starts as {start}")]
    if ext.missing:
        bits.append("asking for " + ", ".join(ext.missing))
    if ext.flags:
        bits.append("flags " + ", ".join(ext.flags))
    return NewTicket(message=m, at=now, received=p.received, gate=gate, reason=p.prefix + "new request: " + "; ".join(bits), draft=draft,
                     reply_to=p.reply_to, redaction=found, greeting=p.greeting, echo_subject=p.echo_subject)


# -- Slack --------------------------------------------------------------------------------------------------------

def _screen_slack(r: SlackRequest, context: Context) -> Pending:
    sender = redaction_sender(context.deps.registry, name=r.user_name, email=None, org=r.organization)
    return Pending(message=r, text=f"{r.summary}\n\n{r.description}", sender=sender,
                   received=received_time(r, context.now))


def _conclude_slack(p: Pending, r: SlackRequest, found: RedactionResult, context: Context) -> Decision:
    deps, now = context.deps, context.now
    if not found.clean:
        return Rejected(message=r, at=now, received=p.received, reason=f"redaction found {_types_words(found)}: content discarded, nothing kept "
                        "but the redaction log entry, the requester asked to resend it anonymized",
                        redaction=found, scanned=p.text, sender_org=p.sender.org)
    org = deps.registry.find_org(r.organization) if r.organization else None
    project = deps.registry.find_project(org, r.project) if org is not None and r.project else None
    organization = org.id if org is not None else r.organization
    cap = severity_cap(deps.rules, deps.registry, deps.policy, organization)
    start = r.severity.capped(cap) if cap is not None else r.severity
    missing = tuple(n for n, v in (("organization", organization), ("project", project or r.project)) if not v)
    draft = TicketDraft(
        channel="slack", subject=r.summary, body=r.description, organization=organization,
        project=project.id if project is not None else r.project, product=None, component=None,
        requested_severity=r.severity, max_severity=cap, severity=start,
        answers={**r.answers, "slack_user": r.user}, missing=missing, flags=(),
        sender_email=None, sender_name=r.user_name,
        # Slack users are signed-in members of the workspace (registered); priority handling also
        # needs the organization and project identified precisely (support terms, "Channels").
        sender_trusted=True, priority_eligible=bool(org and project), reason_code="slack_member", actor=r.user,
    )
    reason = f"request from Slack: severity {r.severity}" + (f" capped to {start}" if start != r.severity else "")
    if missing:
        reason += "; missing " + ", ".join(missing)
    return NewTicket(message=r, at=now, received=p.received, reason=reason, draft=draft, redaction=found)
