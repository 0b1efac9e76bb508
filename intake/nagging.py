"""The nag sweep: remind the ticket's Slack thread until the initial response, exactly once per nag.

Nag state lives in the ticket row (``next_nag_at``, ``last_nag_at``, ``nag_count``), as healthchecks
keeps its alert dates. A sweep selects the tickets whose clock runs (active state, no initial
response, no waiver) and whose ``next_nag_at`` has come, then claims each one with a conditional
UPDATE on ``(id, next_nag_at)`` in the same transaction (savepoint) as the outbox row of the
reminder (house style rules 6 and 7). A second clock that read the same row finds the row changed: the UPDATE
matches nothing (rowcount 0) and it moves on. So any number of clocks, on SQLite or PostgreSQL,
send each reminder once; the outbox's unique ``dedupe_key`` (``nag:<id>:<n>``) is the backstop.

After downtime the next time is computed from ``(previous nag, now)``: one catch-up reminder per
ticket, then the schedule continues after ``now``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from intake.domain import nag
from intake.domain.nag_message import mentions_for, nag_message
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.domain.ticket import ACTIVE_VALUES, response_clock_runs
from intake.outbox import enqueue
from intake.store.models import Ticket

log = logging.getLogger(__name__)

DEFAULT_BATCH = 500
DEFAULT_PER_TRANSACTION = 50


@dataclass
class SweepReport:
    """What one sweep did."""

    found: int = 0  # rows whose next_nag_at had come
    nagged: int = 0  # reminders enqueued
    deferred: int = 0  # due by the row, but not now (quiet hours, schedule changed): moved
    stopped: int = 0  # the clock no longer runs for the row: next_nag_at cleared
    lost: int = 0  # another clock claimed the row first
    failed: int = 0  # an error on the row (logged; retried next sweep)
    nagged_ids: list[int] = field(default_factory=list)

    def merge(self, other: SweepReport) -> None:
        self.nagged += other.nagged
        self.deferred += other.deferred
        self.stopped += other.stopped
        self.lost += other.lost
        self.failed += other.failed
        self.nagged_ids.extend(other.nagged_ids)


def _nags(row: Ticket) -> bool:
    """Reminders go out while the response clock runs and there is a due time to remind of."""
    return (response_clock_runs(row.state, initial_response_at=row.initial_response_at, waiver=row.waiver)
            and row.due_at is not None)


def due_query(now: dt.datetime, limit: int):  # type: ignore[no-untyped-def]
    """The sweep's select: uses ``ix_tickets_nag_due (state, next_nag_at)``."""
    return (select(Ticket.id, Ticket.next_nag_at)
            .where(Ticket.state.in_(ACTIVE_VALUES), Ticket.next_nag_at <= now,
                   Ticket.initial_response_at.is_(None), Ticket.waiver.is_(None))
            .order_by(Ticket.next_nag_at, Ticket.id)
            .limit(limit))


def find_due(session: Session, *, now: dt.datetime, limit: int = DEFAULT_BATCH) -> list[tuple[int, dt.datetime]]:
    """Tickets whose reminder has come, oldest first: ``[(id, next_nag_at)]``."""
    return [(row_id, at) for row_id, at in session.execute(due_query(now, limit))]


def compute_next(row: Ticket, *, policy: Policy, now: dt.datetime,
                 last_nag_at: dt.datetime | None) -> dt.datetime | None:
    if not _nags(row):
        return None
    return nag.next_nag_at(severity=Severity.parse(row.effective_severity), submitted=row.submitted_at,
                           due=row.due_at, nag_count=row.nag_count or 0, last_nag_at=last_nag_at,
                           now=now, policy=policy)


def reschedule(session: Session, row: Ticket, *, policy: Policy, now: dt.datetime) -> dt.datetime | None:
    """Recompute a ticket's ``next_nag_at`` after a change (open, severity, waiver, close, response).

    Called by :mod:`intake.services` in the caller's transaction; ``None`` once the clock stops.
    """
    del session  # the row is attached to it; nothing else to read
    row.next_nag_at = compute_next(row, policy=policy, now=now, last_nag_at=row.last_nag_at)
    return row.next_nag_at


def _claim(session: Session, row_id: int, old: dt.datetime, values: dict[str, object]) -> bool:
    res = session.execute(update(Ticket)
                          .where(Ticket.id == row_id, Ticket.next_nag_at == old)
                          .values(**values)
                          .execution_options(synchronize_session=False))
    return res.rowcount == 1


