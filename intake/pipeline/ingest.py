"""Running the pipeline: one message in its own unit of work, or a batch sharing one.

A batch redacts ahead: every message is screened, the texts that reach redaction go to the
engine in one call (NER batched), and ``decide`` then finds its answer there. Nothing else
differs between a batch and a single message: the same ``decide`` and ``apply`` run for each.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from intake.pipeline.apply import Applied, apply
from intake.pipeline.context import Context, IntakeDeps, Redactor
from intake.pipeline.decide import Pending, decide, screen
from intake.pipeline.decisions import Deflected
from intake.pipeline.errors import RecordConflict
from intake.pipeline.lookups import StoreLookups
from intake.pipeline.messages import MailMessage, Message
from intake.portal import GateReading
from intake.store.uow import UnitOfWork
from redaction.types import Decision as RedactionResult
from redaction.types import Sender

__all__ = ["Prefetched", "ingest", "ingest_batch", "redact_ahead"]

log = logging.getLogger(__name__)


class Prefetched:
    """A redactor answering from results computed ahead for a batch; anything else (a message
    whose path changed since the batch was screened) goes to the engine itself."""

    def __init__(self, results: dict[tuple[str, Sender | None], RedactionResult], engine: Redactor) -> None:
        self.results = results
        self.engine = engine

    def check(self, text: str, sender: Sender | None = None) -> RedactionResult:
        found = self.results.get((text, sender))
        return found if found is not None else self.engine.check(text, sender)


def redact_ahead(messages: Sequence[Message], context: Context) -> tuple[Redactor, list[tuple[str, str]]]:
    """Screen ``messages`` and redact every text that reaches redaction in one engine call
    (``check_many`` when the engine has it). Also returns the automatic replies the batch will
    probably send, ``(address, kind)``, so their budgets are claimed at once. A failure here only
    costs the speed-up."""
    engine = context.deps.redactor
    try:
        steps = [screen(m, context) for m in messages]
        pending = [s for s in steps if isinstance(s, Pending)]
        replies = [(s.reply_to, "deflection") for s in steps if isinstance(s, Deflected) and s.reply_to]
        if not pending:
            return engine, replies
        wanted = [(p.text, p.sender) for p in pending]
        check_many = getattr(engine, "check_many", None)
        found = list(check_many(wanted)) if check_many is not None else [engine.check(t, s) for t, s in wanted]
        for p, result in zip(pending, found, strict=True):
            if p.reply_to and not (result.clean and p.thread is not None and p.thread.open):
                replies.append((p.reply_to, "ack" if result.clean else "resubmission"))
        return Prefetched(dict(zip(wanted, found, strict=True)), engine), replies
    except Exception:  # noqa: BLE001 - each message is then redacted on its own
        log.exception("batch redaction failed; redacting message by message")
        return engine, []


def ingest(message: Message, factory: sessionmaker[Session], deps: IntakeDeps, *, now: dt.datetime,
           gate: GateReading | None = None) -> Applied:
    """``decide`` and ``apply`` one message in its own unit of work. A unique-key conflict means
    another worker recorded the same message first: the work is redone once and finds that record."""
    for attempt in (1, 2):
        try:
            with UnitOfWork.begin(factory) as uow:
                context = Context(deps, now, gate, StoreLookups(uow.session, uow=uow))
                return apply(decide(message, context), uow, deps)
        except IntegrityError as exc:
            if attempt == 2:
                raise RecordConflict("conflict", "recorded concurrently, twice") from exc
            log.warning("%s message: recorded concurrently by another worker; re-checking", message.channel)
    raise AssertionError("unreachable")


def ingest_batch(messages: Sequence[MailMessage], uow: UnitOfWork, deps: IntakeDeps, *, gate: GateReading,
                 clock: Callable[[], dt.datetime]) -> list[Applied]:
    """``decide`` and ``apply`` fetched mails of one mailbox in one unit of work (the caller's
    transaction; its flush writes them all)."""
    lookups = StoreLookups.for_mails(uow, messages)
    now = clock()
    redactor, replies = redact_ahead(messages, Context(deps, now, gate, lookups))
    uow.budgets.prime(replies, now=now, window=deps.config.autoreply_window)
    ahead = replace(deps, redactor=redactor)
    return [apply(decide(m, Context(ahead, clock(), gate, lookups)), uow, deps) for m in messages]
