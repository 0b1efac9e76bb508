"""What ``decide`` is handed besides the message: the configuration, the registry and policy, the
redaction engine, the rules, and a read-only view of the store (``Lookups``).

``IntakeDeps`` is built once per process (the worker, the web process's Slack app, ``replay``);
a ``Context`` adds what changes per message or batch: the time, the website gate, the lookups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.mail.identity import SenderIdentity
from intake.mail.parse import DEFAULT_MAX_BYTES
from intake.mail.templates import Templates, window_words
from intake.pipeline.decisions import ThreadRef
from intake.portal import GateReading
from intake.registry import Registry
from redaction.types import Decision as RedactionResult
from redaction.types import Sender

__all__ = ["Context", "IntakeConfig", "IntakeDeps", "Lookups", "NoLookups", "Redactor", "Rules", "contract_cap",
           "severity_cap"]


class Redactor(Protocol):
    """The redaction engine as the pipeline uses it (``redaction.engine.Redactor``)."""

    def check(self, text: str, sender: Sender | None = None) -> RedactionResult: ...


class BatchRedactor(Redactor, Protocol):
    def check_many(self, items: Sequence[tuple[str, Sender | None]]) -> Sequence[RedactionResult]: ...


class Lookups(Protocol):
    """What ``decide`` may read of the store (no writes). Implemented on a session by
    :class:`intake.pipeline.lookups.StoreLookups`; :class:`NoLookups` knows nothing."""

    def recorded(self, mailbox: str, uidvalidity: int | None, uid: int) -> tuple[int, str, int | None] | None:
        """``(inbound id, outcome, ticket id)`` of a mail recorded under this UID before."""

    def message_id_owner(self, message_id: str) -> tuple[int, str] | None:
        """``(inbound id, outcome)`` of a mail recorded under this Message-ID."""

    def thread_for(self, *, in_reply_to: str | None, references: Sequence[str], subject: str) -> ThreadRef | None:
        """The ticket a mail refers to (threading headers, then the token in the subject), and by which
        (``ThreadRef.by``)."""

    def recent_tickets(self, sender: str, since: dt.datetime) -> tuple[int, ThreadRef | None]:
        """How many email tickets ``sender`` opened since ``since``, and their most recent open one."""

    def gate_at(self, when: dt.datetime, current: GateReading) -> GateReading:
        """The gate as it was at ``when`` (a backlog read later was still written then)."""


class NoLookups:
    """A store that holds nothing (tests, ``replay`` without a database)."""

    def recorded(self, mailbox: str, uidvalidity: int | None, uid: int) -> tuple[int, str, int | None] | None:
        return None

    def message_id_owner(self, message_id: str) -> tuple[int, str] | None:
        return None

    def thread_for(self, *, in_reply_to: str | None, references: Sequence[str], subject: str) -> ThreadRef | None:
        return None

    def recent_tickets(self, sender: str, since: dt.datetime) -> tuple[int, ThreadRef | None]:
        return 0, None

    def gate_at(self, when: dt.datetime, current: GateReading) -> GateReading:
        return current


def contract_cap(registry: Registry, policy: Policy, organization: str | None, product: str | None,
                 component: str | None) -> Severity:
    """Support terms, "maximum severity": the stricter of the contract's cap and the policy's
    product/component table (S1: uncapped)."""
    return registry.effective_max_severity(organization, product, component, policy=policy)


@dataclass(frozen=True)
class Rules:
    """Rules every channel applies, replaceable as a whole (a test, or a deployment, swaps one and
    all channels follow). A new channel-independent rule goes here, or into ``decide``'s stages."""

    severity_cap: Callable[[Registry, Policy, str | None, str | None, str | None], Severity] = contract_cap
    thread_text_limit: int = 3000  # characters of a follow-up shown in the Slack thread


def severity_cap(rules: Rules, registry: Registry, policy: Policy, organization: str | None,
                 product: str | None = None, component: str | None = None) -> Severity | None:
    """The maximum severity ``rules`` allow for this organization/product/component; None when
    uncapped. What ``decide`` applies, and what a form (the Slack request modal) may offer."""
    cap = rules.severity_cap(registry, policy, organization, product, component)
    return None if cap == Severity.S1 else cap


@dataclass(frozen=True)
class IntakeConfig:
    """What the pipeline needs of the settings."""

    support_address: str = "support@vendor.example"
    our_addresses: tuple[str, ...] = ("support@vendor.example",)
    message_id_domain: str = "vendor.example"
    authserv_ids: tuple[str, ...] = ("mx.vendor.example",)
    authserv_headers: int = 1  # how many of the topmost Authentication-Results are our servers'
    max_mail_bytes: int = DEFAULT_MAX_BYTES
    autoreply_window: dt.timedelta = dt.timedelta(days=1)
    ack_limit: int = 5
    global_reply_limit: int = 300  # automatic replies to anyone per global_reply_window
    global_reply_window: dt.timedelta = dt.timedelta(hours=1)
    # New tickets one sender may open per window; the rest fold into their most recent open ticket
    # (a non-threading autoresponder would otherwise open a ticket per reply). 0: no limit.
    new_ticket_limit: int = 3
    new_ticket_window: dt.timedelta = dt.timedelta(hours=1)
    website_url: str = "https://support.vendor.example"
    status_url: str = ""
    vendor_name: str = "Vendor"
    expert_services_url: str = ""

    @classmethod
    def from_settings(cls, settings: Any) -> IntakeConfig:
        address = str(settings.support_address).strip().lower()
        return cls(
            support_address=address,
            our_addresses=tuple(dict.fromkeys(a for a in (address, (settings.imap_user or "").lower()) if "@" in a)),
            message_id_domain=address.rpartition("@")[2],
            authserv_ids=tuple(settings.authserv_ids),
            authserv_headers=settings.authserv_headers,
            max_mail_bytes=settings.max_mail_bytes,
            autoreply_window=dt.timedelta(seconds=settings.autoreply_window_seconds),
            ack_limit=settings.autoreply_ack_limit,
            global_reply_limit=settings.autoreply_global_limit,
            new_ticket_limit=settings.new_ticket_limit,
            new_ticket_window=dt.timedelta(seconds=settings.new_ticket_window_seconds),
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

    def reply_limit(self, kind: str) -> int:
        """Automatic replies per sender per window: one website pointer; ``ack_limit`` of the rest."""
        return 1 if kind == "deflection" else self.ack_limit


@dataclass
class IntakeDeps:
    """Everything the pipeline is handed (house style rule 2); built once per process."""

    config: IntakeConfig
    registry: Registry
    policy: Policy
    redactor: Redactor
    templates: Templates | None = None  # needed to apply decisions that answer by mail
    hmac_key: bytes = b""  # needed to apply rejections (the redaction log's fingerprints)
    rules: Rules = field(default_factory=Rules)
    # Sender identities by (From header, Authentication-Results): a pure function of them and the
    # registry, and a burst comes from few senders (cleared when it grows past IDENTITY_CACHE).
    identities: dict[tuple[str | None, tuple[str, ...]], SenderIdentity] = field(default_factory=dict, repr=False)


IDENTITY_CACHE = 10_000


@dataclass(frozen=True)
class Context:
    """``IntakeDeps`` plus what holds for one message or batch."""

    deps: IntakeDeps
    now: dt.datetime
    gate: GateReading | None = None  # the email gate; None for channels it does not apply to
    lookups: Lookups = field(default_factory=NoLookups)

    @property
    def config(self) -> IntakeConfig:
        return self.deps.config