def nag_one(session: Session, row_id: int, old: dt.datetime, *, policy: Policy,
            now: dt.datetime, report: SweepReport) -> None:
    """Handle one due ticket inside the caller's transaction."""
    row = session.get(Ticket, row_id, populate_existing=True)
    if row is None or row.next_nag_at != old:
        report.lost += 1
        return
    if not _nags(row):
        # Self-healing: a transition that forgot to clear next_nag_at must not nag forever.
        if _claim(session, row_id, old, {"next_nag_at": None}):
            report.stopped += 1
        else:
            report.lost += 1
        return
    due_now = compute_next(row, policy=policy, now=now, last_nag_at=row.last_nag_at)
    if due_now is None or due_now > now:
        # Not now after all: quiet hours of an S3/S4, or the schedule moved (policy or severity).
        if _claim(session, row_id, old, {"next_nag_at": due_now}):
            report.deferred += 1
        else:
            report.lost += 1
        return
    severity = Severity.parse(row.effective_severity)
    assert row.due_at is not None
    stage = nag.stage_for(due=row.due_at, now=now, last_nag_at=row.last_nag_at)
    mentions = mentions_for(stage, assignee=row.assignee, policy=policy)
    text = nag_message(token=row.token, severity=severity, due=row.due_at, now=now, policy=policy,
                           stage=stage, mentions=mentions, assignee=row.assignee)
    count = row.nag_count or 0
    new_next = compute_next(row, policy=policy, now=now, last_nag_at=now)
    if not _claim(session, row_id, old, {"next_nag_at": new_next, "nag_count": Ticket.nag_count + 1,
                                         "last_nag_at": now}):
        report.lost += 1
        return
    enqueue(session, kind="slack", dedupe_key=f"nag:{row_id}:{count}", now=now, ticket_id=row_id,
            payload={"op": "thread_message", "ticket_id": row_id, "text": text, "kind": "nag",
                     "stage": stage, "mentions": [m.slack_id for m in mentions]})
    report.nagged += 1
    report.nagged_ids.append(row_id)
    log.info("nag %s #%d (%s, %s) sent to the outbox; next %s", row.token, count + 1, severity.name, stage,
             new_next.isoformat() if new_next else None)


def sweep_nags(factory: sessionmaker[Session], *, policy: Policy, now: dt.datetime,
               batch: int = DEFAULT_BATCH, max_batches: int = 20,
               per_transaction: int = DEFAULT_PER_TRANSACTION,
               stop: threading.Event | None = None) -> SweepReport:
    """One sweep: every ticket whose reminder has come gets one (at most ``batch * max_batches``).

    Tickets are handled ``per_transaction`` at a time, each inside its own SAVEPOINT: one bad row
    rolls back only itself (and is retried next sweep), while a restart with thousands of catch-up
    reminders does not pay one commit (an fsync on PostgreSQL) per ticket. Clocks take rows in the
    same order (``next_nag_at, id``), so two of them wait for each other's row locks, never deadlock.
    ``stop`` (the process's SIGTERM flag) ends the sweep after the current transaction.
    """
    report = SweepReport()
    for _ in range(max_batches):
        with factory() as session:
            rows = find_due(session, now=now, limit=batch)
        report.found += len(rows)
        for start in range(0, len(rows), per_transaction):
            if stop is not None and stop.is_set():
                log.info("nag sweep: stopping after %d of %d due tickets (shutdown)", start, len(rows))
                return _logged(report, now)
            chunk = rows[start:start + per_transaction]
            part = SweepReport()
            try:
                with factory() as session, session.begin():
                    for row_id, old in chunk:
                        try:
                            with session.begin_nested():
                                nag_one(session, row_id, old, policy=policy, now=now, report=part)
                        except Exception:  # noqa: BLE001 - one bad row must not stop the others
                            part.failed += 1
                            log.exception("nag sweep: ticket %s failed; retried next sweep", row_id)
            except Exception:  # noqa: BLE001 - the commit failed: nothing of the chunk happened
                report.failed += len(chunk)
                log.exception("nag sweep: a transaction of %d tickets failed; retried next sweep", len(chunk))
                continue
            report.merge(part)
        if len(rows) < batch or (stop is not None and stop.is_set()):
            break
    return _logged(report, now)


def _logged(report: SweepReport, now: dt.datetime) -> SweepReport:
    if report.found:
        log.info("nag sweep at %s: %d due, %d nagged, %d deferred, %d stopped, %d lost, %d failed",
                 now.isoformat(), report.found, report.nagged, report.deferred, report.stopped,
                 report.lost, report.failed)
    return report
