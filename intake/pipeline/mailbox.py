"""The email channel's adapter: the IMAP poller's batch handler (``intake.mail`` never imports the
pipeline; this module joins them).

It only translates: fetched mails -> :class:`intake.pipeline.MailMessage` (parsed once), then
the pipeline's ``decide`` and ``apply`` for every mail of the batch in **one unit of work** (one
transaction, one flush: ids reserved ahead, rows collected, reply budgets claimed once per
sender; ``intake.store.uow``). What happens to a mail, and why, is decided in
``intake.pipeline.decide``; docs/email.md describes the order.

Failure handling: any failure rolls the batch back and it is redone one mail per unit of work;
there a mail that trips a bug is quarantined with the error's type (it must not block the
mailbox), while database errors abort the batch (the poller backs off and reads the mails again).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from intake.mail.imap import FetchedMail, MessageBatch
from intake.pipeline import Applied, IntakeDeps, MailMessage, Quarantined, apply, ingest, ingest_batch
from intake.pipeline.decide import received_time
from intake.pipeline.lookups import StoreLookups
from intake.portal import GateReading
from intake.store.models import InboundMessage
from intake.store.uow import UnitOfWork

__all__ = ["BatchIngest", "mail_message"]

log = logging.getLogger(__name__)


def mail_message(mail: FetchedMail, batch: MessageBatch, max_bytes: int) -> MailMessage:
    """A fetched mail as the pipeline's message. A parser bug becomes the reason it is quarantined."""
    try:
        return MailMessage.from_bytes(mail.raw, max_bytes=max_bytes, size=mail.size, mailbox=batch.mailbox,
                                      uidvalidity=batch.uidvalidity, uid=mail.uid, received_at=mail.internaldate)
    except Exception as exc:  # noqa: BLE001 - a bug on one mail must not block the mailbox
        log.exception("inbound uid %s: parsing failed", mail.uid)
        return MailMessage(raw=mail.raw, size=mail.size, mailbox=batch.mailbox, uidvalidity=batch.uidvalidity,
                           uid=mail.uid, received_at=mail.internaldate,
                           parse_error=f"processing failed: {type(exc).__name__}")


class BatchIngest:
    """The poller's handler: every fetched batch through the pipeline in one unit of work."""

    def __init__(self, factory: sessionmaker[Session], deps: IntakeDeps, *,
                 gate: Callable[[], GateReading], clock: Callable[[], dt.datetime] | None = None) -> None:
        self.factory = factory
        self.deps = deps
        self.gate = gate
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def __call__(self, batch: MessageBatch) -> list[tuple[int, str]]:
        gate = self.gate()
        messages = [mail_message(m, batch, self.deps.config.max_mail_bytes) for m in batch.mails]
        try:
            with UnitOfWork.begin(self.factory, expected=len(messages)) as uow:
                _mark_server_done(uow, batch)
                results = ingest_batch(messages, uow, self.deps, gate=gate, clock=self.clock)
        except SQLAlchemyError:
            log.warning("batch of %d mails failed as one transaction; retrying one by one", len(messages),
                        exc_info=True)
        except Exception:  # noqa: BLE001 - a bug on one mail: isolate it on the slow path below
            log.exception("batch of %d mails failed; retrying one by one", len(messages))
        else:
            return [(m.uid, r.outcome) for m, r in zip(batch.mails, results, strict=True)]
        if batch.done_before:
            with self.factory() as session, session.begin():
                _server_done(session, batch.mailbox, batch.uidvalidity, batch.done_before)
        done: list[tuple[int, str]] = []
        for message in messages:
            now = self.clock()
            try:
                result = ingest(message, self.factory, self.deps, now=now, gate=gate)
            except SQLAlchemyError:
                raise
            except Exception as exc:  # noqa: BLE001 - a bug on one mail must not block the mailbox
                log.exception("inbound uid %s: processing failed; quarantining", message.uid)
                result = self._quarantine(message, gate, now, f"processing failed: {type(exc).__name__}")
            assert message.uid is not None
            done.append((message.uid, result.outcome))
        return done

    def _quarantine(self, message: MailMessage, gate: GateReading, now: dt.datetime, reason: str) -> Applied:
        with UnitOfWork.begin(self.factory) as uow:
            assert message.uid is not None
            seen = StoreLookups(uow.session).recorded(message.mailbox, message.uidvalidity, message.uid)
            if seen is not None:
                return Applied(seen[1], "recorded before", seen[0], seen[2], already=True)
            bare = MailMessage(raw=None, size=message.size, mailbox=message.mailbox,
                               uidvalidity=message.uidvalidity, uid=message.uid, received_at=message.received_at)
            return apply(Quarantined(message=bare, reason=reason, code="processing_failed", at=now,
                                     received=received_time(message, now), gate=gate), uow, self.deps)


def _mark_server_done(uow: UnitOfWork, batch: MessageBatch) -> None:
    """Bookkeeping folded into this batch's transaction: the mails the poller flagged on the
    server after the previous batch's commit (no round trip of its own)."""
    if batch.done_before:
        _server_done(uow.session, batch.mailbox, batch.uidvalidity, batch.done_before)


def _server_done(session: Session, mailbox: str, uidvalidity: int | None, uids: Sequence[int]) -> None:
    session.execute(update(InboundMessage).where(
        InboundMessage.mailbox == mailbox, InboundMessage.uidvalidity == uidvalidity,
        InboundMessage.uid.in_(list(uids))).values(server_done=True).execution_options(synchronize_session=False))
