"""Block Kit builders for the ticket message: pure functions (ticket row + policy + now -> dicts).

Nothing here talks to Slack or the database; the notifier renders from the *current* ticket row at
delivery time, so a retried or late update never shows stale fields. Every builder's output passes
``slack_sdk.models`` validation (tests/slack/test_blocks.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Protocol

from intake.domain.durations import duration_words
from intake.domain.nag_message import slack_time
from intake.domain.policy import Policy
from intake.domain.severity import DEFINITIONS, Severity

# Action ids of the ticket message (listeners in bot/app.py match these).
A_SEVERITY = "ticket_set_severity"
A_FIELDS = "ticket_set_fields"
A_CLAIM = "ticket_claim"
A_REPLY = "ticket_reply"
A_REQUEST_INFO = "ticket_request_info"
A_MORE = "ticket_more"  # overflow: assign, incident, out of scope, downgrade, close
MORE_ASSIGN, MORE_INCIDENT, MORE_OUT_OF_SCOPE, MORE_DOWNGRADE, MORE_CLOSE = (
    "assign", "incident", "out_of_scope", "downgrade", "close")

# Slack limits (https://api.slack.com/reference/block-kit/blocks): section text 3000, message text 40000.
SECTION_TEXT_MAX = 3000
EXCERPT_MAX = 600
DUE_IN_WORDS_WITHIN = dt.timedelta(hours=12)


class TicketLike(Protocol):
    """What the builders read of a ticket (``intake.store.models.Ticket`` fits)."""

    id: int
    token: str
    channel: str
    state: str
    subject: str | None
    body: str | None
    requested_severity: str | None
    effective_severity: str
    severity_reason: str | None
    organization: str | None
    project: str | None
    product: str | None
    component: str | None
    max_severity: str | None
    sender_email: str | None
    sender_name: str | None
    sender_trusted: bool
    priority_eligible: bool
    gate_state: str | None
    gate_reason: str | None
    submitted_at: dt.datetime
    due_at: dt.datetime | None
    initial_response_at: dt.datetime | None
    waiver: str | None
    waiver_ref: str | None
    assignee: str | None
    missing_fields: list[Any] | None
    closed_at: dt.datetime | None


def escape(text: str | None) -> str:
    """Slack mrkdwn escaping: ``&``, ``<`` and ``>`` only, so customer text can never ping
    ``<!channel>`` or forge a link (https://api.slack.com/reference/surfaces/formatting#escaping)."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_SLACK_LINK = re.compile(r"<([^<>|]+)\|([^<>]*)>")
_SLACK_REF = re.compile(r"<([^<>]+)>")


def slack_to_plain(text: str | None) -> str:
    """Slack message markup as plain text for an email draft: ``<url|label>`` -> ``label (url)``,
    ``<@U123>`` -> ``@U123``, ``<!here>`` -> ``@here``, entities unescaped."""
    if not text:
        return ""

    def link(m: re.Match[str]) -> str:
        target, label = m.group(1), m.group(2)
        if target.startswith(("@", "#", "!")):
            return "@" + label if target.startswith(("@", "!")) else "#" + label
        target = target.removeprefix("mailto:")
        return label if label == target else f"{label} ({target})"

    def ref(m: re.Match[str]) -> str:
        target = m.group(1)
        if target.startswith("!"):
            return "@" + target[1:].split("^", 1)[0]
        if target.startswith(("@", "#")):
            return target
        return target.removeprefix("mailto:")

    text = _SLACK_REF.sub(ref, _SLACK_LINK.sub(link, text))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, SECTION_TEXT_MAX)}


def severity_label(severity: Severity | str | None) -> str:
    if severity is None:
        return "—"
    sev = Severity.parse(severity)
    return f"{sev.name} {DEFINITIONS[sev].name}"


def due_in_words(ticket: TicketLike, *, policy: Policy, now: dt.datetime) -> str:
    """The SLA line in the reader's words, as Slack mrkdwn: "due in 42 min", "due <date>",
    "overdue by 1 h 5 min", or why there is no running clock (support terms: initial response,
    status-page waiver, redaction). Dates are Slack date tokens: each reader sees their own zone."""
    if ticket.initial_response_at is not None:
        return f"clock stopped: initial response {slack_time(ticket.initial_response_at)}"
    if ticket.waiver:
        if ticket.waiver == "status_page_incident":
            return f"target waived: status-page incident {escape(ticket.waiver_ref or '')}".rstrip()
        return "no response target (redaction rejection)"
    if ticket.state == "closed":
        return "closed before an initial response"
    if ticket.due_at is None:
        return "no response target"
    delta = ticket.due_at - now
    if delta <= dt.timedelta(0):
        return f"overdue by {duration_words(delta, short=True)} (was due {slack_time(ticket.due_at)})"
    same_day = ticket.due_at.astimezone(policy.calendar.tz).date() == now.astimezone(policy.calendar.tz).date()
    if delta <= DUE_IN_WORDS_WITHIN and same_day:
        return f"due in {duration_words(delta, short=True)}"
    return f"due {slack_time(ticket.due_at)}"


STATE_LABELS = {
    "open": "open",
    "awaiting_customer": "awaiting customer",
    "responded": "responded",
    "closed": "closed",
    "received": "received",
}


@dataclass(frozen=True)
class Rendered:
    """A message: ``text`` is the notification/fallback, ``blocks`` the Block Kit layout."""

    text: str
    blocks: list[dict[str, Any]]


