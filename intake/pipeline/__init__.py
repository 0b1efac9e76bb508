"""One intake pipeline for every channel: ``decide(message, context) -> Decision`` and
``apply(decision, uow, deps)``.

* :mod:`~intake.pipeline.messages`: what enters (a fetched mail, a Slack request).
* :mod:`~intake.pipeline.decide`: the decision, a short dispatcher over pure stages; reads the
  store only through the context's ``Lookups``; ``supportbot replay`` runs it alone.
* :mod:`~intake.pipeline.decisions`: the outcomes, one frozen type each, with the reason.
* :mod:`~intake.pipeline.apply`: records a decision (ticket, events, SLA, redaction log, outbox
  rows, the inbound row) in a unit of work (``intake.store.uow``).
* :mod:`~intake.pipeline.ingest`: one message per unit of work, or a batch sharing one.
* :mod:`~intake.pipeline.errors`: the pipeline's own error types.

Channel adapters (``intake.pipeline.mailbox`` for the IMAP poller's batches, ``bot.actions`` for
Slack) only translate what they received into a message and report the result; ``replay`` runs
``decide`` alone. This package imports no Slack adapter (``bot``); nothing in ``intake.mail``
imports it (the email rules it uses live there: parse, filters, identity, extract, templates).
"""

from intake.pipeline.apply import Applied, apply
from intake.pipeline.context import (
    Context,
    IntakeConfig,
    IntakeDeps,
    Lookups,
    NoLookups,
    Redactor,
    Rules,
    severity_cap,
)
from intake.pipeline.decide import conclude, decide, screen
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
from intake.pipeline.errors import Dropped, IntakeError, Quarantine, RecordConflict
from intake.pipeline.ingest import ingest, ingest_batch
from intake.pipeline.messages import MailMessage, Message, SlackRequest

__all__ = [
    "AlreadyRecorded", "Applied", "Context", "Decision", "Deflected", "Dropped", "Duplicate", "Filtered",
    "FollowUp", "IntakeConfig", "IntakeDeps", "IntakeError", "Lookups", "MailMessage", "Message", "NewTicket",
    "NoLookups", "Quarantine", "Quarantined", "RecordConflict", "Redactor", "Rejected", "Rules", "SlackRequest",
    "ThreadRef", "TicketDraft", "apply", "conclude", "decide", "ingest", "ingest_batch", "screen", "severity_cap",
]
