"""The outbox: every side effect (email, Slack call) is a row written in the same transaction as the
state change that caused it, then delivered by a dispatcher (house style rule 7).

Delivery is claimed with a conditional UPDATE (``... WHERE id = ? AND state = 'pending'``) so two
dispatchers never send one item twice; items with the same ``ordering_key`` (a ticket) go out in id
order; transports raise :class:`DeliveryError` with a verdict: transient errors are retried with
bounded exponential backoff (or the server's ``Retry-After``), permanent ones are parked with their
reason for an operator.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import Table, and_, event, exists, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased, make_transient_to_detached, sessionmaker

from intake.store.models import OutboxItem

log = logging.getLogger(__name__)

PENDING, SENDING, DONE, PARKED = "pending", "sending", "done", "parked"
# Delivery phases a transport may record (``record_phase``) before which nothing left this process.
SAFE_PHASES = ("connect", "envelope")
# ``last_error`` of an item sent again after its dispatcher died mid-send: a transport whose call
# may have landed (a Slack post) looks first whether it did (bot.notifier).
INTERRUPTED = "interrupted while sending"
DISCARDED = "discarded"  # an operator gave the item up, with a reason (intake/outbox_ops.py)
_OUTBOX = cast(Table, OutboxItem.__table__)


class DeliveryError(Exception):
    """A failed delivery, with a verdict: ``transient`` (retry) or permanent (park)."""

    def __init__(self, reason: str, *, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.retry_after = retry_after


class Transport(Protocol):
    """Delivers one payload. Returns a result dict (e.g. Slack's ``ts``) or raises DeliveryError."""

    def deliver(self, item: OutboxItem) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 5.0  # seconds
    factor: float = 2.0
    maximum: float = 900.0
    max_attempts: int = 12
    claim_ttl: float = 300.0  # a claim older than this is stale (its dispatcher died)

    def delay(self, attempts: int, retry_after: float | None = None) -> dt.timedelta:
        backoff = min(self.base * self.factor ** max(attempts - 1, 0), self.maximum)
        if retry_after is not None:
            backoff = max(retry_after, 0.0)
        return dt.timedelta(seconds=backoff)


def enqueue(session: Session, *, kind: str, payload: dict[str, Any], dedupe_key: str,
            now: dt.datetime, ticket_id: int | None = None, ordering_key: str | None = None,
            not_before: dt.datetime | None = None, defer: bool = False) -> OutboxItem:
    """Add a side effect to the caller's transaction; a second call with the same key is a no-op
    that returns the existing item.

    One statement: ``INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`` (no look-up, no
    savepoint); only a conflict reads the existing row. Pending ORM changes are flushed first, so
    items keep the id order of the calls that made them.

    ``defer=True``: the row is queued (:func:`defer_insert`) and written right after the session's
    next flush, with the other queued rows of its table in one executemany; the returned item is a
    transient copy without an id. For callers whose key cannot exist yet (it names a row this
    transaction creates); should one exist anyway, that write fails and the transaction rolls back.
    """
    values: dict[str, Any] = {
        "kind": kind, "payload": payload, "dedupe_key": dedupe_key, "ticket_id": ticket_id,
        "ordering_key": ordering_key if ordering_key is not None else
        (f"ticket:{ticket_id}" if ticket_id is not None else None),
        "state": PENDING, "attempts": 0, "next_attempt_at": not_before or now, "created_at": now,
        "claimed_by": None, "claimed_until": None, "last_error": None, "result": None, "done_at": None,
    }
    if defer:
        defer_insert(session, _OUTBOX, values)
        return OutboxItem(**values)
    session.flush()
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (insert(_OUTBOX).values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(_OUTBOX.c.id))
    new_id = session.connection().execute(stmt).scalar()
    if new_id is None:
        found = session.scalar(select(OutboxItem).where(OutboxItem.dedupe_key == dedupe_key))
        if found is None:  # pragma: no cover - the conflicting row cannot vanish inside our transaction
            raise RuntimeError(f"outbox: conflict on {dedupe_key!r} but no row holds it")
        return found
    # The row as inserted, attached to the session without reading it back.
    item = OutboxItem(id=new_id, **values)
    make_transient_to_detached(item)
    session.add(item)
    return item


_DEFERRED = "intake.deferred_inserts"


def defer_insert(session: Session, table: Table, values: dict[str, Any]) -> None:
    """Queue a row for a plain INSERT (no RETURNING) written right after the session's next flush
    (so after the rows it refers to), or before commit: one executemany per table for a batch
    instead of an ORM INSERT per object. Every row of a table must name the same columns. The
    rows are invisible to queries until written; a rollback drops them."""
    session.info.setdefault(_DEFERRED, {}).setdefault(table, []).append(values)


def write_deferred(session: Session) -> None:
    queued = session.info.pop(_DEFERRED, None)
    if not queued:
        return
    conn = session.connection()
    for table, rows in queued.items():
        conn.execute(table.insert(), rows)


@event.listens_for(Session, "after_flush")
def _write_after_flush(session: Session, _flush_context: Any) -> None:
    # Not inside a savepoint: rolling it back would lose rows queued before it.
    if _DEFERRED in session.info and not session.in_nested_transaction():
        write_deferred(session)


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    if _DEFERRED in session.info:
        session.flush()
        write_deferred(session)


@event.listens_for(Session, "after_transaction_end")
def _drop_on_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # committed (written above) or rolled back (dropped with it)
        session.info.pop(_DEFERRED, None)


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    parked: int = 0
    skipped: int = 0


OnDone = Callable[[Session, OutboxItem, dict[str, Any] | None], None]


class Dispatcher:
    """Claims due outbox items and hands each to the transport of its kind."""

    def __init__(self, factory: sessionmaker[Session], transports: Mapping[str, Transport], *,
                 worker_id: str, retry: RetryPolicy | None = None,
                 on_done: Mapping[str, OnDone] | None = None,
                 stale_policy: Mapping[str, str] | None = None, locks: Any = "auto") -> None:
        self.factory = factory
        self.transports = dict(transports)
        self.worker_id = worker_id
        self.retry = retry or RetryPolicy()
        # Hooks run in the transaction that marks an item done (e.g. store the Slack ts on the ticket).
        self.on_done = dict(on_done or {})
        # What to do with an item whose dispatcher died mid-send: "retry" (at-least-once, fine for
        # idempotent calls) or "park" (at-most-once; an operator checks) per kind.
        self.stale_policy = dict(stale_policy or {})
        self._locks: Any = locks
        self._own_lock = False

    def recover_stale(self, *, now: dt.datetime) -> int:
        """Items left ``sending`` by a dispatcher that died: those whose claim expired, and at once
        those whose dispatcher's process lock is free (it died: ``intake.store.locks``). A kind with
        the "park" policy (email: at most once) is parked as "delivery unknown" only if its
        transport recorded that it reached the point of no return (SMTP ``DATA``); an item that
        died before it is safely sent again."""
        with self.factory() as session, session.begin():
            sending = session.scalars(select(OutboxItem).where(OutboxItem.state == SENDING)).all()
            dead = self._dead_claimers({i.claimed_by for i in sending if i.claimed_until is None or
                                        i.claimed_until >= now})
            stale = [i for i in sending if i.claimed_until is None or i.claimed_until < now or i.claimed_by in dead]
            for item in stale:
                phase = (item.result or {}).get("phase") if isinstance(item.result, dict) else None
                if self.stale_policy.get(item.kind, "retry") == "park" and phase not in (None, *SAFE_PHASES):
                    item.state = PARKED
                    item.last_error = (f"dispatcher stopped while sending (phase {phase}); delivery unknown, "
                                       "not retried")
                else:
                    item.state = PENDING
                    item.next_attempt_at = now
                    item.last_error = f"{INTERRUPTED} (dispatcher {item.claimed_by} stopped); sent again"
                    if phase is not None or self.stale_policy.get(item.kind) == "park":
                        log.warning("outbox item %s (%s): dispatcher stopped before the point of no return "
                                    "(phase %s); sending again", item.id, item.kind, phase or "none")
                item.claimed_by = None
                item.claimed_until = None
            return len(stale)

    def _dead_claimers(self, claimers: set[str | None]) -> set[str]:
        """Dispatchers (by worker id) whose process lock is free: they are gone."""
        locks = self._process_locks()
        if locks is None:
            return set()
        dead = set()
        for worker in claimers:
            if not worker or worker == self.worker_id:
                continue
            try:
                if locks.is_free(f"outbox-worker:{worker}"):
                    dead.add(worker)
            except Exception:  # noqa: BLE001 - no lock service now: the claim's TTL still applies
                log.warning("outbox: cannot check dispatcher %s; waiting for its claim to expire", worker)
        return dead

    def _process_locks(self) -> Any:
        if self._locks == "auto":
            from intake.store.locks import process_locks

            self._locks = process_locks(self.factory)
        if self._locks is not None and not self._own_lock:
            try:
                self._own_lock = self._locks.try_lock(f"outbox-worker:{self.worker_id}", self.worker_id)
            except Exception:  # noqa: BLE001
                log.warning("outbox: cannot take this dispatcher's process lock", exc_info=True)
        return self._locks

    def close(self) -> None:
        """Let go of this dispatcher's process lock (a clean stop)."""
        if self._locks not in (None, "auto") and self._own_lock:
            self._locks.unlock(f"outbox-worker:{self.worker_id}", self.worker_id)
            self._own_lock = False

    def due_ids(self, session: Session, *, now: dt.datetime, limit: int) -> list[int]:
        earlier = aliased(OutboxItem)
        blocked = exists().where(and_(
            earlier.ordering_key == OutboxItem.ordering_key,
            earlier.id < OutboxItem.id,
            earlier.state.in_((PENDING, SENDING)),
        ))
        stmt = (select(OutboxItem.id)
                .where(OutboxItem.state == PENDING, OutboxItem.next_attempt_at <= now,
                       OutboxItem.kind.in_(list(self.transports)),
                       (OutboxItem.ordering_key.is_(None)) | ~blocked)
                .order_by(OutboxItem.id).limit(limit))
        return list(session.scalars(stmt))

    def claim(self, item_id: int, *, now: dt.datetime) -> bool:
        with self.factory() as session, session.begin():
            res = session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == item_id, OutboxItem.state == PENDING)
                .values(state=SENDING, claimed_by=self.worker_id, result=None,
                        claimed_until=now + dt.timedelta(seconds=self.retry.claim_ttl),
                        attempts=OutboxItem.attempts + 1)
                .execution_options(synchronize_session=False))
            return res.rowcount == 1

    def dispatch_once(self, *, now: dt.datetime, limit: int = 50) -> DispatchReport:
        report = DispatchReport()
        self._process_locks()  # held before the first claim, so a crash frees our claims at once
        self.recover_stale(now=now)
        with self.factory() as session:
            ids = self.due_ids(session, now=now, limit=limit)
        for item_id in ids:
            if not self.claim(item_id, now=now):
                report.skipped += 1
                continue
            self._deliver(item_id, now=now, report=report)
        return report

    def _deliver(self, item_id: int, *, now: dt.datetime, report: DispatchReport) -> None:
        with self.factory() as session:
            item = session.get(OutboxItem, item_id)
            assert item is not None
            session.expunge(item)
        transport = self.transports[item.kind]
        try:
            result = transport.deliver(item)
        except DeliveryError as exc:
            self._failed(item, exc, now=now, report=report)
            return
        except Exception as exc:  # an unexpected bug in a transport: retry, bounded, and say so
            log.exception("outbox item %s (%s): unexpected error", item.id, item.kind)
            self._failed(item, DeliveryError(f"unexpected {type(exc).__name__}", transient=True),
                         now=now, report=report)
            return
        with self.factory() as session, session.begin():
            fresh = session.get(OutboxItem, item_id)
            assert fresh is not None
            fresh.state = DONE
            fresh.result = result
            fresh.done_at = now
            fresh.claimed_until = None
            fresh.last_error = None
            hook = self.on_done.get(fresh.kind)
            if hook is not None:
                hook(session, fresh, result)
        report.sent += 1
        log.info("outbox item %s (%s) delivered", item_id, item.kind)

    def _failed(self, item: OutboxItem, exc: DeliveryError, *, now: dt.datetime,
                report: DispatchReport) -> None:
        with self.factory() as session, session.begin():
            fresh = session.get(OutboxItem, item.id)
            assert fresh is not None
            fresh.claimed_until = None
            fresh.last_error = exc.reason[:2000]
            if exc.transient and exc.retry_after is not None:
                # The server said when to come back (HTTP 429 Retry-After): backpressure, not a failed
                # attempt, so a long rate-limited burst never uses up an item's attempts and parks it.
                fresh.attempts = max((fresh.attempts or 1) - 1, 0)
            if exc.transient and fresh.attempts < self.retry.max_attempts:
                fresh.state = PENDING
                fresh.next_attempt_at = now + self.retry.delay(fresh.attempts, exc.retry_after)
                report.retried += 1
                log.warning("outbox item %s (%s) attempt %s failed, transient: %s; retry at %s",
                            fresh.id, fresh.kind, fresh.attempts, exc.reason, fresh.next_attempt_at.isoformat())
            else:
                fresh.state = PARKED
                report.parked += 1
                log.error("outbox item %s (%s) parked after %s attempt(s): %s", fresh.id, fresh.kind,
                          fresh.attempts, exc.reason)


def record_phase(factory: sessionmaker[Session], item_id: int, phase: str, *, worker_id: str | None = None) -> None:
    """A transport notes how far a delivery got (e.g. ``"data"`` just before SMTP DATA), in its own
    committed transaction, so a dispatcher dying mid-send leaves the answer to "was it sent?"."""
    with factory() as session, session.begin():
        cond = [OutboxItem.id == item_id, OutboxItem.state == SENDING]
        if worker_id is not None:
            cond.append(OutboxItem.claimed_by == worker_id)
        res = session.execute(update(OutboxItem).where(*cond).values(result={"phase": phase})
                              .execution_options(synchronize_session=False))
        if res.rowcount != 1:
            raise DeliveryError(f"claim on outbox item {item_id} lost before {phase}", transient=True)


def requeue(session: Session, item_id: int, *, now: dt.datetime) -> bool:
    """An operator retries a parked item."""
    res = session.execute(update(OutboxItem).where(OutboxItem.id == item_id, OutboxItem.state == PARKED)
                          .values(state=PENDING, next_attempt_at=now, attempts=0))
    return res.rowcount == 1