def ticket_message(ticket: TicketLike, *, policy: Policy, now: dt.datetime) -> Rendered:
    """The ticket message in the triage channel, rendered from the current ticket row."""
    sev = Severity.parse(ticket.effective_severity)
    requested = ticket.requested_severity
    subject = escape(truncate(ticket.subject or "(no subject)", 200))
    due = due_in_words(ticket, policy=policy, now=now)
    closed = ticket.state == "closed"
    header = f"{ticket.token} · {sev.name} · {truncate(ticket.subject or '(no subject)', 120)}"
    sender = escape(ticket.sender_name or "")
    if ticket.sender_email:
        sender = f"{sender} <mailto:{escape(ticket.sender_email)}|{escape(ticket.sender_email)}>".strip()
    sender += " (verified)" if ticket.sender_trusted else " (unverified)"
    severity_text = f"*{severity_label(sev)}*"
    if requested and requested != ticket.effective_severity:
        severity_text += f" (requested {severity_label(requested)})"
    if ticket.max_severity:
        severity_text += f"\nmax for this component: {ticket.max_severity}"
    org = escape(ticket.organization) or "_not identified_"
    project = escape(ticket.project) or "_not identified_"
    if ticket.product:
        project += f" · {escape(ticket.product)}" + (f" / {escape(ticket.component)}" if ticket.component else "")
    gate = escape(ticket.gate_state or "—")
    if ticket.gate_reason:
        gate += f": {escape(truncate(ticket.gate_reason, 150))}"
    fields = [
        mrkdwn(f"*Severity*\n{severity_text}"),
        mrkdwn(f"*Response*\n{due}"),
        mrkdwn(f"*Organization*\n{org}"),
        mrkdwn(f"*Project*\n{project}"),
        mrkdwn(f"*From*\n{sender} via {escape(ticket.channel)}"),
        mrkdwn(f"*State*\n{STATE_LABELS.get(ticket.state, escape(ticket.state))}"
               + (f" · <@{escape(ticket.assignee)}>" if ticket.assignee else " · unassigned")),
        mrkdwn(f"*Website gate*\n{gate}"),
        mrkdwn("*Redaction*\n" + ("rejected: content deleted" if ticket.waiver == "redaction_rejection"
                                  else "passed: no third-party personal data or secrets found")),
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "block_id": "ticket_header", "text": plain(header, 150)},
        {"type": "section", "block_id": "ticket_fields", "fields": fields},
    ]
    if ticket.body:
        excerpt = escape(truncate(" ".join(ticket.body.split()), EXCERPT_MAX))
        blocks.append({"type": "section", "block_id": "ticket_excerpt", "text": mrkdwn(f"*{subject}*\n>{excerpt}")})
    notes = []
    if ticket.missing_fields:
        notes.append("missing: " + ", ".join(escape(str(m)) for m in ticket.missing_fields))
    if not ticket.priority_eligible:
        notes.append("not eligible for priority handling (filer not registered or organization/project not exact)")
    if ticket.severity_reason:
        notes.append(f"severity reason: {escape(truncate(ticket.severity_reason, 300))}")
    notes.append(f"submitted {slack_time(ticket.submitted_at)}"
                 + (f" · due {slack_time(ticket.due_at)}" if ticket.due_at else ""))
    blocks.append({"type": "context", "block_id": "ticket_notes", "elements": [mrkdwn(" · ".join(notes))]})
    if not closed:
        blocks.append(ticket_actions(ticket))
    # The top-level text is mrkdwn too (notifications): escaped like the sections. Header blocks are
    # plain_text, which Slack never parses for mentions or links.
    text = f"{ticket.token} {sev.name}: {escape(truncate(ticket.subject or '(no subject)', 150))} ({due})"
    return Rendered(text=text, blocks=blocks)


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "text": plain(text), "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def ticket_actions(ticket: TicketLike) -> dict[str, Any]:
    """The triage actions: frequent ones as buttons, the rest in an overflow menu (5 options at most)."""
    value = str(ticket.id)
    more = [
        ("Assign to…", MORE_ASSIGN),
        ("Link status-page incident", MORE_INCIDENT),
        ("Out of scope (Expert Services)", MORE_OUT_OF_SCOPE),
        ("Downgrade", MORE_DOWNGRADE),
        ("Close", MORE_CLOSE),
    ]
    elements = [
        _button("Set severity", A_SEVERITY, value, "primary"),
        _button("Org & project", A_FIELDS, value),
        _button("Claim", A_CLAIM, value),
        _button("Reply to customer", A_REPLY, value),
        _button("Request information", A_REQUEST_INFO, value),
        {"type": "overflow", "action_id": A_MORE,
         "options": [{"text": plain(label), "value": f"{key}:{value}"} for label, key in more]},
    ]
    return {"type": "actions", "block_id": "ticket_actions", "elements": elements}


def thread_text(text: str, *, untrusted: bool = True) -> Rendered:
    """A thread message. Customer text is escaped so it cannot ping anyone or forge links; our own
    notes (initial response recorded, nags with escalation mentions) keep their mrkdwn."""
    shown = escape(text) if untrusted else text
    return Rendered(text=truncate(shown, 3900),
                    blocks=[{"type": "section", "text": mrkdwn(truncate(shown, SECTION_TEXT_MAX))}])


def severity_definitions(maximum: Severity | None = None) -> list[dict[str, Any]]:
    """Context blocks with the support terms' S1-S4 definitions; levels above the cap are marked."""
    out = []
    for sev in Severity:
        d = DEFINITIONS[sev]
        above = maximum is not None and sev.is_higher_than(maximum)
        line = f"*{sev.name} {d.name}*" + (" — _above this component's maximum_" if above else "")
        out.append({"type": "context", "elements": [mrkdwn(f"{line}\n{d.meaning} _e.g. {d.examples}_")]})
    return out
