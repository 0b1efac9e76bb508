"""What :func:`intake.pipeline.decide` returns: one frozen value per outcome, carrying everything
:func:`intake.pipeline.apply` needs to record it, and the reason in words (stored with the
message, printed by ``supportbot replay``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from intake.domain.severity import Severity
from intake.domain.ticket import ACTIVE_VALUES
from intake.pipeline.messages import MailMessage, Message, SlackRequest
from intake.portal import GateReading
from redaction.types import Decision as RedactionResult

__all__ = [
    "ACTIVE_STATES", "AlreadyRecorded", "Decision", "Deflected", "Duplicate", "Filtered", "FollowUp",
    "NewTicket", "Quarantined", "Rejected", "ThreadRef", "TicketDraft",
]

# Ticket states a customer's mail still follows up (the rest: a new request): the domain's set.
ACTIVE_STATES = frozenset(ACTIVE_VALUES)


@dataclass(frozen=True)
class ThreadRef:
    """The ticket a mail refers to (threading headers or ``[SB-000042]`` in the subject)."""

    id: int
    token: str
    state: str
    # How the mail named it: "headers" (In-Reply-To/References carry one of the thread's
    # Message-IDs) or "subject" (only the token in the subject, which anyone can write).
    by: str = "headers"
    sender_email: str | None = None  # the ticket's own sender
    organization: str | None = None

    @property
    def open(self) -> bool:
        return self.state in ACTIVE_STATES


@dataclass(frozen=True)
class TicketDraft:
    """A new ticket as decided: what ``intake.services.open_ticket`` is given."""

    channel: str
    subject: str
    body: str
    organization: str | None
    project: str | None
    product: str | None
    component: str | None
    requested_severity: Severity | None
    max_severity: Severity | None  # the cap (None: uncapped)
    severity: Severity  # what the ticket starts with: requested (or S4), capped
    answers: Mapping[str, object]
    missing: tuple[str, ...]
    flags: tuple[str, ...]
    sender_email: str | None
    sender_name: str | None
    sender_trusted: bool
    priority_eligible: bool
    reason_code: str
    actor: str
    root_message_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Decision:
    """Base of the outcomes. ``gate`` is the website's state at receipt (email only)."""

    kind: ClassVar[str] = ""
    reply: ClassVar[str | None] = None  # template of the automatic answer (rate-limited when applied)
    keeps_content: ClassVar[bool] = False  # subject and text may be stored

    message: Message = field(repr=False)
    reason: str
    at: dt.datetime  # when it was decided
    received: dt.datetime  # when it reached us (the SLA's start)
    gate: GateReading | None = None
    # What an automatic answer may repeat (backscatter: never what a forger wrote): the sender's name
    # only when authenticated (the registry's, or the display name's name words), the subject likewise.
    greeting: str | None = None
    echo_subject: bool = False

    @property
    def mail(self) -> MailMessage | None:
        return self.message if isinstance(self.message, MailMessage) else None

    @property
    def slack(self) -> SlackRequest | None:
        return self.message if isinstance(self.message, SlackRequest) else None


@dataclass(frozen=True, kw_only=True)
class AlreadyRecorded(Decision):
    """This (mailbox, UIDVALIDITY, UID) was recorded before: a re-run after a crash between the
    commit and flagging the mail on the server. Nothing to do but flag it."""

    kind: ClassVar[str] = "recorded"
    inbound_id: int
    outcome: str
    ticket_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class Quarantined(Decision):
    kind: ClassVar[str] = "quarantined"
    code: str = ""


@dataclass(frozen=True, kw_only=True)
class Filtered(Decision):
    kind: ClassVar[str] = "filtered"
    code: str = ""


@dataclass(frozen=True, kw_only=True)
class Duplicate(Decision):
    kind: ClassVar[str] = "duplicate"
    of_id: int


@dataclass(frozen=True, kw_only=True)
class Deflected(Decision):
    """Website up: one pointer to it per sender per window, no ticket."""

    kind: ClassVar[str] = "deflected"
    reply: ClassVar[str | None] = "deflection"
    reply_to: str | None = None


@dataclass(frozen=True, kw_only=True)
class Rejected(Decision):
    """Redaction found third-party personal data or secrets: content discarded, the finding types
    logged with HMAC fingerprints (computed from ``scanned``, never stored), resubmission asked."""

    kind: ClassVar[str] = "rejected_redaction"
    reply: ClassVar[str | None] = "resubmission"
    redaction: RedactionResult
    scanned: str = field(repr=False)
    sender_org: str | None = None
    thread: ThreadRef | None = None
    reply_to: str | None = None
    sender_line: str | None = None  # a rejected follow-up: who sent it, as its thread note says

    @property
    def finding_types(self) -> dict[str, int]:
        types = dict(self.redaction.reasons)
        if not types:
            for f in self.redaction.findings:
                types[f.type] = types.get(f.type, 0) + 1
        return types


@dataclass(frozen=True, kw_only=True)
class FollowUp(Decision):
    """A clean follow-up to an open ticket: into its Slack thread."""

    kind: ClassVar[str] = "follow_up"
    keeps_content: ClassVar[bool] = True
    thread: ThreadRef
    text: str
    redaction: RedactionResult | None = None
    sender: str | None = None  # who sent it (the From address), shown in the thread
    verified: bool = False  # whether that sender is authenticated (a trusted identity)
    folded: bool = False  # a new request folded in: the sender's limit of new tickets was reached


@dataclass(frozen=True, kw_only=True)
class NewTicket(Decision):
    kind: ClassVar[str] = "ticket"
    reply: ClassVar[str | None] = "acknowledgement"
    keeps_content: ClassVar[bool] = True
    draft: TicketDraft
    reply_to: str | None = None
    redaction: RedactionResult | None = None
