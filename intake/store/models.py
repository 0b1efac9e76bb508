"""Tables. SQLite (WAL) by default, PostgreSQL through DATABASE_URL; the same schema on both.

Keep this file and ``migrations/versions/`` in step (0001 is the first release's schema; changes since are
new revisions that upgrade a running deployment);
``tests/store/test_migrations.py`` compares them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from intake.timeutil import utcnow


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Human token used in subjects and Slack: "SB-000042"; also matched in follow-up subjects.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))  # email | slack | web
    state: Mapped[str] = mapped_column(String(32), index=True)
    requested_severity: Mapped[str | None] = mapped_column(String(2))
    effective_severity: Mapped[str] = mapped_column(String(2))
    severity_reason: Mapped[str | None] = mapped_column(Text)
    organization: Mapped[str | None] = mapped_column(String(200))
    project: Mapped[str | None] = mapped_column(String(200))
    product: Mapped[str | None] = mapped_column(String(200))
    component: Mapped[str | None] = mapped_column(String(200))
    max_severity: Mapped[str | None] = mapped_column(String(2))
    sender_email: Mapped[str | None] = mapped_column(String(320), index=True)
    sender_name: Mapped[str | None] = mapped_column(String(200))
    sender_trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    priority_eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)  # purged by retention after close
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # production?, business stopped?, ...
    missing_fields: Mapped[list[Any] | None] = mapped_column(JSON)
    submitted_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime | None]
    initial_response_at: Mapped[dt.datetime | None]
    waiver: Mapped[str | None] = mapped_column(String(32))
    waiver_ref: Mapped[str | None] = mapped_column(String(200))
    assignee: Mapped[str | None] = mapped_column(String(64))
    # Email threading: the customer's root Message-ID and the ids we have sent in this thread.
    root_message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    thread_message_ids: Mapped[list[Any] | None] = mapped_column(JSON)
    # Slack: where the ticket message lives (its ts is the thread).
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_ts: Mapped[str | None] = mapped_column(String(32), index=True)
    gate_state: Mapped[str | None] = mapped_column(String(16))
    gate_reason: Mapped[str | None] = mapped_column(Text)
    # Nagging: swept by the clock, claimed with a conditional UPDATE on (id, next_nag_at).
    next_nag_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    last_nag_at: Mapped[dt.datetime | None]
    nag_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_tickets_nag_due", "state", "next_nag_at"),)


class InboundMessage(Base):
    """Every message received, with its outcome: a crash anywhere re-runs a message exactly once."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), default="email")
    mailbox: Mapped[str | None] = mapped_column(String(200))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[str | None] = mapped_column(String(998), unique=True)
    sender: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # ticket | follow_up | deflected | rejected_redaction | filtered | quarantined | needs_info
    outcome: Mapped[str | None] = mapped_column(String(32), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # Only so that one flush writes a ticket before rows that refer to it (the unit of work orders
    # INSERTs by relationships, not by foreign keys). Never loaded: lazy="raise".
    ticket: Mapped[Ticket | None] = relationship(lazy="raise")
    gate_state: Mapped[str | None] = mapped_column(String(16))
    gate_reason: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[dt.datetime | None]
    server_done: Mapped[bool] = mapped_column(Boolean, default=False)  # flagged/moved on the IMAP server

    __table_args__ = (UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_inbound_mailbox_uid"),)


class TicketEvent(Base):
    """The audit trail of a ticket."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    # Only so that one flush writes a ticket before rows that refer to it (the unit of work orders
    # INSERTs by relationships, not by foreign keys). Never loaded: lazy="raise".
    ticket: Mapped[Ticket] = relationship(lazy="raise")
    at: Mapped[dt.datetime]
    kind: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # When the webhook relay turned the event into deliveries (NULL: not yet; see intake/webhooks.py).
    exported_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_ticket_events_unexported", "id", sqlite_where=text("exported_at IS NULL"),
                            postgresql_where=text("exported_at IS NULL")),)


class TicketMessageId(Base):
    """Every Message-ID of a ticket's email thread (the customer's root and follow-ups, our replies),
    so a reply's In-Reply-To/References finds its ticket with one indexed ``IN`` query."""

    __tablename__ = "ticket_message_ids"

    message_id: Mapped[str] = mapped_column(String(998), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    # Only so that one flush writes a ticket before rows that refer to it (the unit of work orders
    # INSERTs by relationships, not by foreign keys). Never loaded: lazy="raise".
    ticket: Mapped[Ticket] = relationship(lazy="raise")
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    created_at: Mapped[dt.datetime]


class OutboxItem(Base):
    """A side effect (email, Slack call) written in the same transaction as the state change."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # email | slack
    # Idempotency: one side effect per key, however often a transaction is retried.
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    # Items of one ordering key are delivered in id order (per ticket).
    ordering_key: Mapped[str | None] = mapped_column(String(100), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    # Only so that one flush writes a ticket before rows that refer to it (the unit of work orders
    # INSERTs by relationships, not by foreign keys). Never loaded: lazy="raise".
    ticket: Mapped[Ticket | None] = relationship(lazy="raise")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending|sending|done|parked
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    done_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"),)


class RedactionLogEntry(Base):
    """One entry per rejected message. Never the raw values: HMAC fingerprints under a server key."""

    __tablename__ = "redaction_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    message_ref: Mapped[str | None] = mapped_column(String(998))
    sender_org: Mapped[str | None] = mapped_column(String(200), index=True)
    entity_types: Mapped[list[Any]] = mapped_column(JSON)
    findings: Mapped[list[Any]] = mapped_column(JSON)  # [{type,start,end,recognizer,score,fingerprint}]
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Review metadata (not part of the chain hash: reviewers annotate, they never alter the record).
    verdict: Mapped[str | None] = mapped_column(String(32), index=True)  # confirmed | false_positive
    verdict_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[dt.datetime | None]


class AutoReply(Base):
    """When we last auto-replied to a sender (rate limit: at most once per window)."""

    __tablename__ = "auto_replies"

    address: Mapped[str] = mapped_column(String(320), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_sent_at: Mapped[dt.datetime]
    count: Mapped[int] = mapped_column(Integer, default=1)


class Lease(Base):
    """A named lease elects one active holder (e.g. the IMAP reader of a mailbox)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime]


class PortalObservation(Base):
    """Readings of the portal gate: the state and reason at each refresh (history for the charts)."""

    __tablename__ = "portal_observations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    state: Mapped[str] = mapped_column(String(16))  # up | down | unknown
    effective: Mapped[str] = mapped_column(String(16))  # up | down
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(32))


class User(Base):
    """Local accounts of the web pages."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(32))  # compliance | operator
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]
    # Session cookies carry the epoch they were issued in; signing out bumps it, so every cookie
    # issued before (other browsers, a stolen copy) stops working at once.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AuditEntry(Base):
    """Who viewed or changed what on the web pages."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    username: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(300))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ApiToken(Base):
    """Bearer tokens of the read API (``/api/v1``): only a SHA-256 of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(32))  # operator | compliance
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class ExportCursor(Base):
    """How far an append-only table has been exported (the webhook relay's redaction-log position)."""

    __tablename__ = "export_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
